"""What the sandbox knows and the rules it enforces, without any HTTP.

Handlers call these methods and turn :class:`Rejected` into the status code it
carries. Everything is guarded by one lock: the server answers from threads.
"""

from __future__ import annotations

import copy
import random
import re
import string
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from packstation.api.fields import parse_datetime, uk_zone
from packstation.sandbox import data
from packstation.sandbox.pdf import voucher_pdf

_CODE = re.compile(r"^[A-Za-z0-9]+$")
# Limits the service enforces that the reference does not state: the app learns them
# from the 422, like it would from the real service.
MAX_PRICE = Decimal("9999.99")
MAX_REASON = 1000


class Rejected(Exception):
    """A request the real service would refuse: status code and JSON body."""

    def __init__(self, status: int, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message}
        if errors:
            self.body["errors"] = {k: [v] for k, v in errors.items()}


@dataclass
class _JobRecord:
    body: dict[str, Any]
    updated: float  # epoch seconds
    created_mono: float


@dataclass
class SandboxState:
    seed: int = 1
    job_count: int = 40
    pdf_delay: float = 3.0  # seconds after a job's creation before its PDFs exist
    accept_delay: float = 20.0  # a priced agreement is accepted by the "customer" after this
    new_job_every: float = 0.0  # demo: a new pending job this often (0 = never)
    clock: Callable[[], float] = time.time
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        now = datetime.fromtimestamp(self.clock(), UTC)
        self._seeder = data.Seeder(random.Random(self.seed), now)
        started = time.monotonic()
        # Seeded jobs were last changed when received or dispatched, not at start-up,
        # so ``after=`` finds only what really changed since.
        self._jobs: dict[int, _JobRecord] = {
            j["id"]: _JobRecord(j, _last_change(j), started)
            for j in self._seeder.jobs(self.job_count)
        }
        self._agreements = {a["id"]: a for a in self._seeder.agreements()}
        self._priced_mono: dict[int, float] = {}
        self._pdfs: dict[tuple[int, int], bytes] = {}
        self._codes = {v["code"] for r in self._jobs.values() for v in r.body["vouchers"]}
        self._last_arrival = started
        self.base_url = ""

    # -- jobs ------------------------------------------------------------------------

    def _tick(self) -> None:
        """Demo only: new orders keep arriving while the app runs."""
        if self.new_job_every <= 0:
            return
        now = time.monotonic()
        while now - self._last_arrival >= self.new_job_every:
            self._last_arrival += self.new_job_every
            self.add_job()

    def add_job(self, status: str = "pending") -> dict[str, Any]:
        with self.lock:
            now = datetime.fromtimestamp(self.clock(), UTC)
            body = self._seeder.job(status, now)
            self._jobs[body["id"]] = _JobRecord(body, self.clock(), time.monotonic())
            return self._public(self._jobs[body["id"]])

    def _public(self, record: _JobRecord) -> dict[str, Any]:
        job = copy.deepcopy(record.body)
        for voucher in job["vouchers"]:
            voucher["pdf_copy"] = (
                f"{self.base_url}/fulfilment/assets/{job['id']}/voucher-pdf/{voucher['id']}/1"
            )
        return job

    def list_jobs(self, status: str | None, after: str | None) -> list[dict[str, Any]]:
        if status is not None and status not in ("pending", "dispatched", "delivered",
                                                 "cancelled"):
            raise Rejected(422, "The selected status is invalid.", {"status": "invalid"})
        since = _read_after(after) if after is not None else None
        with self.lock:
            self._tick()
            return [
                self._public(r) for r in self._jobs.values()
                if (status is None or r.body["status"] == status)
                and (since is None or r.updated >= since)
            ]

    def update_job(self, job_id: int, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise Rejected(422, "The request body must be a JSON object.")
        status = payload.get("status")
        if status not in ("dispatched", "delivered", "cancelled"):
            raise Rejected(422, "The selected status is invalid.", {"status": "invalid"})
        tracking = payload.get("tracking_reference")
        if tracking is not None and not isinstance(tracking, str):
            raise Rejected(422, "The tracking reference must be a string.",
                           {"tracking_reference": "must be a string"})
        if tracking is not None and len(tracking) > 255:
            raise Rejected(422, "The tracking reference may not be greater than 255 characters.",
                           {"tracking_reference": "too long"})
        with self.lock:
            record = self._jobs.get(job_id)
            if record is None:
                raise Rejected(404, "Job not found.")
            body = record.body
            body["status"] = status
            if "tracking_reference" in payload:
                body["tracking_reference"] = tracking
            if status == "dispatched" and not body.get("dispatched_at"):
                body["dispatched_at"] = data.london(datetime.now(UTC))
            record.updated = self.clock()
            return self._public(record)

    def job(self, job_id: int) -> dict[str, Any] | None:
        with self.lock:
            record = self._jobs.get(job_id)
            return self._public(record) if record else None

    def voucher_pdf(self, job_id: int, voucher_id: int) -> bytes:
        with self.lock:
            record = self._jobs.get(job_id)
            voucher = next((v for v in record.body["vouchers"] if v["id"] == voucher_id),
                           None) if record else None
            if record is None or voucher is None:
                raise Rejected(404, "Voucher not found.")
            if time.monotonic() - record.created_mono < self.pdf_delay:
                raise Rejected(404, "The PDF for this voucher has not been generated yet.")
            key = (job_id, voucher_id)
            if key not in self._pdfs:
                self._pdfs[key] = voucher_pdf(voucher, record.body["company"]["name"],
                                              record.body["order_reference"])
            return self._pdfs[key]

    # -- agreements --------------------------------------------------------------------

    def _settle(self, agreement: dict[str, Any]) -> None:
        """A customer accepts a priced agreement ``accept_delay`` seconds after pricing."""
        priced = self._priced_mono.get(agreement["id"])
        if agreement["status_text"] == "sent" and priced is not None \
                and time.monotonic() - priced >= self.accept_delay:
            agreement["status_text"] = "active"
            agreement["accepted_at"] = data.utc_z(datetime.now(UTC))

    def list_agreements(self, status: str | None) -> list[dict[str, Any]]:
        if status is not None and status not in ("new", "sent", "active", "cancelled"):
            raise Rejected(422, "The selected status is invalid.", {"status": "invalid"})
        with self.lock:
            out = []
            for agreement in self._agreements.values():
                self._settle(agreement)
                if status is None or agreement["status_text"] == status:
                    out.append(copy.deepcopy(agreement))
            return out

    def _agreement(self, agreement_id: int) -> dict[str, Any]:
        agreement = self._agreements.get(agreement_id)
        if agreement is None:
            raise Rejected(404, "Agreement not found.")
        self._settle(agreement)
        return agreement

    def price_agreement(self, agreement_id: int, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, Mapping):
            raise Rejected(422, "The request body must be a JSON object.")
        price_type = {1: "per_order", 2: "per_item", "per_order": "per_order",
                      "per_item": "per_item", None: "per_order"}.get(payload.get("price_type"))
        if price_type is None:
            raise Rejected(422, "The selected price type is invalid.", {"price_type": "invalid"})
        try:
            price = Decimal(str(payload.get("price")))
        except InvalidOperation:
            price = Decimal("NaN")
        if not price.is_finite() or price <= 0:
            raise Rejected(422, "The price must be a number greater than 0.",
                           {"price": "must be greater than 0"})
        if price != price.quantize(Decimal("0.01")):
            raise Rejected(422, "The price may not have more than 2 decimal places.",
                           {"price": "at most 2 decimal places"})
        if price > MAX_PRICE:  # the service stores it as decimal(6,2)
            raise Rejected(422, f"The price may not be greater than {MAX_PRICE}.",
                           {"price": f"may not be greater than {MAX_PRICE}"})
        with self.lock:
            agreement = self._agreement(agreement_id)
            if agreement["status_text"] not in ("new", "sent"):
                raise Rejected(422, f"This agreement is {agreement['status_text']} and can no "
                               "longer be priced.")
            agreement.update(price=float(price), price_type=price_type, status_text="sent",
                             priced_at=data.utc_z(datetime.now(UTC)))
            self._priced_mono[agreement_id] = time.monotonic()
            return copy.deepcopy(agreement)

    def terminate_agreement(self, agreement_id: int, payload: Any) -> dict[str, Any]:
        reason = payload.get("reason") if isinstance(payload, Mapping) else None
        if reason is not None and not isinstance(reason, str):
            raise Rejected(422, "The reason must be a string.", {"reason": "must be a string"})
        if reason is not None and len(reason) > MAX_REASON:
            raise Rejected(422, f"The reason may not be greater than {MAX_REASON} characters.",
                           {"reason": f"may not be greater than {MAX_REASON} characters"})
        with self.lock:
            agreement = self._agreement(agreement_id)
            if agreement["status_text"] == "cancelled":
                raise Rejected(422, "This agreement has already been terminated.")
            agreement.update(status_text="cancelled",
                             terminated_at=data.utc_z(datetime.now(UTC)))
            return copy.deepcopy(agreement)

    # -- pos-sale ----------------------------------------------------------------------

    def pos_sale(self, payload: Any) -> dict[str, Any]:
        errors = _pos_errors(payload, self._codes)
        if errors:
            raise Rejected(422, next(iter(errors.values())), errors)
        with self.lock:
            codes = [item.get("code") or self._new_code() for item in payload["items"]]
            self._codes.update(codes)
            reference = str(payload.get("order_id") or "") or self._seeder.order_reference()
            reference = f"{reference}-{len(self._codes)}" if payload.get("order_id") else reference
            method = payload["delivery"]["method"]
            if not _online(method):
                self._job_for_sale(payload, codes, reference)
            return {"message": "Order processed successfully!", "order_reference": reference,
                    "voucher_codes": codes}

    def _new_code(self) -> str:
        while True:
            code = "".join(random.choices(string.ascii_uppercase + string.digits, k=10))
            if code not in self._codes:
                return code

    def _job_for_sale(self, payload: Mapping[str, Any], codes: list[str], ref: str) -> None:
        """An offline sale under an active agreement becomes a pending job, as in the service."""
        job = self.add_job()
        record = self._jobs[job["id"]]
        delivery, body = payload["delivery"], record.body
        body["order_reference"] = ref
        body["delivery_address"].update(
            first_name=delivery.get("first_name"), last_name=delivery.get("last_name"),
            line1=delivery.get("address1"), line2=delivery.get("address2"),
            city=delivery.get("town"), county=delivery.get("county"),
            postcode=delivery.get("postcode"))
        for voucher, item, code in zip(body["vouchers"], payload["items"], codes, strict=False):
            voucher.update(code=code, to=item.get("to"), message=item.get("message"))
            voucher["from"] = item.get("from")


def _online(method: Any) -> bool:
    return any(m[0] == method and m[3] for m in data.DELIVERY_METHODS)


def _pos_errors(payload: Any, taken: set[str]) -> dict[str, str]:
    if not isinstance(payload, Mapping):
        return {"body": "The request body must be a JSON object."}
    errors: dict[str, str] = {}
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        errors["items"] = "The items field is required."
        items = []
    catalogue = {c[0]: c for c in data.CATALOGUE}
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"items.{i}"
        voucher_id = item.get("id") if isinstance(item, Mapping) else None
        entry = catalogue.get(voucher_id) if isinstance(voucher_id, int) else None
        if entry is None:
            errors[f"{where}.id"] = "The selected voucher is invalid."
            continue
        _, _, kind, _, low, high = entry
        price = item.get("price")
        if kind == "monetary" and (not isinstance(price, int | float) or price <= 0):
            errors[f"{where}.price"] = "A price is required for a monetary voucher."
        persons = item.get("persons", 1)
        if not isinstance(persons, int) or not low <= persons <= high:
            errors[f"{where}.persons"] = f"Persons must be between {low} and {high}."
        code = item.get("code")
        if code is not None:
            if not isinstance(code, str) or not _CODE.match(code):
                errors[f"{where}.code"] = "The code may only contain letters and numbers."
            elif code in taken or code in seen:
                errors[f"{where}.code"] = "The code has already been taken."
            seen.add(str(code))
    customer = payload.get("customer")
    if not isinstance(customer, Mapping) or not customer.get("email"):
        errors["customer.email"] = "The customer email field is required."
    delivery = payload.get("delivery")
    if not isinstance(delivery, Mapping) or not any(
            m[0] == delivery.get("method") for m in data.DELIVERY_METHODS):
        errors["delivery.method"] = "The selected delivery method is invalid."
    elif _online(delivery["method"]):
        if not delivery.get("email"):
            errors["delivery.email"] = "The delivery email is required for online delivery."
    else:
        for key, name in (("address1", "address line 1"), ("postcode", "postcode")):
            if not delivery.get(key):
                errors[f"delivery.{key}"] = f"The delivery {name} is required for postal delivery."
    if payload.get("payment_method") not in data.PAYMENT_METHODS:
        errors["payment_method"] = "The selected payment method is invalid."
    return errors


def _last_change(job: Mapping[str, Any]) -> float:
    stamps = [job.get("received_at"), job.get("dispatched_at")]
    return max(parse_datetime(s).timestamp() for s in stamps if s)


def _read_after(value: str) -> float:
    """``after=``: a date or a datetime; a naive one is read as UK time, like our own."""
    try:
        if len(value.strip()) == 10:
            day = date.fromisoformat(value.strip())
            return datetime(day.year, day.month, day.day, tzinfo=uk_zone()).timestamp()
        return parse_datetime(value).timestamp()
    except ValueError:
        raise Rejected(422, "The after field must be a valid date.",
                       {"after": "not a date"}) from None
