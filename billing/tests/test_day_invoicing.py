"""Invoicing every completed appointment of a clinic's day, and the admin action."""

from datetime import date, datetime

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import reverse

from billing import services
from billing.models import Invoice
from ncc import testing
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_appointments(john_smith, ben_clinician, ana_clinician, sydney_cbd, brisbane,
                        review_type):
    """Tue 3 Mar 2026 at Sydney CBD: three completed, one no-show, one booked; plus one in
    Brisbane and one on the next day that must not be touched."""
    kim = testing.make_patient(sydney_cbd, "Kim", "Tan", mobile="+61412000111")
    lee = testing.make_patient(sydney_cbd, "Lee", "Wong", mobile="+61412000222")

    def at(hour, minute, clinician, patient, status, clinic=sydney_cbd, day=3):
        starts = datetime(2026, 3, day, hour, minute, tzinfo=clinic.tz)
        extra = {"cancellation_reason": "Unwell"} if status == "cancelled" else {}
        return testing.make_appointment(patient, clinician, clinic, review_type, starts,
                                        status=status, **extra)

    brisbane_clinician = testing.make_clinician("Priya", [brisbane])
    return {
        "done": [at(9, 0, ben_clinician, john_smith, "completed"),
                 at(9, 30, ben_clinician, kim, "completed"),
                 at(23, 15, ana_clinician, lee, "completed")],  # late, still 3 Mar in Sydney
        "no_show": at(10, 0, ben_clinician, lee, "no_show"),
        "booked": at(11, 0, ana_clinician, kim, "booked"),
        "elsewhere": at(9, 0, brisbane_clinician, kim, "completed", clinic=brisbane),
        "next_day": at(0, 30, ben_clinician, kim, "completed", day=4),
    }


def test_invoices_each_completed_appointment_and_says_why_not_for_the_rest(
        day_of_appointments, sydney_cbd, mia_receptionist):
    results = services.invoice_completed_appointments_for_day(sydney_cbd, date(2026, 3, 3),
                                                              actor=mia_receptionist)
    by_appt = {r.appointment.pk: r for r in results}
    assert len(results) == 5  # the Brisbane and next-day ones are not part of this day
    for appt in day_of_appointments["done"]:
        assert by_appt[appt.pk].outcome == "invoiced"
        assert by_appt[appt.pk].invoice.lines.get().appointment_id == appt.pk
    assert by_appt[day_of_appointments["no_show"].pk].outcome == "skipped"
    assert "No-show" in by_appt[day_of_appointments["no_show"].pk].message
    assert by_appt[day_of_appointments["booked"].pk].message == "Not completed yet (booked)."
    assert Invoice.objects.count() == 3


def test_running_it_again_invoices_nothing_twice(day_of_appointments, sydney_cbd):
    services.invoice_completed_appointments_for_day(sydney_cbd, date(2026, 3, 3))
    again = services.invoice_completed_appointments_for_day(sydney_cbd, date(2026, 3, 3))
    done = [r for r in again if r.appointment.status == "completed"]
    assert {r.outcome for r in done} == {"already_invoiced"}
    assert all(r.invoice is not None for r in done)
    assert Invoice.objects.count() == 3


def test_one_failure_does_not_stop_the_others(day_of_appointments, sydney_cbd):
    from billing.errors import MissingMapping
    from billing.mappings import register_line_mapping, unregister

    lee_pk = day_of_appointments["done"][2].patient_id

    # Lee's appointment gets a type of its own that the (xero) mapping refuses.
    special = testing.make_type("Nail surgery", 60, "300.00")
    Appointment.objects.filter(patient_id=lee_pk, status="completed").update(
        appointment_type=special)

    def refuse_surgery(appointment_type):
        if appointment_type.name == "Nail surgery":
            raise MissingMapping("Map the type Nail surgery in Xero settings before invoicing it.")
        return None

    register_line_mapping(refuse_surgery)
    try:
        results = services.invoice_completed_appointments_for_day(sydney_cbd, date(2026, 3, 3))
    finally:
        unregister(refuse_surgery)
    outcomes = {r.appointment.patient_id: r for r in results if r.appointment.status == "completed"}
    assert outcomes[lee_pk].outcome == "failed"
    assert outcomes[lee_pk].message.startswith("Map the type Nail surgery")
    assert Invoice.objects.count() == 2


def test_day_page_lists_then_invoices(mia_client, day_of_appointments, sydney_cbd):
    url = reverse("billing:day")
    page = mia_client.get(url, {"day": "2026-03-03", "clinic": sydney_cbd.pk}).content.decode()
    assert "Invoice 3 completed appointments" in page
    result = mia_client.post(url, {"day": "2026-03-03", "clinic": sydney_cbd.pk})
    page = result.content.decode()
    assert "Created 3 invoices." in page and page.count("Invoiced</span>") == 3
    assert Invoice.objects.count() == 3


def test_admin_action_invoices_the_selected_appointments(client, sam_owner, day_of_appointments):
    sam_owner.is_superuser = True  # Django admin is for superusers only
    sam_owner.save()
    client.force_login(sam_owner)
    assert any(getattr(a, "__name__", "") == "create_invoices_for_appointments"
               for a in admin_site.get_model_admin(Appointment).actions)
    chosen = [day_of_appointments["done"][0], day_of_appointments["no_show"]]
    response = client.post(reverse("admin:scheduling_appointment_changelist"), {
        "action": "create_invoices_for_appointments",
        "_selected_action": [str(a.pk) for a in chosen],
    }, follow=True)
    text = response.content.decode()
    assert "Created 1 invoice" in text
    assert "Not invoiced: Lee Wong" in text and "no-show" in text
    assert Invoice.objects.count() == 1
