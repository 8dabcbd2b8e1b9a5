"""Printing vouchers and labels: checked PDFs to the right printer, honest status. No widgets."""
