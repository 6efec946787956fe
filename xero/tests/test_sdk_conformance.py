"""Conformance: Xero's official Python SDK (xero-python) drives the fake Xero through every
operation NCC uses. The SDK serialises requests and deserialises replies with Xero's own models
(dates, enums, types), so a reply the fake shapes differently from Xero fails here."""

from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Account,
    AccountingApi,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    LineItemTracking,
    Payment,
    PaymentDelete,
    Payments,
)
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException
from xero_python.identity import IdentityApi

from .fake_session import SCOPES, grant

BANK = Account(code="090")


@pytest.fixture
def sdk(fake, monkeypatch):
    """(AccountingApi, tenant id, the stored token) as an app using the SDK would hold them."""
    monkeypatch.setattr(TokenApi, "refresh_token_url", fake.url + "/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", fake.url + "/connect/revocation")
    stored = dict(grant(fake), scope=SCOPES.split())
    stored["expires_at"] = fake.clock.now().timestamp() + stored["expires_in"]
    client = ApiClient(Configuration(oauth2_token=OAuth2Token(
        client_id=fake.client_id, client_secret=fake.client_secret)), pool_threads=1)
    client.oauth2_token_getter(lambda: stored)
    client.oauth2_token_saver(stored.update)
    identity = IdentityApi(client, base_url=fake.url)
    [connection] = identity.get_connections()
    assert connection.tenant_name == fake.org.name
    yield AccountingApi(client, base_url=fake.url + "/api.xro/2.0"), connection.tenant_id, stored


def line(amount="75.00", tax="OUTPUT", account="200"):
    return LineItem(description="Review consultation", quantity=1.0,
                    unit_amount=Decimal(amount), account_code=account, tax_type=tax,
                    tracking=[LineItemTracking(name="Location", option="Sydney CBD")])


def a_contact(api, tenant, number="P-100", name="Jo Citizen"):
    reply = api.update_or_create_contacts(tenant, Contacts(contacts=[Contact(
        name=name, contact_number=number, email_address="jo@example.com")]),
        summarize_errors=False)
    [contact] = reply.contacts
    assert contact.status_attribute_string == "OK"
    return contact


def an_invoice(api, tenant, contact, number="INV-000100", amount="75.00", key=None):
    reply = api.create_invoices(tenant, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(contact_id=contact.contact_id), invoice_number=number,
        date=date(2026, 11, 20), due_date=date(2026, 12, 4), status="AUTHORISED",
        line_amount_types=LineAmountTypes.INCLUSIVE, line_items=[line(amount)])]),
        summarize_errors=False, unitdp=4, idempotency_key=key or f"ncc-inv-{number}")
    [invoice] = reply.invoices
    assert invoice.status_attribute_string == "OK", invoice.validation_errors
    return invoice


def test_settings_the_app_reads(sdk):
    api, tenant, _ = sdk
    accounts = api.get_accounts(tenant, where='Status=="ACTIVE" AND Type=="REVENUE"').accounts
    assert {a.code for a in accounts} >= {"200", "210"}
    assert {t.tax_type for t in api.get_tax_rates(tenant).tax_rates} >= {"OUTPUT",
                                                                         "EXEMPTOUTPUT"}
    [location] = api.get_tracking_categories(tenant).tracking_categories
    assert [o.name for o in location.options] == ["Sydney CBD", "Brisbane", "Parramatta"]
    [org] = api.get_organisations(tenant).organisations
    assert (org.base_currency.value, org.country_code.value) == ("AUD", "AU")
    assert {i.code for i in api.get_items(tenant).items} >= {"POD-REV"}


def test_contacts_create_update_and_look_up(sdk):
    api, tenant, _ = sdk
    contact = a_contact(api, tenant)
    api.update_contact(tenant, contact.contact_id, Contacts(contacts=[Contact(
        contact_id=contact.contact_id, name="Jo Citizen-Smith")]))
    [by_number] = api.get_contact_by_contact_number(tenant, "P-100").contacts
    assert by_number.name == "Jo Citizen-Smith"
    [found] = api.get_contacts(tenant, where='ContactNumber=="P-100"').contacts
    assert found.contact_id == contact.contact_id
    taken = api.create_contacts(tenant, Contacts(contacts=[Contact(name="Jo Citizen-Smith")]),
                                summarize_errors=False).contacts[0]
    assert taken.has_validation_errors and "already assigned" in \
        taken.validation_errors[0].message
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_contacts(tenant, Contacts(contacts=[Contact(name="Jo Citizen-Smith")]))
    assert "already assigned" in refused.value.reason


def test_invoices_push_look_up_page_and_void(sdk, fake):
    api, tenant, _ = sdk
    contact = a_contact(api, tenant)
    invoice = an_invoice(api, tenant, contact)
    assert (invoice.total, invoice.total_tax) == (Decimal("75.00"), Decimal("6.82"))
    assert invoice.date == date(2026, 11, 20)
    repeat = an_invoice(api, tenant, contact)  # same Idempotency-Key: the same reply
    assert repeat.invoice_id == invoice.invoice_id
    duplicate = api.create_invoices(tenant, Invoices(invoices=[Invoice(
        type="ACCREC", contact=Contact(contact_id=contact.contact_id),
        invoice_number="INV-000100", line_items=[line()])]), summarize_errors=False)
    assert duplicate.invoices[0].validation_errors[0].message == "Invoice # must be unique."
    since = fake.clock.now() - timedelta(minutes=1)
    got = api.get_invoices(tenant, invoice_numbers=["INV-000100"], statuses=["AUTHORISED"],
                           contact_i_ds=[contact.contact_id], if_modified_since=since,
                           page=1, page_size=100, summary_only=True)
    assert [i.invoice_id for i in got.invoices] == [invoice.invoice_id]
    assert got.pagination.item_count == 1
    later = api.get_invoices(tenant, if_modified_since=fake.clock.now().astimezone(UTC)
                             + timedelta(hours=1))
    assert later.invoices == []
    [one] = api.get_invoice(tenant, invoice.invoice_id).invoices
    assert one.line_items[0].tracking[0].option == "Sydney CBD"
    voided = api.update_invoice(tenant, invoice.invoice_id, Invoices(invoices=[Invoice(
        invoice_id=invoice.invoice_id, status="VOIDED")]))
    assert voided.invoices[0].status == "VOIDED"


def test_payments_batch_single_lookup_and_delete(sdk):
    api, tenant, _ = sdk
    contact = a_contact(api, tenant)
    invoice = an_invoice(api, tenant, contact, amount="100.00")
    batch = api.create_payments(tenant, Payments(payments=[Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id), account=BANK,
        date=date(2026, 11, 21), amount=40.0, reference="NCC-PAY-1")]),
        summarize_errors=False, idempotency_key="ncc-pay-1")
    assert batch.payments[0].payment_type == "ACCRECPAYMENT"
    single = api.create_payment(tenant, Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id), account=BANK,
        date=date(2026, 11, 22), amount=60.0, reference="NCC-PAY-2"))
    assert single.payments[0].amount == 60.0
    [paid] = api.get_invoice(tenant, invoice.invoice_id).invoices
    assert (paid.status, paid.amount_due) == ("PAID", 0.0)
    found = api.get_payments(tenant, where='Reference=="NCC-PAY-1" OR Reference=="NCC-PAY-2"')
    assert sorted(p.reference for p in found.payments) == ["NCC-PAY-1", "NCC-PAY-2"]
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_payment(tenant, Payment(invoice=Invoice(invoice_id=invoice.invoice_id),
                                           account=BANK, amount=1.0))
    assert "not of valid status" in refused.value.reason
    deleted = api.delete_payment(tenant, single.payments[0].payment_id,
                                 PaymentDelete(status="DELETED"))
    assert deleted.payments[0].status == "DELETED"
    [unpaid] = api.get_invoice(tenant, invoice.invoice_id).invoices
    assert (unpaid.status, unpaid.amount_due) == ("AUTHORISED", 60.0)


def test_credit_notes_allocations_and_refunds(sdk):
    api, tenant, _ = sdk
    contact = a_contact(api, tenant)
    part_paid = an_invoice(api, tenant, contact, "INV-000101", amount="100.00")
    api.create_payments(tenant, Payments(payments=[Payment(
        invoice=Invoice(invoice_id=part_paid.invoice_id), account=BANK,
        amount=70.0, date=date(2026, 11, 21))]))
    note = api.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=Contact(contact_id=contact.contact_id),
        credit_note_number="CN-000001", date=date(2026, 11, 23), status="AUTHORISED",
        line_amount_types=LineAmountTypes.INCLUSIVE, line_items=[line("50.00")])]),
        summarize_errors=False, idempotency_key="ncc-cn-CN-000001").credit_notes[0]
    assert (note.total, note.remaining_credit) == (50.0, 50.0)
    with pytest.raises(AccountingBadRequestException) as refused:
        api.create_credit_note_allocation(tenant, note.credit_note_id, Allocations(
            allocations=[Allocation(invoice=Invoice(invoice_id=part_paid.invoice_id),
                                    amount=40.0, date=date(2026, 11, 23))]))
    assert "greater than amount outstanding" in refused.value.reason
    allocated = api.create_credit_note_allocation(tenant, note.credit_note_id, Allocations(
        allocations=[Allocation(invoice=Invoice(invoice_id=part_paid.invoice_id),
                                amount=30.0, date=date(2026, 11, 23))]))
    assert allocated.allocations[0].amount == 30.0
    refund = api.create_payments(tenant, Payments(payments=[Payment(
        credit_note=CreditNote(credit_note_id=note.credit_note_id), account=BANK,
        amount=20.0, date=date(2026, 11, 24), reference="Refund to card")]),
        idempotency_key="ncc-refund-CN-000001")
    assert refund.payments[0].payment_type == "ARCREDITPAYMENT"
    [held] = api.get_credit_notes(tenant, where='CreditNoteNumber=="CN-000001"').credit_notes
    assert (held.status, held.remaining_credit) == ("PAID", 0.0)
    assert held.allocations[0].invoice.invoice_number == "INV-000101"
    [credited] = api.get_invoice(tenant, part_paid.invoice_id).invoices
    assert (credited.status, credited.amount_credited, credited.amount_due) == \
        ("PAID", 30.0, 0.0)
    assert api.get_credit_note(tenant, note.credit_note_id).credit_notes[0].total == 50.0


def test_the_sdk_refreshes_its_token_against_the_fake(sdk, fake):
    api, tenant, stored = sdk
    first = stored["access_token"]
    stored["expires_at"] = fake.clock.now().timestamp() - 1
    api.get_accounts(tenant)
    assert stored["access_token"] != first and fake.stats["token_refreshes"] == 1


def test_the_sdk_waits_out_xeros_retry_after_and_gets_through(sdk, fake):
    """urllib3 under the SDK retries a 429 that carries Retry-After: the fake's reply must be
    the one it understands."""
    api, tenant, _ = sdk
    fake.inject("429", path="/Accounts", times=1, problem="minute", retry_after=1)
    assert api.get_accounts(tenant).accounts
    assert fake.stats["http_429"] == 1
