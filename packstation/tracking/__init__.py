"""Which carrier a scanned number belongs to, and the number its customer knows.

No Qt. ``reading.read`` says what a scan is; ``formats.formats`` are the known courier
formats, shipped in ``resources/tracking`` (tracking_number_data, MIT, plus uk.json);
``carriers.CARRIERS`` names the carriers. Nothing is imported here: settings need the
carrier names at start-up without the parsers.
"""
