"""The courier formats we recognise, read from ``resources/tracking``.

The data set (tracking_number_data, MIT) writes each format as a regex with named
groups and names its checksum; ``uk.json`` adds the UK formats it lacks, in the same
schema. The data's regexes are Ruby's: ``(?<Name>…)`` becomes Python's ``(?P<Name>…)``,
and a regex given as a list is joined. Read once, when first needed (no I/O at import).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from packstation.resources import resource_dir
from packstation.tracking.carriers import CARRIERS
from packstation.tracking.checksums import ALGORITHMS

# The data set's courier codes, as the ids the rest of packstation uses (settings,
# manifests). S10 numbers are the issuing post's: see ``carrier_of``.
_CARRIER_IDS = {"amazon": "amazon", "dhl": "dhl", "dpd": "dpd", "fedex": "fedex",
                "s10": "s10", "ups": "ups", "usps": "usps", "yodel": "yodel"}


_ROYAL_MAIL_URL = "https://www.royalmail.com/track-your-item#/tracking-results/%s"

# Where the data's number is not what a customer types into the courier's site.
_NO_SPACE = re.compile(r"\s+")


def _part(match: re.Match[str], group: str) -> str:
    return _NO_SPACE.sub("", match.groupdict().get(group) or "")


def _serial_check(match: re.Match[str]) -> str:
    return _part(match, "SerialNumber") + _part(match, "CheckDigit")


_REFERENCES: dict[str, Callable[[re.Match[str]], str]] = {
    # DPD: the 14-digit parcel number, without the routing around it or the check
    # character, so both DPD barcodes give the number DPD's own site shows.
    "dpd": lambda m: _part(m, "SerialNumber")[7:21],
    "dpd_14": lambda m: _part(m, "SerialNumber"),
    # FedEx's long barcodes hold the 12-digit tracking number at their end.
    "fedex_34": lambda m: _serial_check(m)[-12:],
    "fedex_ground_gsn": lambda m: _serial_check(m)[-12:],
    "fedex_astra_32": _serial_check,
    "fedex_ground_96": _serial_check,
    # USPS: without the 420 + ZIP routing prefix.
    "usps_impb_n": _serial_check, "usps_impb_c": _serial_check, "usps_legacy": _serial_check,
}

# The data names an SSCC-18 FedEx's only by its container type; without this every
# valid SSCC (a pallet or parcel id of any shipper) would count as a FedEx number.
_MUST_EXIST: dict[str, tuple[str, ...]] = {"fedex_ground_sscc_18": ("Container Type",)}


@dataclass(frozen=True, slots=True)
class Lookup:
    name: str
    group: str
    entries: tuple[Mapping[str, Any], ...]

    def find(self, value: str) -> Mapping[str, Any] | None:
        for entry in self.entries:
            if "matches" in entry and entry["matches"] == value:
                return entry
            pattern = entry.get("matches_regex")
            if isinstance(pattern, str) and re.fullmatch(pattern, value):
                return entry
        return None


@dataclass(frozen=True)
class TrackingFormat:
    id: str
    name: str
    courier: str  # the carrier's id (see CARRIERS); "s10": the issuing post decides
    pattern: re.Pattern[str]
    checksum: tuple[str, Mapping[str, Any]] | None = None
    must_exist: tuple[Lookup, ...] = ()
    lookups: Mapping[str, Lookup] = field(default_factory=dict)
    prepend_if: tuple[re.Pattern[str], str] | None = None
    url: str | None = None
    reference_group: str | None = None
    valid: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()

    def fits(self, text: str) -> re.Match[str] | None:
        return self.pattern.fullmatch(text)

    def check_ok(self, match: re.Match[str]) -> bool:
        """The check character is right and every value the data says must exist does."""
        for lookup in self.must_exist:
            if lookup.find(_part(match, lookup.group)) is None:
                return False
        if self.checksum is None:
            return True
        name, params = self.checksum
        serial = _part(match, "SerialNumber")
        if self.prepend_if is not None and self.prepend_if[0].search(serial):
            serial = self.prepend_if[1] + serial
        return ALGORITHMS[name](serial, _part(match, "CheckDigit"), params)

    def reference(self, match: re.Match[str]) -> str:
        """The number as the carrier's site and the customer know it."""
        if self.reference_group:
            return _part(match, self.reference_group)
        if self.id in _REFERENCES:
            return _REFERENCES[self.id](match)
        return _NO_SPACE.sub("", match.group(0))

    def carrier_of(self, match: re.Match[str]) -> tuple[str, str, str | None]:
        """(carrier id, name to show, tracking link pattern) for this number."""
        if self.courier != "s10":
            return self.courier, CARRIERS.get(self.courier, self.courier), self.url
        country = _part(match, "CountryCode")
        if country == "GB":
            return "royal-mail", "Royal Mail", _ROYAL_MAIL_URL
        entry = self.lookups["Courier"].find(country) if "Courier" in self.lookups else None
        post = str(entry["courier"]) if entry and entry.get("courier") else country
        return "s10", f"{post} (S10)", None


def python_regex(regex: str | list[str]) -> str:
    joined = "".join(regex) if isinstance(regex, list) else regex
    return re.sub(r"\(\?<(?![=!])", "(?P<", joined)


def _format(record: Mapping[str, Any], courier: str) -> TrackingFormat:
    fid = str(record.get("id") or re.sub(r"\W+", "_", str(record["name"]).lower()).strip("_"))
    lookups = {str(a["name"]): Lookup(str(a["name"]), str(a["regex_group_name"]),
                                      tuple(a.get("lookup", ())))
               for a in record.get("additional", ())}
    validation = record.get("validation") or {}
    checksum = validation.get("checksum")
    exists = tuple(validation.get("additional", {}).get("exists", ())) + _MUST_EXIST.get(fid, ())
    prepend = validation.get("serial_number_format", {}).get("prepend_if")
    tests = record.get("test_numbers", {})
    return TrackingFormat(
        id=fid, name=str(record["name"]), courier=str(record.get("courier") or courier),
        pattern=re.compile(python_regex(record["regex"])),
        checksum=(str(checksum["name"]), checksum) if checksum else None,
        must_exist=tuple(lookups[name] for name in exists if name in lookups),
        lookups=lookups,
        prepend_if=(re.compile(prepend["matches_regex"]), str(prepend["content"]))
        if prepend else None,
        url=record.get("tracking_url"), reference_group=record.get("reference_group"),
        valid=tuple(tests.get("valid", ())), invalid=tuple(tests.get("invalid", ())))


def load(folder: Path) -> tuple[TrackingFormat, ...]:
    """Every format in ``folder``: ``uk.json`` first (its formats win a tie), then the data."""
    files = sorted(folder.glob("*.json"), key=lambda p: (p.name != "uk.json", p.name))
    found: list[TrackingFormat] = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        courier = _CARRIER_IDS.get(str(data.get("courier_code")), str(data.get("courier_code")))
        found.extend(_format(record, courier) for record in data["tracking_numbers"])
    return tuple(found)


@cache
def formats() -> tuple[TrackingFormat, ...]:
    return load(resource_dir() / "tracking")
