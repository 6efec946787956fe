"""The fake Xero keeps Xero's rules for invoices, payments, credit notes, allocations and refunds,
so that a test against it means what it would mean against Xero."""

from datetime import UTC, timedelta, timezone
from email.utils import format_datetime

import pytest


@pytest.fixture
def contact_id(api):
    reply = api.put("/Contacts", json={"Contacts": [{"Name": "Jo Citizen",
                                                     "ContactNumber": "P-1"}]})
    return reply.json()["Contacts"][0]["ContactID"]


def invoice_body(contact_id, number, amount=110.0, status="AUTHORISED", tax="OUTPUT"):
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "InvoiceNumber": number,
            "Date": "2026-11-20", "DueDate": "2026-12-04", "Status": status,
            "LineAmountTypes": "Inclusive", "LineItems": [{
                "Description": "Review consultation", "Quantity": 1, "UnitAmount": amount,
                "AccountCode": "200", "TaxType": tax}]}


def put_invoice(api, contact_id, number, **kw) -> dict:
    reply = api.put("/Invoices", json={"Invoices": [invoice_body(contact_id, number, **kw)]})
    assert reply.status_code == 200, reply.text
    return reply.json()["Invoices"][0]


def put_credit_note(api, contact_id, number, amount=110.0) -> dict:
    body = dict(invoice_body(contact_id, None, amount), Type="ACCRECCREDIT",
                CreditNoteNumber=number)
    del body["InvoiceNumber"]
    reply = api.put("/CreditNotes", json={"CreditNotes": [body]})
    assert reply.status_code == 200, reply.text
    return reply.json()["CreditNotes"][0]


def pay(api, invoice_id, amount, **extra):
    return api.put("/Payments", params={"summarizeErrors": "false"}, json={"Payments": [dict({
        "Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"},
        "Date": "2026-11-21", "Amount": amount, "Reference": "EFTPOS"}, **extra)]})


def test_an_invoice_is_totalled_line_by_line_and_its_number_is_unique(api, contact_id):
    invoice = put_invoice(api, contact_id, "INV-1")
    assert (invoice["Total"], invoice["TotalTax"], invoice["AmountDue"]) == (110.0, 10.0, 110.0)
    again = api.put("/Invoices", json={"Invoices": [invoice_body(contact_id, "INV-1")]})
    assert again.status_code == 400
    [element] = again.json()["Elements"]
    assert element["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    per_element = api.put("/Invoices", params={"summarizeErrors": "false"}, json={
        "Invoices": [invoice_body(contact_id, "INV-1"), invoice_body(contact_id, "INV-2")]})
    assert per_element.status_code == 200
    assert [i["StatusAttributeString"] for i in per_element.json()["Invoices"]] == \
        ["ERROR", "OK"]


def test_a_payment_may_not_exceed_the_amount_due_and_settles_the_invoice(api, contact_id):
    invoice = put_invoice(api, contact_id, "INV-1")
    too_much = pay(api, invoice["InvoiceID"], 110.01).json()["Payments"][0]
    assert too_much["ValidationErrors"][0]["Message"] == \
        "Payment amount exceeds the amount outstanding on this document"
    part = pay(api, invoice["InvoiceID"], 10.0).json()["Payments"][0]
    assert part["PaymentType"] == "ACCRECPAYMENT"
    one = api.post("/Payments", json={"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                      "Account": {"Code": "090"}, "Amount": 100.0,
                                      "Date": "2026-11-22", "Reference": "Card"})
    assert one.status_code == 200, one.text
    [held] = api.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"]
    assert (held["Status"], held["AmountPaid"], held["AmountDue"]) == ("PAID", 110.0, 0.0)
    refused = api.post("/Payments", json={"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                                          "Account": {"Code": "090"}, "Amount": 1.0})
    assert refused.status_code == 400 and refused.json()["Type"] == "ValidationException"
    wrong_account = pay(api, put_invoice(api, contact_id, "INV-2")["InvoiceID"], 1.0,
                        Account={"Code": "200"}).json()["Payments"][0]
    assert wrong_account["ValidationErrors"][0]["Message"] == \
        "Account type is invalid for making a payment to/from"


def test_deleting_a_payment_gives_the_amount_back_to_the_invoice(api, contact_id):
    invoice = put_invoice(api, contact_id, "INV-1")
    payment = pay(api, invoice["InvoiceID"], 110.0).json()["Payments"][0]
    gone = api.post(f"/Payments/{payment['PaymentID']}", json={"Status": "DELETED"})
    assert gone.status_code == 200 and gone.json()["Payments"][0]["Status"] == "DELETED"
    [held] = api.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"]
    assert (held["Status"], held["AmountDue"]) == ("AUTHORISED", 110.0)


def test_a_paid_invoice_takes_no_allocation_so_the_credit_is_refunded_on_the_note(
        api, contact_id):
    invoice = put_invoice(api, contact_id, "INV-1")
    pay(api, invoice["InvoiceID"], 110.0)
    note = put_credit_note(api, contact_id, "CN-1", amount=110.0)
    refused = api.put(f"/CreditNotes/{note['CreditNoteID']}/Allocations", json={
        "Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 110.0,
                         "Date": "2026-11-23"}]})
    assert refused.status_code == 400
    assert "greater than amount outstanding" in \
        refused.json()["Elements"][0]["ValidationErrors"][0]["Message"]

    refund = api.put("/Payments", json={"Payments": [{
        "CreditNote": {"CreditNoteID": note["CreditNoteID"]}, "Account": {"Code": "090"},
        "Date": "2026-11-23", "Amount": 60.0, "Reference": "Refund to card"}]})
    assert refund.status_code == 200, refund.text
    assert refund.json()["Payments"][0]["PaymentType"] == "ARCREDITPAYMENT"
    [held] = api.get(f"/CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"]
    assert (held["Status"], held["RemainingCredit"]) == ("AUTHORISED", 50.0)
    over = api.put("/Payments", params={"summarizeErrors": "false"}, json={"Payments": [{
        "CreditNote": {"CreditNoteID": note["CreditNoteID"]}, "Account": {"Code": "090"},
        "Amount": 50.01}]}).json()["Payments"][0]
    assert over["StatusAttributeString"] == "ERROR"
    api.put("/Payments", json={"Payments": [{
        "CreditNote": {"CreditNoteID": note["CreditNoteID"]}, "Account": {"Code": "090"},
        "Amount": 50.0}]})
    [held] = api.get(f"/CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"]
    assert (held["Status"], held["RemainingCredit"]) == ("PAID", 0.0)
    refunds = api.get("/Payments", params={"where": 'PaymentType=="ARCREDITPAYMENT"'})
    assert [p["Amount"] for p in refunds.json()["Payments"]] == [60.0, 50.0]


def test_an_allocation_lowers_what_is_due_up_to_the_amount_outstanding(api, contact_id):
    invoice = put_invoice(api, contact_id, "INV-1")
    pay(api, invoice["InvoiceID"], 70.0)
    note = put_credit_note(api, contact_id, "CN-1", amount=55.0)
    url = f"/CreditNotes/{note['CreditNoteID']}/Allocations"
    over = api.put(url, params={"summarizeErrors": "false"}, json={"Allocations": [{
        "Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 45.0, "Date": "2026-11-23"}]})
    assert over.status_code == 200
    assert over.json()["Allocations"][0]["StatusAttributeString"] == "ERROR"
    done = api.put(url, json={"Allocations": [{
        "Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 40.0, "Date": "2026-11-23"}]})
    assert done.status_code == 200, done.text
    [held] = api.get(f"/Invoices/{invoice['InvoiceID']}").json()["Invoices"]
    assert (held["Status"], held["AmountDue"], held["AmountCredited"]) == ("PAID", 0.0, 40.0)
    [note] = api.get(f"/CreditNotes/{note['CreditNoteID']}").json()["CreditNotes"]
    assert (note["Status"], note["RemainingCredit"]) == ("AUTHORISED", 15.0)
    assert note["Allocations"][0]["Invoice"]["InvoiceNumber"] == "INV-1"


def test_credit_note_batches_honour_summarize_errors_and_unique_numbers(api, contact_id):
    put_credit_note(api, contact_id, "CN-1")
    body = dict(invoice_body(contact_id, None), Type="ACCRECCREDIT", CreditNoteNumber="CN-1")
    del body["InvoiceNumber"]
    summarised = api.put("/CreditNotes", json={"CreditNotes": [body]})
    assert summarised.status_code == 400
    assert summarised.json()["Elements"][0]["ValidationErrors"] == [
        {"Message": "Credit Note # must be unique."}]
    each = api.put("/CreditNotes", params={"summarizeErrors": "false"},
                   json={"CreditNotes": [body, dict(body, CreditNoteNumber="CN-2")]})
    assert each.status_code == 200
    assert [n["StatusAttributeString"] for n in each.json()["CreditNotes"]] == ["ERROR", "OK"]


def test_invoice_filters_the_app_uses(api, contact_id):
    other = api.put("/Contacts", json={"Contacts": [{"Name": "Al Other"}]}).json()
    other_id = other["Contacts"][0]["ContactID"]
    paid = put_invoice(api, contact_id, "INV-1")
    pay(api, paid["InvoiceID"], 110.0)
    draft = put_invoice(api, contact_id, "INV-2", status="DRAFT")
    theirs = put_invoice(api, other_id, "INV-3")

    def numbers(**params):
        reply = api.get("/Invoices", params=params)
        assert reply.status_code == 200, reply.text
        return sorted(i["InvoiceNumber"] for i in reply.json()["Invoices"])

    assert numbers(Statuses="DRAFT,PAID") == ["INV-1", "INV-2"]
    assert numbers(ContactIDs=other_id) == ["INV-3"]
    assert numbers(IDs=f"{draft['InvoiceID']},{theirs['InvoiceID']}") == ["INV-2", "INV-3"]
    assert numbers(InvoiceNumbers="INV-3,INV-9") == ["INV-3"]
    assert numbers(where='Type=="ACCREC" AND Status=="AUTHORISED"') == ["INV-3"]
    assert numbers(where=f'Contact.ContactID=="{other_id}"') == ["INV-3"]
    page = api.get("/Invoices", params={"page": 2, "pageSize": 2}).json()
    assert page["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}
    assert len(page["Invoices"]) == 1
    summary = api.get("/Invoices", params={"summaryOnly": "true"}).json()["Invoices"][0]
    assert "LineItems" not in summary and summary["AmountDue"] is not None
    assert api.get("/Invoices", params={"where": 'Status=="'}).status_code == 400


BRISBANE = timezone(timedelta(hours=10))
COLLECTIONS = ["Contacts", "Invoices", "Payments", "CreditNotes", "Accounts", "Items"]


@pytest.mark.parametrize("collection", COLLECTIONS)
@pytest.mark.parametrize("style", ["rfc1123", "iso-utc", "iso+10:00"])
def test_if_modified_since_in_every_documented_format(fake, api, contact_id, collection,
                                                      style):
    put_invoice(api, contact_id, "INV-1")
    old = put_invoice(api, contact_id, "INV-2")
    pay(api, old["InvoiceID"], 10.0)
    put_credit_note(api, contact_id, "CN-1")
    fake.clock.advance(20 * 60)  # less than the access token lives
    since = fake.clock.now() - timedelta(minutes=10)
    api.put("/Contacts", json={"Contacts": [{"Name": "Newly Added"}]})
    new = put_invoice(api, contact_id, "INV-3")
    pay(api, new["InvoiceID"], 10.0)
    put_credit_note(api, contact_id, "CN-2")
    header = {"rfc1123": format_datetime(since.astimezone(UTC), usegmt=True),
              "iso-utc": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
              # the same instant written in Brisbane time
              "iso+10:00": since.astimezone(BRISBANE).isoformat(timespec="seconds")}[style]
    everything = api.get(f"/{collection}").json()[collection]
    changed = api.get(f"/{collection}", headers={"If-Modified-Since": header})
    assert changed.status_code == 200, changed.text
    got = changed.json()[collection]
    if collection in ("Accounts", "Items"):  # seeded before, untouched since
        assert everything and got == []
    else:
        assert len(got) == 1 and len(everything) > 1
    future = format_datetime(fake.clock.now().astimezone(UTC) + timedelta(days=1), usegmt=True)
    assert api.get(f"/{collection}", headers={"If-Modified-Since": future}).json()[
        collection] == []


def test_an_unreadable_if_modified_since_is_a_400_not_a_dropped_connection(api):
    reply = api.get("/Invoices", headers={"If-Modified-Since": "last Tuesday"})
    assert reply.status_code == 400 and "If-Modified-Since" in reply.json()["Message"]


def test_void_and_delete_follow_xeros_status_rules(api, contact_id):
    paid = put_invoice(api, contact_id, "INV-1")
    pay(api, paid["InvoiceID"], 5.0)
    refused = api.post(f"/Invoices/{paid['InvoiceID']}", json={"Invoices": [{
        "Status": "VOIDED"}]})
    assert refused.status_code == 400
    draft = put_invoice(api, contact_id, "INV-2", status="DRAFT")
    assert api.post(f"/Invoices/{draft['InvoiceID']}", json={"Invoices": [{
        "Status": "VOIDED"}]}).status_code == 400
    deleted = api.post(f"/Invoices/{draft['InvoiceID']}", json={"Invoices": [{
        "Status": "DELETED"}]})
    assert deleted.json()["Invoices"][0]["Status"] == "DELETED"
    clean = put_invoice(api, contact_id, "INV-3")
    voided = api.post(f"/Invoices/{clean['InvoiceID']}", json={"Invoices": [{
        "InvoiceID": clean["InvoiceID"], "Status": "VOIDED"}]})
    assert voided.json()["Invoices"][0]["Status"] == "VOIDED"


def test_the_bookkeeper_pays_in_xero_by_xeros_rules(fake, api, contact_id):
    put_invoice(api, contact_id, "INV-1")
    with pytest.raises(ValueError, match="exceeds the amount outstanding"):
        fake.pay("INV-1", amount="200.00")
    held = fake.pay("INV-1")
    assert held["Status"] == "PAID"
    [payment] = fake.payments()
    assert payment["Invoice"]["InvoiceNumber"] == "INV-1" and payment["Amount"] == 110.0
