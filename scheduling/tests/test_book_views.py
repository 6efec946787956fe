"""The book pages: day and week grids render in few queries; the dialogs book, edit and cancel."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ncc import testing
from scheduling.models import Appointment, AppointmentStatus

from .factories import at, future_monday


@pytest.fixture
def monday():
    return future_monday()


@pytest.fixture
def full_day(sydney_cbd, ben_clinician, ana_clinician, review_type, monday):
    patients = [testing.make_patient(sydney_cbd, f"P{i}", "Busy", mobile="") for i in range(10)]
    for clinician in (ben_clinician, ana_clinician):
        for i in range(16):
            testing.make_appointment(patients[i % 10], clinician, sydney_cbd, review_type,
                                     at(sydney_cbd, monday, 9) + timedelta(minutes=30 * i))
    return monday


def test_day_view_shows_each_clinician_and_appointment(mia_client, full_day, ben_clinician):
    response = mia_client.get(f"/book/?date={full_day.isoformat()}")
    assert response.status_code == 200
    html = response.content.decode()
    assert ben_clinician.display_name in html
    assert html.count('class="appt ') == 32
    assert "9:00–9:30 am" in html


def test_day_view_query_count_does_not_grow_with_appointments(mia_client, full_day,
                                                              django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        mia_client.get(f"/book/?date={full_day.isoformat()}&partial=1")
    with CaptureQueriesContext(connection) as ctx:
        mia_client.get(f"/book/?date={full_day.isoformat()}")
    # The book reads its appointments once; badges of other apps may join the table, once each.
    appointment_queries = [q for q in ctx.captured_queries
                           if 'FROM "scheduling_appointment"' in q["sql"]]
    assert len(appointment_queries) == 1


def test_week_view_renders_one_clinician(mia_client, full_day, ben_clinician,
                                         django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = mia_client.get(f"/book/?view=week&date={full_day.isoformat()}"
                                  f"&clinician={ben_clinician.pk}")
    assert response.status_code == 200
    assert response.content.decode().count('class="appt ') == 16


def test_cancelled_hidden_unless_toggled(mia_client, sydney_cbd, ben_clinician, john_smith,
                                         review_type, monday):
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday, 10), status=AppointmentStatus.CANCELLED,
                             cancellation_reason="Patient unwell")
    assert "John Smith" not in mia_client.get(f"/book/?date={monday}").content.decode()
    assert "John Smith" in mia_client.get(f"/book/?date={monday}&cancelled=1").content.decode()


def test_booking_dialog_books_and_triggers_a_refresh(mia_client, sydney_cbd, ben_clinician,
                                                     john_smith, review_type, monday):
    form = mia_client.get(f"/book/new/?date={monday}&time=09:15&clinician={ben_clinician.pk}")
    assert form.status_code == 200
    assert 'value="09:15"' in form.content.decode()
    response = mia_client.post("/book/new/", {
        "patient": john_smith.pk, "clinician": ben_clinician.pk,
        "appointment_type": review_type.pk, "date": monday.isoformat(), "time": "09:15",
        "minutes": 30, "notes": "Left heel"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert set(json.loads(response["HX-Trigger"])) == {"book:changed", "ncc:close-dialog"}
    assert "Booked John Smith" in response.content.decode()
    a = Appointment.objects.get()
    assert a.local_starts_at.hour == 9 and a.local_starts_at.minute == 15
    assert a.notes == "Left heel"
    assert a.confirmation_email_status == "pending"


def test_booking_dialog_shows_conflict_beside_the_form(mia_client, sydney_cbd, ben_clinician,
                                                       john_smith, review_type, monday):
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday, 9))
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    response = mia_client.post("/book/new/", {
        "patient": jane.pk, "clinician": ben_clinician.pk, "appointment_type": review_type.pk,
        "date": monday.isoformat(), "time": "09:15", "minutes": 30})
    html = response.content.decode()
    assert "already has John Smith 9:00–9:30 am" in html
    assert "Jane Doe" in html  # the chosen patient stays chosen
    assert Appointment.objects.count() == 1


def test_past_booking_asks_then_books_with_confirmation(mia_client, ben_clinician, john_smith,
                                                        review_type, monday):
    past = monday - timedelta(weeks=5)
    data = {"patient": john_smith.pk, "clinician": ben_clinician.pk,
            "appointment_type": review_type.pk, "date": past.isoformat(), "time": "10:00",
            "minutes": 30}
    html = mia_client.post("/book/new/", data).content.decode()
    assert "is in the past" in html and "Book anyway" in html
    assert not Appointment.objects.exists()
    mia_client.post("/book/new/", {**data, "confirm": "True"})
    assert Appointment.objects.count() == 1


def test_inline_new_patient_is_created_with_the_booking(mia_client, ben_clinician, review_type,
                                                        monday, john_smith):
    dup = mia_client.get("/book/patients/duplicates/", {
        "first_name": "John", "last_name": "Smith", "date_of_birth": "1970-03-12"})
    assert "Possible duplicate" in dup.content.decode()
    response = mia_client.post("/book/new/", {
        "new_patient": "True", "first_name": "Kim", "last_name": "Lee",
        "date_of_birth": "1985-01-02", "mobile": "0412 000 111", "clinician": ben_clinician.pk,
        "appointment_type": review_type.pk, "date": monday.isoformat(), "time": "11:00",
        "minutes": 30})
    assert response.status_code == 200, response.content.decode()
    a = Appointment.objects.select_related("patient").get()
    assert a.patient.full_name == "Kim Lee" and a.patient.mobile == "+61412000111"
    assert a.confirmation_email_status == "skipped"


def test_patient_search_as_you_type(mia_client, john_smith):
    html = mia_client.get("/book/patients/", {"q": "smi"}).content.decode()
    assert "Smith" in html and str(john_smith.pk) in html


def test_clinician_changes_only_own_appointments(ben_client, sydney_cbd, ana_clinician,
                                                 ben_clinician, john_smith, review_type, monday):
    anas = testing.make_appointment(john_smith, ana_clinician, sydney_cbd, review_type,
                                    at(sydney_cbd, monday, 9))
    bens = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    at(sydney_cbd, monday, 10))
    assert ben_client.post(f"/book/a/{anas.pk}/status/", {"status": "arrived"}).status_code == 403
    assert ben_client.post(f"/book/a/{bens.pk}/status/", {"status": "arrived"}).status_code == 200
    bens.refresh_from_db()
    assert bens.status == "arrived"


def test_cancel_needs_a_reason_and_keeps_the_row(mia_client, sydney_cbd, ben_clinician,
                                                 john_smith, review_type, monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    html = mia_client.post(f"/book/a/{a.pk}/cancel/", {"reason": ""}).content.decode()
    assert "Give a reason for cancelling." in html
    mia_client.post(f"/book/a/{a.pk}/cancel/", {"reason": "Patient unwell"})
    a.refresh_from_db()
    assert a.status == "cancelled" and a.cancellation_reason == "Patient unwell"


def test_drag_move_endpoint_moves_and_reports_conflicts(mia_client, sydney_cbd, ben_clinician,
                                                        ana_clinician, john_smith, review_type,
                                                        monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    b = testing.make_appointment(john_smith, ana_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 11))
    r = mia_client.post(f"/book/a/{a.pk}/move/", {"date": monday.isoformat(), "time": "11:15",
                                                  "clinician": ana_clinician.pk})
    assert "already has John Smith 11:00–11:30 am" in r.content.decode()
    r = mia_client.post(f"/book/a/{a.pk}/move/", {"date": monday.isoformat(), "time": "11:30",
                                                  "clinician": ana_clinician.pk})
    assert "Moved John Smith" in r.content.decode()
    a.refresh_from_db()
    assert a.clinician == ana_clinician and a.local_starts_at.hour == 11
    assert b.pk != a.pk


def test_jump_to_next_appointment(mia_client, sydney_cbd, ben_clinician, john_smith,
                                  review_type, monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    r = mia_client.get(f"/book/next/{john_smith.pk}/")
    assert r.status_code == 302
    assert f"date={monday.isoformat()}" in r["Location"] and str(a.pk) in r["Location"]
    page = mia_client.get(r["Location"]).content.decode()
    assert "appt st-booked" in page and " focus" in page


def test_duplicate_warning_offers_the_existing_patient(mia_client, john_smith):
    html = mia_client.get("/book/patients/duplicates/", {
        "first_name": "john", "last_name": "smith", "date_of_birth": "1970-03-12"}).content.decode()
    assert "Possible duplicate" in html and "Book for John" in html
    picked = mia_client.get(f"/book/patients/{john_smith.pk}/pick/").content.decode()
    assert f'name="patient" value="{john_smith.pk}"' in picked


def test_recurring_from_the_dialog_reports_each_occurrence(mia_client, sydney_cbd, ben_clinician,
                                                           john_smith, review_type, monday):
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    testing.make_appointment(jane, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday + timedelta(weeks=2), 9))
    response = mia_client.post("/book/new/", {
        "patient": john_smith.pk, "clinician": ben_clinician.pk,
        "appointment_type": review_type.pk, "date": monday.isoformat(), "time": "09:00",
        "minutes": 30, "repeat": "on", "every_weeks": 1, "times": 4})
    html = response.content.decode()
    assert "Booked 3 of 4 for John Smith" in html
    assert "Not booked" in html and "already has Jane Doe 9:00–9:30 am" in html
    assert json.loads(response["HX-Trigger"]) == {"book:changed": True}
    assert Appointment.objects.filter(patient=john_smith).count() == 3


def test_block_shows_when_no_confirmation_email_could_go(mia_client, sydney_cbd, ben_clinician,
                                                         review_type, monday):
    nora = testing.make_patient(sydney_cbd, "Nora", "Noemail")
    from scheduling import services
    services.book_appointment(actor=None, patient=nora, clinician=ben_clinician,
                              clinic=sydney_cbd, appointment_type=review_type,
                              starts_at=at(sydney_cbd, monday, 9))
    html = mia_client.get(f"/book/?date={monday}").content.decode()
    assert 'aria-label="no confirmation email"' in html
