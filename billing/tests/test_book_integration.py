"""Billing in the appointment book: the dialog offers the invoice, the blocks carry badges, the
dashboard counts what is overdue."""

from datetime import date, datetime, timedelta

import pytest

from billing import services
from ncc import testing


@pytest.fixture
def completed(sydney_cbd, ben_clinician, review_type, john_smith):
    day = date.today() - timedelta(days=1)
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    datetime(day.year, day.month, day.day, 10,
                                             tzinfo=sydney_cbd.tz), status="completed")


@pytest.mark.django_db
def test_dialog_of_a_completed_visit_offers_create_invoice_then_shows_it(mia_client, completed):
    body = mia_client.get(f"/book/a/{completed.pk}/").content.decode()
    assert "Create invoice" in body and 'name="appointment"' in body
    response = mia_client.post("/invoices/from-appointment/", {"appointment": str(completed.pk),
                                                      "next": "/book/"})
    assert response.status_code == 302
    body = mia_client.get(f"/book/a/{completed.pk}/").content.decode()
    assert "INV-" in body and "Awaiting payment" in body and "Create invoice" not in body


@pytest.mark.django_db
def test_book_blocks_show_invoiced_then_paid(mia_client, completed):
    invoice = services.create_invoice_for_appointment(completed.pk)
    day = completed.local_starts_at.date().isoformat()
    assert "Invoiced</span>" in mia_client.get(f"/book/?date={day}").content.decode()
    services.record_payment(invoice.pk, amount=invoice.total, method="card")
    page = mia_client.get(f"/book/?date={day}").content.decode()
    assert 'class="paid">Paid' in page and "Invoiced</span>" not in page


@pytest.mark.django_db
def test_clinician_sees_the_invoice_but_gets_no_create_button(ben_client, completed):
    body = ben_client.get(f"/book/a/{completed.pk}/").content.decode()
    assert "Create invoice" not in body
