"""The carriers packstation knows, by the ids settings and manifests use."""

from __future__ import annotations

CARRIERS: dict[str, str] = {
    "royal-mail": "Royal Mail", "parcelforce": "Parcelforce", "dpd": "DPD", "evri": "Evri",
    "yodel": "Yodel", "dhl": "DHL", "ups": "UPS", "fedex": "FedEx", "usps": "USPS",
    "amazon": "Amazon", "s10": "International post (UPU S10)",
}
