"""The last-mile courier (issue 20): jobs of a "booked with the courier" delivery method are
booked with it, then dispatched in Smart Gift with the courier's job id. No Qt.

``client`` speaks to the courier; ``models`` reads its answers and builds what is sent;
``desk`` books (never twice), dispatches and labels; ``line`` keeps the client of the
settings of the moment.
"""
