"""Payments in the fake Xero: on a sales invoice (ACCRECPAYMENT) or, for a refund, on a credit
note (ARCREDITPAYMENT: money handed back, lowering its RemainingCredit).

PUT /Payments is a batch (summarizeErrors); POST /Payments creates one (a bare Payment or, as the
spec's example does, wrapped in "Payments"); POST /Payments/{id} {"Status":"DELETED"} deletes one
and gives the amount back to the document. GET /Payments takes where, page/pageSize and
If-Modified-Since; GET /Payments/{id}. The document must be AUTHORISED, the amount positive and at
most what is outstanding, and the account a BANK account or one with EnablePaymentsToAccount.
"""

from __future__ import annotations

import uuid

from . import invoices
from .common import (
    BadRequest,
    amount,
    batch_reply,
    collection,
    day_errors,
    dec,
    elements_of,
    envelope,
    failed,
    invalid_body,
    money,
    not_found,
    public,
    set_day,
    touch,
    validation_failed,
)
from .credit_notes import settle_credit

EXCEEDS = "Payment amount exceeds the amount outstanding on this document"


def _document(org, data: dict) -> tuple[str, dict | None]:
    """("invoice" | "credit_note", the record or None) named by the element."""
    note_ref = data.get("CreditNote") if isinstance(data.get("CreditNote"), dict) else None
    if note_ref is not None or data.get("CreditNoteNumber"):
        key = (note_ref or {}).get("CreditNoteID") or (note_ref or {}).get(
            "CreditNoteNumber") or data.get("CreditNoteNumber") or ""
        return "credit_note", org.credit_notes.get(key) or org.credit_notes.get(
            org.credit_note_numbers.get(key, ""))
    ref = data.get("Invoice") if isinstance(data.get("Invoice"), dict) else {}
    key = ref.get("InvoiceID") or ref.get("InvoiceNumber") or data.get("InvoiceNumber") or ""
    return "invoice", invoices.find_invoice(org, key)


def _account(org, data: dict) -> dict | None:
    ref = data.get("Account") if isinstance(data.get("Account"), dict) else {}
    return org.account(code=ref.get("Code") or data.get("Code"), account_id=ref.get("AccountID"))


def payment_errors(org, data: dict) -> list[str]:
    kind, doc = _document(org, data)
    errors = []
    value = amount(data.get("Amount", 0))
    if doc is None:
        errors.append("Credit note could not be found." if kind == "credit_note"
                      else "Invoice could not be found.")
    elif doc["Status"] != "AUTHORISED":
        errors.append(f"{'Credit note' if kind == 'credit_note' else 'Invoice'} not of valid "
                      "status for creation of a payment.")
    elif value > dec(doc["RemainingCredit"] if kind == "credit_note" else doc["AmountDue"]):
        errors.append(EXCEEDS)
    if value <= 0:
        errors.append("Payment amount must be greater than zero.")
    errors += day_errors(data, "Date")
    account = _account(org, data)
    if account is None or not (account["Type"] == "BANK" or account["EnablePaymentsToAccount"]):
        errors.append("Account type is invalid for making a payment to/from")
    return errors


def make_payment(fake, org, data: dict) -> dict:
    kind, doc = _document(org, data)
    account = _account(org, data)
    value = amount(data["Amount"])
    payment = {
        "PaymentID": str(uuid.uuid4()), "Amount": money(value), "BankAmount": money(value),
        "Reference": data.get("Reference", ""), "CurrencyRate": 1.0, "Status": "AUTHORISED",
        "IsReconciled": bool(data.get("IsReconciled", False)), "HasAccount": True,
        "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]}}
    set_day(payment, "Date", data.get("Date") or fake.clock.now().date().isoformat())
    del payment["DateString"]  # payments carry no DateString
    brief = {"PaymentID": payment["PaymentID"], "Date": payment["Date"],
             "Amount": payment["Amount"], "Reference": payment["Reference"]}
    if kind == "credit_note":
        payment["PaymentType"] = "ARCREDITPAYMENT"
        payment["CreditNote"] = {"CreditNoteID": doc["CreditNoteID"],
                                 "CreditNoteNumber": doc["CreditNoteNumber"]}
        payment["Invoice"] = {"Type": "ACCRECCREDIT", "InvoiceID": doc["CreditNoteID"],
                              "InvoiceNumber": doc["CreditNoteNumber"],
                              "Contact": doc["Contact"]}
        doc["Payments"].append(brief)
        settle_credit(fake, doc, paid=value)
    else:
        payment["PaymentType"] = "ACCRECPAYMENT"
        payment["Invoice"] = {"Type": "ACCREC", "InvoiceID": doc["InvoiceID"],
                              "InvoiceNumber": doc["InvoiceNumber"], "Contact": doc["Contact"]}
        doc["Payments"].append(brief)
        doc["AmountPaid"] = money(dec(doc["AmountPaid"]) + value)
        invoices.settle(fake, doc)
    touch(fake, payment)
    org.payments[payment["PaymentID"]] = payment
    return payment


def _create(fake, org, data: dict) -> dict:
    errors = payment_errors(org, data)
    if errors:
        return failed(data, errors)
    return dict(public(make_payment(fake, org, data)), StatusAttributeString="OK")


def put_payments(fake, request, org, match):
    results = [_create(fake, org, data) for data in elements_of(request, "Payments")]
    return batch_reply(fake, request, "Payments", results)


def post_payment(fake, request, org, match):
    body = request.body if isinstance(request.body, dict) else {}
    if "Payments" in body:
        items = elements_of(request, "Payments")
        if len(items) != 1:
            raise BadRequest(invalid_body("POST /Payments creates exactly one payment.")[1])
        body = items[0]
    result = _create(fake, org, body)
    if result["StatusAttributeString"] == "ERROR":
        return validation_failed([result])
    return 200, envelope(fake, "Payments", [result])


def delete_payment(fake, request, org, match):
    payment = org.payments.get(match["key"])
    if payment is None:
        return not_found()
    body = request.body if isinstance(request.body, dict) else {}
    if "Payments" in body:
        body = (elements_of(request, "Payments") or [{}])[0]
    if body.get("Status") != "DELETED":
        return validation_failed([dict(public(payment), ValidationErrors=[{
            "Message": "A payment can only be changed to DELETED."}])])
    if payment["Status"] == "DELETED":
        return validation_failed([dict(public(payment), ValidationErrors=[{
            "Message": "This payment has already been deleted."}])])
    payment["Status"] = "DELETED"
    value = dec(payment["Amount"])
    if payment["PaymentType"] == "ARCREDITPAYMENT":
        note = org.credit_notes[payment["CreditNote"]["CreditNoteID"]]
        note["Payments"] = [p for p in note["Payments"] if p["PaymentID"] != payment["PaymentID"]]
        settle_credit(fake, note, paid=-value)
    else:
        invoice = org.invoices[payment["Invoice"]["InvoiceID"]]
        invoice["Payments"] = [p for p in invoice["Payments"]
                               if p["PaymentID"] != payment["PaymentID"]]
        invoice["AmountPaid"] = money(dec(invoice["AmountPaid"]) - value)
        invoices.settle(fake, invoice)
    touch(fake, payment)
    return 200, envelope(fake, "Payments", [public(payment)])


def list_payments(fake, request, org, match):
    return collection(fake, request, "Payments", org.payments.values())


def get_payment(fake, request, org, match):
    payment = org.payments.get(match["key"])
    return (200, envelope(fake, "Payments", [public(payment)])) if payment else not_found()


def install(fake) -> None:
    fake.route("PUT", r"/Payments", put_payments, "accounting.payments")
    fake.route("POST", r"/Payments", post_payment, "accounting.payments")
    fake.route("GET", r"/Payments", list_payments, "accounting.payments")
    fake.route("GET", r"/Payments/(?P<key>[^/]+)", get_payment, "accounting.payments")
    fake.route("POST", r"/Payments/(?P<key>[^/]+)", delete_payment, "accounting.payments")
