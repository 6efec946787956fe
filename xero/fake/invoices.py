"""Sales invoices (ACCREC) in the fake Xero.

PUT /Invoices creates, POST /Invoices creates or updates, POST /Invoices/{id} updates one
(documents.py: unique InvoiceNumber, status moves). GET /Invoices takes IDs, InvoiceNumbers,
ContactIDs, Statuses, where, searchTerm, summaryOnly, page/pageSize and If-Modified-Since;
GET /Invoices/{InvoiceID or InvoiceNumber}. AmountDue = Total - AmountPaid - AmountCredited; the
invoice becomes PAID when it reaches zero (payments.py, credit_notes.py).
"""

from __future__ import annotations

from . import documents
from .common import collection, dec, id_list, money, ms_date, touch

SUMMARY_LEFT_OUT = ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments")


def settle(fake, invoice: dict) -> None:
    """Recompute AmountDue from Total, AmountPaid and AmountCredited; PAID at zero."""
    due = dec(invoice["Total"]) - dec(invoice.get("AmountPaid")) - \
        dec(invoice.get("AmountCredited"))
    invoice["AmountDue"] = money(due)
    if due == 0 and invoice["Status"] == "AUTHORISED" and dec(invoice["Total"]) > 0:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = ms_date(fake.clock.now())
    elif due > 0 and invoice["Status"] == "PAID":
        invoice["Status"] = "AUTHORISED"  # a payment was deleted
        invoice.pop("FullyPaidOnDate", None)
    touch(fake, invoice)


KIND = documents.Kind(
    label="invoice", plural="Invoices", type="ACCREC", id_field="InvoiceID",
    number_field="InvoiceNumber", number_label="Invoice #", prefix="INV", records="invoices",
    numbers="invoice_numbers", settle=settle,
    defaults=lambda: {"Status": "DRAFT", "Payments": [], "CreditNotes": [], "Prepayments": [],
                      "Overpayments": [], "AmountPaid": 0.0, "AmountCredited": 0.0,
                      "CurrencyCode": "AUD", "HasAttachments": False, "IsDiscounted": False,
                      "HasErrors": False},
    in_use=lambda inv: bool(dec(inv.get("AmountPaid")) or dec(inv.get("AmountCredited"))))


def find_invoice(org, key: str) -> dict | None:
    return KIND.find(org, key)


def save_invoice(fake, org, existing, data: dict, unitdp: int) -> dict:
    return documents.save(KIND, fake, org, existing, data, unitdp)


def list_invoices(fake, request, org, match):
    items = list(org.invoices.values())
    for param, field in (("IDs", "InvoiceID"), ("InvoiceNumbers", "InvoiceNumber"),
                         ("Statuses", "Status")):
        wanted = id_list(request, param)
        if wanted is not None:
            items = [i for i in items if i[field] in wanted]
    contact_ids = id_list(request, "ContactIDs")
    if contact_ids is not None:
        items = [i for i in items if i["Contact"]["ContactID"] in contact_ids]
    term = request.query.get("searchTerm", "").lower()
    if term:
        items = [i for i in items if term in i["InvoiceNumber"].lower()
                 or term in (i.get("Reference") or "").lower()]
    status, body = collection(fake, request, "Invoices", items)
    if request.query.get("summaryOnly", "").lower() == "true":
        body["Invoices"] = [{k: v for k, v in i.items() if k not in SUMMARY_LEFT_OUT}
                            for i in body["Invoices"]]
    return status, body


def install(fake) -> None:
    write = documents.writer(KIND)
    fake.route("PUT", r"/Invoices", write, "accounting.invoices")
    fake.route("POST", r"/Invoices", write, "accounting.invoices")
    fake.route("GET", r"/Invoices", list_invoices, "accounting.invoices")
    fake.route("GET", r"/Invoices/(?P<key>[^/]+)", documents.getter(KIND), "accounting.invoices")
    fake.route("POST", r"/Invoices/(?P<key>[^/]+)", write, "accounting.invoices")
