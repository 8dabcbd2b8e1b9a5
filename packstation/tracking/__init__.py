"""Which carrier a scanned number belongs to, and the number its customer knows.

No Qt. ``read`` says what a scan is; ``formats`` are the known courier formats,
shipped in ``resources/tracking`` (tracking_number_data, MIT, plus uk.json).
"""

from packstation.tracking.formats import CARRIERS, TrackingFormat, formats
from packstation.tracking.reading import CarrierNumber, Reading, ReadingKind, read

__all__ = ["CARRIERS", "CarrierNumber", "Reading", "ReadingKind", "TrackingFormat", "formats",
           "read"]
