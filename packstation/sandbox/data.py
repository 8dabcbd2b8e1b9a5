"""Realistic, deterministic seed data for the sandbox.

UK names and addresses (some without a second line or county, some with
accents), monetary and experience vouchers, several vouchers per job, tickets,
long messages, every job status and every agreement state. The same seed
always gives the same data.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from packstation.api.fields import uk_zone

FIRST_NAMES = [
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Mia", "Jack", "Ivy",
    "Siân", "Zoë", "Seán", "Chloë", "Dáithí", "Renée", "Łukasz", "Aoife", "Rhys", "Niamh",
    "Mohammed", "Priya", "Olumide", "Mei", "Gruffydd", "Eilidh", "José", "Anaïs",
]
LAST_NAMES = [
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Roberts", "O'Connor", "Ní Bhriain", "Llewellyn", "MacLeod", "Patel", "Nowak", "Okafor",
    "Fitzgerald-Hughes", "Ó Súilleabháin", "Chen", "Khan", "Ferreira", "Campbell",
]
# (line1, line2 or None, city, county or None, postcode)
ADDRESSES = [
    ("Bank Chambers", "High Street", "Newbridge", "Newport", "NP11 4EY"),
    ("14 Queen Street", None, "Cardiff", None, "CF10 2BU"),
    ("Flat 3, 27 Marchmont Road", None, "Edinburgh", "Midlothian", "EH9 1HY"),
    ("The Old Rectory", "Church Lane", "Little Snoring", "Norfolk", "NR21 0JD"),
    ("8 Castle Street", "", "Caernarfon", "Gwynedd", "LL55 1SE"),
    ("221 Deansgate", None, "Manchester", None, "M3 4EN"),
    ("Unit 5, Riverside Business Park", "Mill Lane", "Bakewell", "Derbyshire", "DE45 1GS"),
    ("42 Botanic Avenue", None, "Belfast", "County Antrim", "BT7 1JQ"),
    ("Rose Cottage", "3 Ffordd y Llan", "Llanfairpwllgwyngyll", "Anglesey", "LL61 5UJ"),
    ("19 Royal Crescent", None, "Bath", "Somerset", "BA1 2LR"),
    ("Apartment 1204, Skyline Tower", "50 Broad Street", "Birmingham", "West Midlands",
     "B1 2HF"),
    ("7 Harbour Row", None, "St Ives", "Cornwall", "TR26 1LP"),
]
COMPANIES = [
    (1, "The Conservatory", None),
    (2, "Bramble & Thyme Spa", "https://brambleandthyme.example/terms"),
    (3, "Ffion's Tea Rooms", "https://ffions.example/terms"),
    (4, "Château Brasserie", None),
    (5, "Highland Escapes Ltd", "https://highland-escapes.example/terms"),
]
# (id, name, description, online)
DELIVERY_METHODS = [
    (1, "Email", "Sent by email straight away", True),
    (97, "Gift Letter", "A4 letter by Royal Mail", False),
    (98, "Gift Envelope", "Gift envelope (Fulfilled by Courier)", False),
    (99, "Gift Box", "Presentation box by tracked courier", False),
]
OPTIONS = [
    (3, "A4 Letter Delivery", "Printed on A4 and posted first class"),
    (4, "Gift Card in a Luxury Envelope", "Delivered in a decorative, padded envelope"),
    (5, "Presentation Box", "Rigid gift box with tissue and ribbon"),
]
# (id, name, type, fixed value or None for monetary, min persons, max persons)
CATALOGUE = [
    (1, "Celebration Package", "monetary", None, 1, 1),
    (2, "Gift Voucher", "monetary", None, 1, 1),
    (3, "Afternoon Tea for Two", "experience", "45.00", 2, 2),
    (4, "Spa Day Retreat", "experience", "89.50", 1, 4),
    (5, "Tasting Menu with Wine Flight", "experience", "120.00", 1, 6),
]
PAYMENT_METHODS = (1, 2, 3)
MESSAGES = [
    "Happy Birthday!",
    "Congratulations on the new job. Treat yourself!",
    "Merry Christmas from all of us xx",
    "Thank you for everything this year - you have been an absolute star and we could "
    "not have done it without you. Enjoy a well-deserved afternoon off, and don't you dare "
    "check your email while you're there! With love from Mum, Dad, Ffion, Rhodri and "
    "the dog (who wanted to come too).",
    "Pen-blwydd hapus! 🎂",
    "",
]


def london(dt: datetime) -> str:
    """A time in the server's naive UK-local form, ``2024-11-27 16:10:50``."""
    return dt.astimezone(uk_zone()).strftime("%Y-%m-%d %H:%M:%S")


def utc_z(dt: datetime) -> str:
    """A time in the server's UTC form, ``2024-11-27T12:34:04.453427Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Seeder:
    rng: random.Random
    now: datetime  # aware
    next_job_id: int = 1
    next_voucher_id: int = 78600
    next_agreement_id: int = 1

    def code(self) -> str:
        return "".join(self.rng.choices(string.digits, k=8))

    def order_reference(self) -> str:
        return "".join(self.rng.choices(string.ascii_letters + string.digits, k=10))

    def voucher(self, received: datetime) -> dict[str, Any]:
        _, name, kind, fixed, low, high = self.rng.choice(CATALOGUE)
        persons = self.rng.randint(low, high)
        value = fixed or self.rng.choice(["10.00", "25.00", "40.00", "50.00", "100.00", "7.50"])
        self.next_voucher_id += 1
        return {
            "id": self.next_voucher_id,
            "name": name,
            "value": value,
            "type": kind,
            "persons": persons,
            "valid_from": london(received),
            "valid_until": london(received + timedelta(days=365)),
            "code": self.code(),
            "to": self.rng.choice(FIRST_NAMES),
            "from": self.rng.choice([*FIRST_NAMES, "Mum & Dad", "The Team at Work"]),
            "message": self.rng.choice(MESSAGES) or None,
            "pdf_copy": None,  # filled in by the server with its own address
        }

    def job(self, status: str, received: datetime) -> dict[str, Any]:
        company_id, company, terms = self.rng.choice(COMPANIES)
        _, method, method_desc, _ = self.rng.choice(DELIVERY_METHODS[1:])
        _, option, option_desc = self.rng.choice(OPTIONS)
        line1, line2, city, county, postcode = self.rng.choice(ADDRESSES)
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        vouchers = [self.voucher(received) for _ in range(self.rng.choice([1, 1, 1, 2, 3]))]
        tickets: list[dict[str, Any]] = []
        if self.rng.random() < 0.15:
            tickets.append({"id": self.rng.randint(1, 999), "event": "Christmas Market Tour",
                            "date": london(received + timedelta(days=20)), "quantity": 2})
        # Dispatched some time between receipt and now: never in the future, and
        # spread out, as real dispatch times are.
        dispatched = received + (self.now - received) * self.rng.uniform(0.05, 0.9)
        job_id = self.next_job_id
        self.next_job_id += 1
        return {
            "id": job_id,
            "status": status,
            "company": {"id": company_id, "name": company, "company_terms_url": terms},
            "delivery_method_name": method,
            "delivery_method_description": method_desc,
            "option_name": option,
            "option_description": option_desc,
            "order_reference": self.order_reference(),
            "tracking_reference": (
                f"JD{self.rng.randint(10**15, 10**16 - 1)}GB" if status != "pending" else None
            ),
            "delivery_date": london(received + timedelta(days=self.rng.randint(-1, 6))),
            "customer_name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
            "customer_email": f"customer{job_id}@example.com",
            "customer_phone": self.rng.choice(["01234 567890", "07700 900123", None]),
            "delivery_address": {
                "first_name": first, "last_name": last, "line1": line1, "line2": line2,
                "city": city, "county": county, "postcode": postcode,
            },
            "vouchers": vouchers,
            "tickets": tickets,
            "received_at": london(received),
            "dispatched_at": london(dispatched) if status in ("dispatched", "delivered") else None,
        }

    def jobs(self, count: int) -> list[dict[str, Any]]:
        statuses = ["pending"] * 12 + ["dispatched"] * 4 + ["delivered"] * 3 + ["cancelled"]
        out = []
        for i in range(count):
            # The first four cover every status whatever the seed.
            status = ("pending", "dispatched", "delivered", "cancelled")[i] if i < 4 \
                else self.rng.choice(statuses)
            received = self.now - timedelta(minutes=self.rng.randint(5, 60 * 24 * 5))
            out.append(self.job(status, received))
        return out

    def agreements(self) -> list[dict[str, Any]]:
        out = []
        for i, state in enumerate(["new", "new", "sent", "active", "active", "cancelled"]):
            company_id, company, _ = COMPANIES[i % len(COMPANIES)]
            method_id, method, _, _ = DELIVERY_METHODS[1 + i % 3]
            option_id, option, _ = OPTIONS[i % len(OPTIONS)]
            initiated = self.now - timedelta(days=30 - i * 3)
            priced = initiated + timedelta(days=1) if state != "new" else None
            accepted = priced + timedelta(days=1) if priced and state != "sent" else None
            out.append({
                "id": self.next_agreement_id, "company_id": company_id, "company_name": company,
                "company_phone": self.rng.choice(["029 2034 5678", None]),
                "contact_name": self.rng.choice(FIRST_NAMES),
                "contact_email": f"orders@company{company_id}.example",
                "delivery_method_id": method_id, "delivery_method_name": method,
                "fulfilment_option_id": option_id, "fulfilment_option_name": option,
                "price": 3.4 if priced else None,
                "price_type": ("per_order" if i % 2 else "per_item") if priced else "not_set",
                "initiated_at": london(initiated),
                "priced_at": utc_z(priced) if priced else None,
                "accepted_at": utc_z(accepted) if accepted else None,
                "terminated_at": utc_z(initiated + timedelta(days=5))
                if state == "cancelled" else None,
                "status_text": state,
            })
            self.next_agreement_id += 1
        return out
