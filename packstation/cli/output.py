"""Human and JSON output for the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from packstation import formats
from packstation.api import Agreement, Job
from packstation.plaintext import cell


def uk_time(value: datetime | None) -> str:
    return formats.uk_time(value, missing="-")


def money(value: Decimal | None) -> str:
    return formats.pounds(value) if value is not None else "not set"


def price_type_text(price_type: str | None) -> str:
    return {"per_order": "per order", "per_item": "per item"}.get(price_type or "", "not set")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=_default))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    rows = [[cell(c) for c in row] for row in rows]  # one record, one line, plain text
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def print_jobs(jobs: Sequence[Job]) -> None:
    rows = [[str(j.id), j.status, j.order_reference or "-",
             j.delivery_address.recipient if j.delivery_address else "-",
             (j.delivery_address.postcode or "-") if j.delivery_address else "-",
             str(len(j.vouchers)), money(j.total_value), uk_time(j.received_at)]
            for j in jobs]
    table(["ID", "STATUS", "ORDER", "RECIPIENT", "POSTCODE", "VOUCHERS", "VALUE", "RECEIVED"],
           rows)
    print(f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}")


def agreement_json(a: Agreement) -> dict[str, Any]:
    return {"id": a.id, "status_text": a.status, "company_id": a.company_id,
            "company_name": a.company_name, "company_phone": a.company_phone,
            "contact_name": a.contact_name, "contact_email": a.contact_email,
            "delivery_method_id": a.delivery_method_id,
            "delivery_method_name": a.delivery_method_name,
            "fulfilment_option_id": a.fulfilment_option_id,
            "fulfilment_option_name": a.fulfilment_option_name, "price": a.price,
            "price_type": a.price_type, "initiated_at": a.initiated_at,
            "priced_at": a.priced_at, "accepted_at": a.accepted_at,
            "terminated_at": a.terminated_at, **a.extra}


def print_agreements(agreements: Sequence[Agreement]) -> None:
    rows = [[str(a.id), a.status, a.company_name or "-", a.delivery_method_name or "-",
             a.fulfilment_option_name or "-",
             f"{money(a.price)} {price_type_text(a.price_type)}" if a.price is not None
             else "not set", uk_time(a.initiated_at)] for a in agreements]
    table(["ID", "STATUS", "COMPANY", "DELIVERY METHOD", "OPTION", "PRICE", "INITIATED"], rows)
    print(f"{len(agreements)} agreement{'s' if len(agreements) != 1 else ''}")
