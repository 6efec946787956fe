"""What sales invoices and credit notes share in the fake Xero: create and update in batches
(PUT creates; POST creates or updates an element carrying its ID; POST /{Plural}/{id} updates
one), the unique number, the status moves (DRAFT -> SUBMITTED -> AUTHORISED; DELETED only from
DRAFT or SUBMITTED; VOIDED only from AUTHORISED with nothing paid or allocated), the contact and
the lines (lines.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from . import contacts, lines
from .common import (
    batch_reply,
    day_errors,
    elements_of,
    envelope,
    failed,
    not_found,
    public,
    set_day,
    validation_failed,
)

CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
MOVES = {"DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
         "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
         "AUTHORISED": {"AUTHORISED", "VOIDED"}, "PAID": set(), "VOIDED": set(),
         "DELETED": set()}
COPIED = ("Reference", "Url", "SentToContact", "BrandingThemeID",
          "CurrencyCode", "Status")


@dataclass(frozen=True)
class Kind:
    label: str  # "invoice", "credit note"
    plural: str  # "Invoices"
    type: str  # "ACCREC"
    id_field: str  # "InvoiceID"
    number_field: str  # "InvoiceNumber"
    number_label: str  # "Invoice #"
    prefix: str  # "INV"
    records: str  # Org attribute: id -> record
    numbers: str  # Org attribute: number -> id
    defaults: Callable[[], dict]
    settle: Callable  # (fake, record) after a change
    in_use: Callable[[dict], bool]  # paid or allocated: no more edits of lines, no void

    def find(self, org, key: str) -> dict | None:
        records = getattr(org, self.records)
        return records.get(key) or records.get(getattr(org, self.numbers).get(key, ""))


def errors(kind: Kind, org, data: dict, existing: dict | None) -> list[str]:
    out = []
    if (data.get("Type") or (existing or {}).get("Type")) != kind.type:
        out.append(f"Only {kind.type} documents can be sent to {kind.plural} on this fake.")
    number = data.get(kind.number_field)
    mine = (existing or {}).get(kind.id_field)
    if number is not None and len(str(number)) > 255:
        out.append(f"{kind.number_label} must be 255 characters or less.")
    elif number and getattr(org, kind.numbers).get(number, mine) != mine:
        out.append(f"{kind.number_label} must be unique.")
    status = data.get("Status")
    if existing is None and status and status not in CREATE_STATUSES:
        out.append(f"Status {status} is not valid for a new {kind.label}: use DRAFT, SUBMITTED "
                   "or AUTHORISED.")
    if existing is not None:
        out += _move_errors(kind, existing, data)
    out += day_errors(data, "Date", "DueDate")
    if existing is None or "Contact" in data:
        out += lines.contact_errors(org, data)
    if existing is None or "LineItems" in data:
        out += lines.line_errors(org, data)
    return out


def _move_errors(kind: Kind, existing: dict, data: dict) -> list[str]:
    wanted = data.get("Status", existing["Status"])
    if wanted not in MOVES[existing["Status"]]:
        if wanted == "VOIDED":
            return [f"Only an authorised {kind.label} can be voided."]
        if wanted == "DELETED":
            return [f"Only a draft or submitted {kind.label} can be deleted: void it instead."]
        return [f"{kind.label.capitalize()} not of valid status for modification "
                f"({existing['Status']} -> {wanted})."]
    if kind.in_use(existing) and (wanted == "VOIDED" or "LineItems" in data):
        return ["This document cannot be edited as it has a payment or credit note allocated "
                "to it."]
    return []


def save(kind: Kind, fake, org, existing: dict | None, data: dict, unitdp: int) -> dict:
    record = dict(existing) if existing else dict(kind.defaults(), Type=kind.type,
                                                  **{kind.id_field: str(uuid.uuid4())})
    for key in (*COPIED, kind.number_field):
        if key in data:
            record[key] = data[key]
    for key in ("Date", "DueDate"):
        if data.get(key):
            set_day(record, key, data[key])
    if "Date" not in record:
        set_day(record, "Date", fake.clock.now().date().isoformat())
    if "Contact" in data or existing is None:
        record["Contact"] = lines.resolve_contact(org, data)
        contacts.mark_customer(fake, org, record["Contact"]["ContactID"])
    if "LineItems" in data or existing is None:
        record.update(lines.compute(org, dict(record, **data), unitdp))
    numbers = getattr(org, kind.numbers)
    if not record.get(kind.number_field):
        n = len(numbers) + 1
        while f"{kind.prefix}-{n:04d}" in numbers:
            n += 1
        record[kind.number_field] = f"{kind.prefix}-{n:04d}"
    if existing and existing[kind.number_field] != record[kind.number_field]:
        numbers.pop(existing[kind.number_field], None)
    getattr(org, kind.records)[record[kind.id_field]] = record
    numbers[record[kind.number_field]] = record[kind.id_field]
    kind.settle(fake, record)
    return record


def writer(kind: Kind):
    """The handler of PUT/POST /{Plural} and POST /{Plural}/{id}."""
    def write(fake, request, org, match):
        results = []
        single = bool(match and match.groupdict().get("key"))
        for data in elements_of(request, kind.plural):
            existing = None
            if single:
                existing = kind.find(org, match["key"])
                if existing is None:
                    return not_found()
            elif data.get(kind.id_field):
                existing = getattr(org, kind.records).get(data[kind.id_field])
                if existing is None or request.method == "PUT":
                    results.append(failed(data, [f"The {kind.label} ID is not valid."],
                                          "HasErrors"))
                    continue
            problems = errors(kind, org, data, existing)
            if problems:
                results.append(failed(data, problems, "HasErrors"))
                continue
            saved = save(kind, fake, org, existing, data, lines.unitdp(request))
            results.append(dict(public(saved), StatusAttributeString="OK"))
        if single and results and results[0]["StatusAttributeString"] == "ERROR":
            return validation_failed(results)
        return batch_reply(fake, request, kind.plural, results)
    return write


def getter(kind: Kind):
    def get(fake, request, org, match):
        record = kind.find(org, match["key"])
        return (200, envelope(fake, kind.plural, [public(record)])) if record else not_found()
    return get
