"""Invoices for the fake Xero (xero/fake/server.py is the xero app's; this adds routes to it).

PUT/POST /Invoices (bulk, summarizeErrors), GET /Invoices (InvoiceNumbers, IDs, Statuses, page,
If-Modified-Since) and GET /Invoices/{id}; Payments; CreditNotes (PUT/POST, GET where
CreditNoteNumber, PUT /CreditNotes/{id}/Allocations). Totals are computed here in whole cents by Xero's
rule (line amount rounded, tax per line rounded halves away from zero, summed), written apart
from billing.gst so that the two check each other. InvoiceNumber is unique among ACCREC invoices.
"""

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from xero.fake.server import _envelope, _problem

RATES = {"OUTPUT": 10, "EXEMPTOUTPUT": 0, "BASEXCLUDED": 0, "INPUT": 10}


def _cents(value) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _div(n: int, d: int) -> int:
    sign = -1 if n < 0 else 1
    return sign * ((2 * abs(n) + d) // (2 * d))


def _store(org):
    return org.extra.setdefault("invoices", {}), org.extra.setdefault("invoice_numbers", {})


def _errors(fake, org, data) -> list[str]:
    errors = []
    numbers = _store(org)[1]
    if data.get("Type") != "ACCREC":
        errors.append("Only ACCREC invoices are supported by this fake.")
    contact_id = (data.get("Contact") or {}).get("ContactID")
    if contact_id not in org.contacts:
        errors.append("The Contact must contain a valid ContactID.")
    if data.get("InvoiceNumber") in numbers:
        errors.append("Invoice # must be unique.")
    codes = {a["Code"] for a in org.accounts if a["Type"] == "REVENUE"}
    tracking = {(c["Name"], o["Name"]) for c in org.tracking for o in c["Options"]}
    for line in data.get("LineItems") or []:
        if not line.get("Description"):
            errors.append("Description is required for each line item.")
        if line.get("AccountCode") not in codes:
            errors.append(f"Account code '{line.get('AccountCode')}' is not a valid code for "
                          "this document.")
        if line.get("TaxType") not in RATES:
            errors.append(f"The TaxType code '{line.get('TaxType')}' does not exist or cannot "
                          "be used with this type of transaction.")
        for t in line.get("Tracking") or []:
            if (t.get("Name"), t.get("Option")) not in tracking:
                errors.append(f"Tracking option {t.get('Option')} of {t.get('Name')} does not "
                              "exist.")
    if not data.get("LineItems"):
        errors.append("An invoice needs at least one line item.")
    return errors


def _compute(data) -> dict:
    kind = data.get("LineAmountTypes", "Exclusive")
    lines, tax_total, amount_total = [], 0, 0
    for line in data["LineItems"]:
        amount = _cents(Decimal(str(line.get("Quantity", 1))) * Decimal(str(line["UnitAmount"])))
        rate = RATES[line["TaxType"]] if kind != "NoTax" else 0
        tax = _div(amount * rate, 100 + rate) if kind == "Inclusive" else _div(amount * rate, 100)
        lines.append(dict(line, LineItemID=str(uuid.uuid4()), LineAmount=amount / 100,
                          TaxAmount=tax / 100))
        tax_total += tax
        amount_total += amount
    subtotal = amount_total - tax_total if kind == "Inclusive" else amount_total
    total = subtotal + tax_total
    return {"LineItems": lines, "SubTotal": subtotal / 100, "TotalTax": tax_total / 100,
            "Total": total / 100, "AmountDue": total / 100, "AmountPaid": 0.0}


def _write(fake, request, org, match):
    invoices, numbers = _store(org)
    body = request.body if isinstance(request.body, dict) else {}
    elements = body.get("Invoices")
    if not isinstance(elements, list):
        return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                     "Message": "The request body must hold an Invoices array."}
    summarize = request.query.get("summarizeErrors", "true").lower() != "false"
    results, failures = [], []
    for data in elements:
        errors = _errors(fake, org, data)
        if errors:
            results.append(dict(data, StatusAttributeString="ERROR", HasErrors=True,
                                ValidationErrors=[{"Message": m} for m in errors]))
            failures.append(results[-1])
            continue
        invoice = dict(data, **_compute(data), InvoiceID=str(uuid.uuid4()),
                       Status=data.get("Status", "DRAFT"), Payments=[])
        _touch(fake, invoice)
        invoices[invoice["InvoiceID"]] = invoice
        numbers[invoice["InvoiceNumber"]] = invoice["InvoiceID"]
        results.append(dict(_public(invoice), StatusAttributeString="OK", HasErrors=False))
    if summarize and failures:
        return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                     "Message": "A validation exception occurred", "Elements": failures}
    return 200, _envelope(fake, "Invoices", results)


def _touch(fake, invoice) -> None:
    now = fake.clock.now()
    invoice["_updated"] = now.timestamp()
    invoice["UpdatedDateUTC"] = f"/Date({int(now.timestamp() * 1000)}+0000)/"


def _public(invoice) -> dict:
    return {k: v for k, v in invoice.items() if not k.startswith("_")}


def _list(fake, request, org, match):
    invoices, numbers = _store(org)
    items = sorted(invoices.values(), key=lambda i: i["_updated"])
    since = request.headers.get("if-modified-since")
    if since:
        stamp = datetime.fromisoformat(since).replace(tzinfo=UTC).timestamp()
        items = [i for i in items if i["_updated"] >= stamp]
    if 'Type=="ACCREC"' not in request.query.get("where", 'Type=="ACCREC"'):
        return 400, {"ErrorNumber": 16, "Type": "QueryParseException",
                     "Message": "This fake understands only where=Type==\"ACCREC\"."}
    if request.query.get("InvoiceNumbers"):
        wanted = set(request.query["InvoiceNumbers"].split(","))
        items = [i for i in items if i["InvoiceNumber"] in wanted]
    if request.query.get("IDs"):
        wanted = set(request.query["IDs"].split(","))
        items = [i for i in items if i["InvoiceID"] in wanted]
    page = max(1, int(request.query.get("page", 1)))
    size = min(1000, int(request.query.get("pageSize", 100)))
    count = len(items)
    items = items[(page - 1) * size: page * size]
    items = [_public(i) for i in items]
    if request.query.get("summaryOnly", "").lower() == "true":
        items = [{k: v for k, v in i.items() if k not in ("LineItems", "Payments")}
                 for i in items]
    return 200, _envelope(fake, "Invoices", items, {"page": page, "pageSize": size,
                                                    "pageCount": -(-count // size),
                                                    "itemCount": count})


def _one(fake, request, org, match):
    invoice = _store(org)[0].get(match["key"])
    if invoice is None:
        return 404, _problem(404, "Not Found", "The resource you're looking for cannot be found")
    return 200, _envelope(fake, "Invoices", [_public(invoice)])


def _update_status(fake, request, org, match):
    """POST /Invoices/{id} with a new Status: VOIDED only from AUTHORISED without payments,
    DELETED only from DRAFT or SUBMITTED (the rest of an update is not modelled)."""
    invoice = _store(org)[0].get(match["key"])
    if invoice is None:
        return 404, _problem(404, "Not Found", "The resource you're looking for cannot be found")
    wanted = ((request.body or {}).get("Invoices") or [{}])[0].get("Status")
    error = None
    if wanted == "VOIDED" and (invoice["Status"] != "AUTHORISED" or invoice["AmountPaid"]):
        error = "This document cannot be voided: it is not authorised or has payments."
    elif wanted == "DELETED" and invoice["Status"] not in ("DRAFT", "SUBMITTED"):
        error = "Only draft or submitted documents can be deleted."
    elif wanted not in ("VOIDED", "DELETED"):
        error = "This fake only changes an invoice's status to VOIDED or DELETED."
    if error:
        return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                     "Message": "A validation exception occurred",
                     "Elements": [dict(_public(invoice), ValidationErrors=[{"Message": error}])]}
    invoice["Status"] = wanted
    _touch(fake, invoice)
    return 200, _envelope(fake, "Invoices", [_public(invoice)])


def install(fake) -> None:
    fake.route("PUT", r"/Invoices", _write, "accounting.invoices")
    fake.route("POST", r"/Invoices", _write, "accounting.invoices")
    fake.route("GET", r"/Invoices", _list, "accounting.invoices")
    fake.route("GET", r"/Invoices/(?P<key>[^/]+)", _one, "accounting.invoices")
    fake.route("POST", r"/Invoices/(?P<key>[^/]+)", _update_status, "accounting.invoices")
    install_payments(fake)
    install_credit_notes(fake)


def invoices(fake, org=None) -> list[dict]:
    with fake.lock:
        return list(_store(org or fake.org)[0].values())


def pay(fake, number: str, amount=None, org=None) -> dict:
    """A payment entered in Xero (the bookkeeper, or a card payment through Xero's link)."""
    with fake.lock:
        invoices, numbers = _store(org or fake.org)
        invoice = invoices[numbers[number]]
        paid = Decimal(str(invoice["AmountPaid"])) + Decimal(str(
            amount if amount is not None else invoice["AmountDue"]))
        due = Decimal(str(invoice["Total"])) - paid
        invoice.update(AmountPaid=float(paid), AmountDue=float(due))
        if due == 0:
            invoice["Status"] = "PAID"
            invoice["FullyPaidOnDate"] = fake.clock.now().strftime("%Y-%m-%dT00:00:00")
        _touch(fake, invoice)
        return _public(invoice)


# -- payments ---------------------------------------------------------------------------------
def _payments(org):
    return org.extra.setdefault("payments", {})


def _write_payments(fake, request, org, match):
    invoices, numbers = _store(org)
    body = request.body if isinstance(request.body, dict) else {}
    elements = body.get("Payments")
    if not isinstance(elements, list):
        return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                     "Message": "The request body must hold a Payments array."}
    banks = {a["Code"] for a in org.accounts if a["Type"] == "BANK"
             or a.get("EnablePaymentsToAccount")}
    summarize = request.query.get("summarizeErrors", "true").lower() != "false"
    results, failures = [], []
    for data in elements:
        invoice = invoices.get((data.get("Invoice") or {}).get("InvoiceID", ""))
        amount = Decimal(str(data.get("Amount", 0)))
        errors = []
        if invoice is None:
            errors.append("Invoice could not be found.")
        elif invoice["Status"] != "AUTHORISED":
            errors.append("Invoice not of valid status for creation of a payment.")
        elif amount > Decimal(str(invoice["AmountDue"])):
            errors.append("Payment amount exceeds the amount outstanding on this document.")
        if (data.get("Account") or {}).get("Code") not in banks:
            errors.append("Account type is invalid for making a payment to/from.")
        if errors:
            results.append(dict(data, StatusAttributeString="ERROR", HasValidationErrors=True,
                                ValidationErrors=[{"Message": m} for m in errors]))
            failures.append(results[-1])
            continue
        payment = dict(data, PaymentID=str(uuid.uuid4()), Status="AUTHORISED",
                       PaymentType="ACCRECPAYMENT",
                       Invoice={"InvoiceID": invoice["InvoiceID"],
                                "InvoiceNumber": invoice["InvoiceNumber"]})
        _payments(org)[payment["PaymentID"]] = payment
        pay(fake, invoice["InvoiceNumber"], amount=amount, org=org)
        results.append(dict(payment, StatusAttributeString="OK"))
    if summarize and failures:
        return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                     "Message": "A validation exception occurred", "Elements": failures}
    return 200, _envelope(fake, "Payments", results)


def _list_payments(fake, request, org, match):
    import re

    items = list(_payments(org).values())
    wanted = re.findall(r'Reference=="([^"]*)"', request.query.get("where", ""))
    if wanted:
        items = [p for p in items if p.get("Reference") in set(wanted)]
    return 200, _envelope(fake, "Payments", items)


def install_payments(fake) -> None:
    fake.route("PUT", r"/Payments", _write_payments, "accounting.payments")
    fake.route("GET", r"/Payments", _list_payments, "accounting.payments")


def payments(fake, org=None) -> list[dict]:
    with fake.lock:
        return list(_payments(org or fake.org).values())


# -- credit notes -----------------------------------------------------------------------------
# ACCRECCREDIT credit notes, CreditNoteNumber unique; totals by the same rule as invoices. An
# allocation against an invoice raises its AmountCredited (up to its Total less what was already
# credited) and is listed on both; AmountDue/AmountPaid are not changed, a simplification: real
# Xero allocates only against an amount still due and refunds a paid invoice's credit as a
# payment on the credit note.
def _credit_notes(org):
    return org.extra.setdefault("credit_notes", {})


def _write_credit_notes(fake, request, org, match):
    notes = _credit_notes(org)
    body = request.body if isinstance(request.body, dict) else {}
    elements = body.get("CreditNotes")
    if not isinstance(elements, list):
        return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                     "Message": "The request body must hold a CreditNotes array."}
    results = []
    numbers = {n["CreditNoteNumber"] for n in notes.values()}
    for data in elements:
        errors = [e for e in _errors(fake, org, dict(data, Type="ACCREC", InvoiceNumber=None))]
        if data.get("Type") != "ACCRECCREDIT":
            errors.append("Only ACCRECCREDIT credit notes are supported by this fake.")
        if data.get("CreditNoteNumber") in numbers:
            errors.append("Credit Note # must be unique.")
        if errors:
            results.append(dict(data, HasErrors=True, StatusAttributeString="ERROR",
                                ValidationErrors=[{"Message": m} for m in errors]))
            continue
        computed = _compute(data)
        note = dict(data, **computed, CreditNoteID=str(uuid.uuid4()),
                    Status=data.get("Status", "DRAFT"), RemainingCredit=computed["Total"],
                    Allocations=[])
        note.pop("AmountDue"), note.pop("AmountPaid")
        _touch(fake, note)
        notes[note["CreditNoteID"]] = note
        results.append(dict(_public(note), HasErrors=False, StatusAttributeString="OK"))
    return 200, _envelope(fake, "CreditNotes", results)


def _list_credit_notes(fake, request, org, match):
    import re

    items = [_public(n) for n in _credit_notes(org).values()]
    wanted = re.findall(r'CreditNoteNumber=="([^"]*)"', request.query.get("where", ""))
    if wanted:
        items = [n for n in items if n["CreditNoteNumber"] in set(wanted)]
    return 200, _envelope(fake, "CreditNotes", items)


def _allocate(fake, request, org, match):
    note = _credit_notes(org).get(match["key"])
    if note is None:
        return 404, _problem(404, "Not Found", "The resource you're looking for cannot be found")
    invoices = _store(org)[0]
    results = []
    for data in (request.body or {}).get("Allocations") or []:
        invoice = invoices.get((data.get("Invoice") or {}).get("InvoiceID", ""))
        amount = Decimal(str(data.get("Amount", 0)))
        credited = Decimal(str(invoice.get("AmountCredited", 0))) if invoice else Decimal(0)
        error = None
        if invoice is None:
            error = "Invoice could not be found."
        elif note["Status"] != "AUTHORISED":
            error = "Only authorised credit notes can be allocated."
        elif amount > Decimal(str(note["RemainingCredit"])):
            error = "The amount allocated exceeds the credit remaining."
        elif amount > Decimal(str(invoice["Total"])) - credited:
            error = "The amount allocated exceeds the amount of the invoice."
        if error:
            return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                         "Message": "A validation exception occurred",
                         "Elements": [{"ValidationErrors": [{"Message": error}]}]}
        allocation = {"AllocationID": str(uuid.uuid4()), "Amount": float(amount),
                      "Date": data.get("Date"),
                      "Invoice": {"InvoiceID": invoice["InvoiceID"],
                                  "InvoiceNumber": invoice["InvoiceNumber"]}}
        note["Allocations"].append(allocation)
        note["RemainingCredit"] = float(Decimal(str(note["RemainingCredit"])) - amount)
        invoice["AmountCredited"] = float(credited + amount)
        invoice.setdefault("CreditNotes", []).append(
            {"CreditNoteID": note["CreditNoteID"], "CreditNoteNumber": note["CreditNoteNumber"]})
        _touch(fake, invoice)
        _touch(fake, note)
        results.append(dict(allocation, CreditNote={"CreditNoteID": note["CreditNoteID"]}))
    return 200, _envelope(fake, "Allocations", results)


def install_credit_notes(fake) -> None:
    fake.route("PUT", r"/CreditNotes", _write_credit_notes, "accounting.invoices")
    fake.route("POST", r"/CreditNotes", _write_credit_notes, "accounting.invoices")
    fake.route("GET", r"/CreditNotes", _list_credit_notes, "accounting.invoices")
    fake.route("PUT", r"/CreditNotes/(?P<key>[^/]+)/Allocations", _allocate,
               "accounting.invoices")


def credit_notes(fake, org=None) -> list[dict]:
    with fake.lock:
        return [_public(n) for n in _credit_notes(org or fake.org).values()]


def add_invoice(fake, number: str, total="50.00", status="AUTHORISED", org=None) -> dict:
    """An invoice entered in Xero directly (not by NCC), for the reconciliation's other side."""
    with fake.lock:
        invoices, numbers = _store(org or fake.org)
        invoice = {"Type": "ACCREC", "InvoiceID": str(uuid.uuid4()), "InvoiceNumber": number,
                   "Status": status, "Total": float(Decimal(total)), "AmountPaid": 0.0,
                   "AmountDue": float(Decimal(total)), "SubTotal": float(Decimal(total)),
                   "TotalTax": 0.0, "LineItems": [], "Payments": []}
        _touch(fake, invoice)
        invoices[invoice["InvoiceID"]] = invoice
        numbers[number] = invoice["InvoiceID"]
        return _public(invoice)
