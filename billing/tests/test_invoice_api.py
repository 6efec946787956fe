"""The invoices and payments API: same rules as the pages, refusals as 400 bodies with a sentence."""

from decimal import Decimal

import pytest
from django.test import Client, override_settings

from billing import services
from billing.models import Invoice, InvoiceStatus
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def test_create_an_invoice_then_pay_it(mia_client, completed_visit):
    created = mia_client.post("/api/v1/invoices/", {"appointment": str(completed_visit.pk)},
                              content_type="application/json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"].startswith("INV-") and body["status"] == "awaiting_payment"
    assert (body["total"], body["gst"], body["subtotal"]) == ("75.00", "6.82", "68.18")
    assert body["lines"][0]["tax_type"] == "OUTPUT"
    paid = mia_client.post("/api/v1/payments/", {"invoice": body["id"], "amount": "75.00",
                                                 "method": "card"},
                           content_type="application/json")
    assert paid.status_code == 201, paid.json()
    assert mia_client.get(f"/api/v1/invoices/{body['id']}/").json()["status"] == "paid"
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid


def test_over_payment_is_a_400_naming_the_amount(mia_client, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    response = mia_client.post("/api/v1/payments/", {"invoice": str(invoice.pk),
                                                     "amount": "100.00", "method": "cash"},
                               content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "overpayment"
    assert body["amount"][0].startswith(
        f"$100.00 is more than the $75.00 still owing on {invoice.number}.")


def test_bad_payment_fields_are_a_400_field_by_field(mia_client, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    response = mia_client.post("/api/v1/payments/", {"invoice": str(invoice.pk),
                                                     "amount": "1.234", "method": "bitcoin"},
                               content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"amount", "method"}


def test_invoicing_twice_is_a_400_with_the_existing_number(mia_client, completed_visit):
    first = services.create_invoice_for_appointment(completed_visit.pk)
    response = mia_client.post("/api/v1/invoices/", {"appointment": str(completed_visit.pk)},
                               content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"This appointment is already on invoice {first.number}.",
        "code": "already_invoiced", "invoice": str(first.pk), "number": first.number}


def test_a_no_show_needs_confirm_true(mia_client, completed_visit):
    Appointment.objects.filter(pk=completed_visit.pk).update(status="no_show")
    asked = mia_client.post("/api/v1/invoices/", {"appointment": str(completed_visit.pk)},
                            content_type="application/json")
    assert asked.status_code == 400 and asked.json()["code"] == "needs_confirmation"
    done = mia_client.post("/api/v1/invoices/", {"appointment": str(completed_visit.pk),
                                                 "confirm": True},
                           content_type="application/json")
    assert done.status_code == 201


def test_a_bad_appointment_id_is_a_400(mia_client, db):
    response = mia_client.post("/api/v1/invoices/", {"appointment": "not-a-uuid"},
                               content_type="application/json")
    assert response.status_code == 400 and "appointment" in response.json()


@override_settings(BILLING_DEFAULT_STATUS="draft")
def test_approve_and_void_actions(mia_client, sam_owner, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    approved = mia_client.post(f"/api/v1/invoices/{invoice.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "awaiting_payment"
    again = mia_client.post(f"/api/v1/invoices/{invoice.pk}/approve/")
    assert again.status_code == 400 and again.json()["code"] == "bad_transition"
    refused = mia_client.post(f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "Duplicate"},
                              content_type="application/json")
    assert refused.status_code == 403  # voiding is an admin permission by default
    sam_client = Client()
    sam_client.force_login(sam_owner)
    voided = sam_client.post(f"/api/v1/invoices/{invoice.pk}/void/", {"reason": "Duplicate"},
                             content_type="application/json")
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    assert Invoice.objects.get().status == InvoiceStatus.VOIDED


def test_clinicians_read_but_cannot_write(ben_client, completed_visit):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    assert ben_client.get("/api/v1/invoices/").json()["count"] == 1
    assert ben_client.post("/api/v1/payments/", {"invoice": str(invoice.pk), "amount": "1.00",
                                                 "method": "cash"},
                           content_type="application/json").status_code == 403
    assert ben_client.post(f"/api/v1/invoices/{invoice.pk}/void/").status_code == 403
    assert ben_client.post("/api/v1/invoices/", {"appointment": str(completed_visit.pk)},
                           content_type="application/json").status_code == 403
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0.00") and invoice.status == "awaiting_payment"
