"""The invoice pages: list with filters, unpaid total and CSV; detail; payment and void forms;
creating from an appointment; the patient panel; who may do what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from billing import services
from billing.models import Invoice, InvoiceStatus
from ncc import testing
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(completed_visit):
    return services.create_invoice_for_appointment(completed_visit.pk)


def test_list_shows_invoices_and_the_unpaid_total(mia_client, invoice, brisbane, review_type,
                                                  ben_clinician):
    other_patient = testing.make_patient(brisbane, "Kim", "Tan", mobile="+61412000111")
    appt = testing.make_appointment(other_patient, ben_clinician, brisbane, review_type,
                                    invoice.lines.get().appointment.starts_at
                                    + timedelta(days=1), status="completed")
    paid = services.create_invoice_for_appointment(appt.pk)
    services.record_payment(paid.pk, amount="75.00", method="cash")
    page = mia_client.get(reverse("billing:list")).content.decode()
    assert invoice.number in page and paid.number in page
    assert "$75.00" in page  # unpaid total: only John's invoice owes
    only_paid = mia_client.get(reverse("billing:list"), {"status": "paid"}).content.decode()
    assert paid.number in only_paid and invoice.number not in only_paid
    by_clinic = mia_client.get(reverse("billing:list"), {"clinic": brisbane.pk}).content.decode()
    assert paid.number in by_clinic and invoice.number not in by_clinic
    by_name = mia_client.get(reverse("billing:list"), {"q": "tan"}).content.decode()
    assert paid.number in by_name and invoice.number not in by_name


def test_csv_export_lists_the_filtered_invoices(sam_client, invoice):
    response = sam_client.get(reverse("billing:list"), {"status": "awaiting_payment",
                                                        "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = response.content.decode().splitlines()
    assert rows[0].startswith("Number,Issue date,Due date")
    assert rows[1].startswith(f"{invoice.number},") and rows[1].endswith(",75.00,0.00,75.00")


def test_detail_shows_lines_gst_and_the_payment_form(mia_client, invoice):
    page = mia_client.get(invoice.get_absolute_url()).content.decode()
    assert "Review, Tue 3 Mar 2026" in page
    assert "$6.82" in page and "$68.18" in page
    assert "Record payment" in page
    assert "Void invoice" not in page  # voiding is an admin permission by default


def test_admin_sees_the_void_form(sam_client, invoice):
    assert "Void invoice" in sam_client.get(invoice.get_absolute_url()).content.decode()


def test_recording_a_card_payment_from_the_page(mia_client, invoice, completed_visit):
    response = mia_client.post(reverse("billing:record_payment", args=[invoice.pk]),
                               {"amount": "75.00", "method": "card",
                                "date": invoice.issue_date.isoformat(), "reference": "EFT 991"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid


def test_an_over_payment_shows_the_reason_beside_the_amount(mia_client, invoice):
    response = mia_client.post(reverse("billing:record_payment", args=[invoice.pk]),
                               {"amount": "80.00", "method": "cash",
                                "date": invoice.issue_date.isoformat()})
    assert response.status_code == 400
    page = response.content.decode()
    assert "$80.00 is more than the $75.00 still owing" in page
    assert 'id="id_amount_error"' in page


def test_void_from_the_page(sam_client, invoice):
    sam_client.post(reverse("billing:void", args=[invoice.pk]), {"reason": "Duplicate"})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOIDED


@override_settings(BILLING_DEFAULT_STATUS="draft")
def test_edit_a_drafts_lines_then_approve(mia_client, completed_visit):
    draft = services.create_invoice_for_appointment(completed_visit.pk)
    line = draft.lines.get()
    url = reverse("billing:edit_lines", args=[draft.pk])
    assert mia_client.get(url).status_code == 200
    response = mia_client.post(url, {
        "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "1", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-id": line.pk, "lines-0-description": line.description, "lines-0-quantity": "1",
        "lines-0-unit_amount": "75.00", "lines-0-tax_treatment": "taxable",
        "lines-1-description": "Padding", "lines-1-quantity": "1", "lines-1-unit_amount": "5.50",
        "lines-1-tax_treatment": "taxable",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert (draft.total, draft.gst) == (Decimal("80.50"), Decimal("7.32"))
    mia_client.post(reverse("billing:approve", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.AWAITING_PAYMENT


def test_create_from_an_appointment_redirects_to_the_invoice(mia_client, completed_visit):
    response = mia_client.post(reverse("billing:create_for_appointment"),
                               {"appointment": completed_visit.pk})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    again = mia_client.post(reverse("billing:create_for_appointment"),
                            {"appointment": completed_visit.pk})
    assert again["Location"] == invoice.get_absolute_url()  # already invoiced: shows that one
    assert Invoice.objects.count() == 1


def test_create_from_htmx_answers_with_a_client_redirect(mia_client, completed_visit):
    response = mia_client.post(reverse("billing:create_for_appointment"),
                               {"appointment": completed_visit.pk}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == Invoice.objects.get().get_absolute_url()


def test_a_no_show_asks_for_confirmation_first(mia_client, completed_visit):
    Appointment.objects.filter(pk=completed_visit.pk).update(status="no_show")
    url = reverse("billing:create_for_appointment")
    page = mia_client.post(url, {"appointment": completed_visit.pk}).content.decode()
    assert "was a no-show" in page and "Yes, invoice the fee" in page
    assert not Invoice.objects.exists()
    mia_client.post(url, {"appointment": completed_visit.pk, "confirm": "1"})
    assert Invoice.objects.get().lines.get().description.startswith("Non-attendance fee")


def test_patient_page_shows_invoices_balance_and_what_to_invoice(mia_client, invoice,
                                                                 john_smith, ben_clinician,
                                                                 sydney_cbd, review_type,
                                                                 visit_start):
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             visit_start + timedelta(days=14), status="completed")
    page = mia_client.get(john_smith.get_absolute_url()).content.decode()
    assert 'id="billing-panel"' in page
    assert invoice.number in page
    assert "Balance owing: <strong data-testid=\"patient-balance\">$75.00</strong>" in page
    assert "Completed, not invoiced" in page and "Create invoice" in page


def test_clinicians_see_invoices_but_cannot_bill_or_take_money(ben_client, invoice,
                                                               completed_visit):
    assert ben_client.get(reverse("billing:list")).status_code == 200
    page = ben_client.get(invoice.get_absolute_url()).content.decode()
    assert "Record payment" not in page and "Void invoice" not in page
    assert ben_client.post(reverse("billing:record_payment", args=[invoice.pk]),
                           {"amount": "75.00", "method": "cash"}).status_code == 403
    assert ben_client.post(reverse("billing:void", args=[invoice.pk])).status_code == 403
    assert ben_client.post(reverse("billing:create_for_appointment"),
                           {"appointment": completed_visit.pk}).status_code == 403
    assert ben_client.get(reverse("billing:day")).status_code == 403


def test_menu_links_to_invoices(mia_client):
    assert 'href="/invoices/"' in mia_client.get(reverse("billing:list")).content.decode()


def test_badges_for_the_appointment_book_in_one_query(invoice, completed_visit,
                                                      django_assert_num_queries):
    from billing.queries import appointment_invoice_badges

    with django_assert_num_queries(1):
        badges = appointment_invoice_badges([completed_visit.pk], with_tags=False)
    assert badges[completed_visit.pk]["number"] == invoice.number
    assert badges[completed_visit.pk]["status"] == "awaiting_payment"
    assert badges[completed_visit.pk]["tags"] == []
    assert not badges[completed_visit.pk]["paid"]
