"""Sales credit notes (ACCRECCREDIT) and their allocations in the fake Xero.

PUT /CreditNotes creates, POST /CreditNotes creates or updates (element with CreditNoteID), both
batches with summarizeErrors; POST /CreditNotes/{id} updates one (status moves as for invoices).
GET /CreditNotes takes where, page/pageSize and If-Modified-Since; GET /CreditNotes/{id}.
CreditNoteNumber is unique. Totals follow each of the note's own lines (lines.py).

PUT /CreditNotes/{id}/Allocations (summarizeErrors) applies credit to an invoice of the same
contact: the note must be AUTHORISED, the amount at most its RemainingCredit and at most the
invoice's AmountDue (a paid invoice takes no allocation: the money goes back as a refund, a
payment on the credit note, payments.py). An allocation lowers the invoice's AmountDue, raises its
AmountCredited (PAID at zero) and lowers the note's RemainingCredit (PAID at zero).
"""

from __future__ import annotations

import uuid

from . import documents, invoices
from .common import (
    amount,
    batch_reply,
    collection,
    day_errors,
    dec,
    elements_of,
    failed,
    money,
    ms_date,
    not_found,
    parse_day,
    touch,
)

OUTSTANDING = "Allocation amount is greater than amount outstanding on the invoice."


def settle_credit(fake, note: dict, allocated=0, paid=0) -> None:
    """Move `allocated` / `paid` (Decimal, may be negative) into the note's used credit."""
    note["_allocated"] = note.get("_allocated", 0) + dec(allocated)
    note["_paid"] = note.get("_paid", 0) + dec(paid)
    remaining = dec(note["Total"]) - note["_allocated"] - note["_paid"]
    note["RemainingCredit"] = money(remaining)
    note["AppliedAmount"] = money(note["_allocated"] + note["_paid"])
    if remaining == 0 and note["Status"] == "AUTHORISED" and dec(note["Total"]) > 0:
        note["Status"] = "PAID"
        note["FullyPaidOnDate"] = note.get("FullyPaidOnDate") or \
            ms_date(fake.clock.now())
    elif remaining > 0 and note["Status"] == "PAID":
        note["Status"] = "AUTHORISED"
    touch(fake, note)


KIND = documents.Kind(
    label="credit note", plural="CreditNotes", type="ACCRECCREDIT", id_field="CreditNoteID",
    number_field="CreditNoteNumber", number_label="Credit Note #", prefix="CN",
    records="credit_notes", numbers="credit_note_numbers", settle=settle_credit,
    defaults=lambda: {"Status": "DRAFT", "Allocations": [], "Payments": [],
                      "CurrencyCode": "AUD", "HasErrors": False, "HasAttachments": False},
    in_use=lambda note: bool(note.get("_allocated") or note.get("_paid")))


def find_note(org, key: str) -> dict | None:
    return KIND.find(org, key)


def list_notes(fake, request, org, match):
    return collection(fake, request, "CreditNotes", org.credit_notes.values())


def allocation_errors(org, note: dict, data: dict) -> list[str]:
    ref = data.get("Invoice") if isinstance(data.get("Invoice"), dict) else {}
    invoice = invoices.find_invoice(org, ref.get("InvoiceID") or ref.get("InvoiceNumber") or "")
    value = amount(data.get("Amount", 0))
    if invoice is None:
        return ["Invoice could not be found."]
    if note["Status"] != "AUTHORISED":
        return ["Only an authorised credit note with credit remaining can be allocated."]
    if invoice["Status"] != "AUTHORISED" or value > dec(invoice["AmountDue"]):
        return [OUTSTANDING]
    if value > dec(note["RemainingCredit"]):
        return ["The amount allocated is greater than the credit note's remaining credit."]
    if value <= 0:
        return ["The amount allocated must be greater than zero."]
    if day_errors(data, "Date"):
        return day_errors(data, "Date")
    if invoice["Contact"]["ContactID"] != note["Contact"]["ContactID"]:
        return ["The invoice and the credit note must be for the same contact."]
    return []


def allocate(fake, org, note: dict, data: dict) -> dict:
    ref = data["Invoice"]
    invoice = invoices.find_invoice(org, ref.get("InvoiceID") or ref.get("InvoiceNumber"))
    value = amount(data["Amount"])
    allocation = {"AllocationID": str(uuid.uuid4()), "Amount": money(value),
                  "Date": ms_date(parse_day(data.get("Date") or fake.clock.now().isoformat())),
                  "Invoice": {"InvoiceID": invoice["InvoiceID"],
                              "InvoiceNumber": invoice["InvoiceNumber"]}}
    note["Allocations"].append(allocation)
    invoice["CreditNotes"].append({"CreditNoteID": note["CreditNoteID"],
                                   "CreditNoteNumber": note["CreditNoteNumber"],
                                   "AppliedAmount": money(value), "Total": note["Total"]})
    invoice["AmountCredited"] = money(dec(invoice["AmountCredited"]) + value)
    invoices.settle(fake, invoice)
    settle_credit(fake, note, allocated=value)
    return dict(allocation, CreditNote={"CreditNoteID": note["CreditNoteID"],
                                        "CreditNoteNumber": note["CreditNoteNumber"]})


def put_allocations(fake, request, org, match):
    note = find_note(org, match["key"])
    if note is None:
        return not_found()
    results = []
    for data in elements_of(request, "Allocations"):
        errors = allocation_errors(org, note, data)
        results.append(failed(data, errors) if errors else
                       dict(allocate(fake, org, note, data), StatusAttributeString="OK"))
    return batch_reply(fake, request, "Allocations", results)


def install(fake) -> None:
    write = documents.writer(KIND)
    fake.route("PUT", r"/CreditNotes", write, "accounting.invoices")
    fake.route("POST", r"/CreditNotes", write, "accounting.invoices")
    fake.route("GET", r"/CreditNotes", list_notes, "accounting.invoices")
    fake.route("GET", r"/CreditNotes/(?P<key>[^/]+)", documents.getter(KIND),
               "accounting.invoices")
    fake.route("POST", r"/CreditNotes/(?P<key>[^/]+)", write, "accounting.invoices")
    fake.route("PUT", r"/CreditNotes/(?P<key>[^/]+)/Allocations", put_allocations,
               "accounting.invoices")
