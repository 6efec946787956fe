"""The API books through the same rules as the book: 400 bodies with a sentence and a code,
availability lists free slots, recurring bookings answer per occurrence."""

from datetime import time, timedelta

import pytest

from ncc import testing
from scheduling.models import Appointment, TimeOff, WorkingHours

from .factories import at, future_monday


@pytest.fixture
def monday():
    return future_monday()


def _post(client, clinic, clinician, patient, appt_type, start, **extra):
    body = {"patient": str(patient.pk), "clinician": clinician.pk, "clinic": clinic.pk,
            "appointment_type": appt_type.pk, "starts_at": start.isoformat(), **extra}
    return client.post("/api/v1/appointments/", body, content_type="application/json")


def test_api_books_and_refuses_an_overlap_by_name(mia_client, sydney_cbd, ben_clinician,
                                                  john_smith, review_type, monday):
    r = _post(mia_client, sydney_cbd, ben_clinician, john_smith, review_type,
              at(sydney_cbd, monday, 9))
    assert r.status_code == 201, r.json()
    assert r.json()["ends_at"].startswith(f"{monday.isoformat()}T")
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    r = _post(mia_client, sydney_cbd, ben_clinician, jane, review_type,
              at(sydney_cbd, monday, 9, 15))
    assert r.status_code == 400
    assert r.json()["code"] == "conflict"
    assert "already has John Smith 9:00–9:30 am" in r.json()["detail"]


@pytest.mark.parametrize("case, code", [
    ("outside", "outside_opening_hours"), ("end_before_start", "end_before_start"),
    ("past", "past"), ("archived", "archived_patient"), ("inactive", "inactive_type"),
])
def test_api_bad_input_has_its_own_message(mia_client, sydney_cbd, ben_clinician, john_smith,
                                           review_type, monday, case, code):
    start, extra = at(sydney_cbd, monday, 10), {}
    if case == "outside":
        start = at(sydney_cbd, monday, 19)
    elif case == "end_before_start":
        extra["ends_at"] = (start - timedelta(minutes=30)).isoformat()
    elif case == "past":
        start = at(sydney_cbd, monday - timedelta(weeks=8), 10)
    elif case == "archived":
        john_smith.archived = True
        john_smith.save()
    elif case == "inactive":
        review_type.active = False
        review_type.save()
    r = _post(mia_client, sydney_cbd, ben_clinician, john_smith, review_type, start, **extra)
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["code"] == code
    message = body.get("detail") or next(v[0] for k, v in body.items() if isinstance(v, list))
    assert message.endswith((".", "?")) and len(message) > 20
    if case == "past":
        assert body["needs_confirmation"] is True
        r = _post(mia_client, sydney_cbd, ben_clinician, john_smith, review_type, start,
                  confirm=True)
        assert r.status_code == 201


def test_api_cancel_and_clinician_rule(ben_client, sydney_cbd, ben_clinician, ana_clinician,
                                       john_smith, review_type, monday):
    anas = testing.make_appointment(john_smith, ana_clinician, sydney_cbd, review_type,
                                    at(sydney_cbd, monday, 9))
    bens = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    at(sydney_cbd, monday, 10))
    r = ben_client.post(f"/api/v1/appointments/{anas.pk}/cancel/", {"reason": "x"},
                        content_type="application/json")
    assert r.status_code == 403
    r = ben_client.post(f"/api/v1/appointments/{bens.pk}/cancel/", {},
                        content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "reason_required"
    r = ben_client.post(f"/api/v1/appointments/{bens.pk}/cancel/", {"reason": "Unwell"},
                        content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = ben_client.patch(f"/api/v1/appointments/{anas.pk}/", {"notes": "mine now"},
                         content_type="application/json")
    assert r.status_code == 403


def test_api_move_by_patch(mia_client, sydney_cbd, ben_clinician, john_smith, review_type,
                           monday):
    a = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9))
    r = mia_client.patch(f"/api/v1/appointments/{a.pk}/",
                         {"starts_at": at(sydney_cbd, monday, 13).isoformat()},
                         content_type="application/json")
    assert r.status_code == 200, r.json()
    a.refresh_from_db()
    assert a.local_starts_at.hour == 13 and a.ends_at - a.starts_at == timedelta(minutes=30)


def test_availability_lists_free_slots(mia_client, sydney_cbd, ben_clinician, john_smith,
                                       review_type, monday):
    WorkingHours.objects.create(clinician=ben_clinician, clinic=sydney_cbd, weekday=0,
                                starts=time(9), ends=time(12))
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday, 10))
    TimeOff.objects.create(clinician=ben_clinician, starts_at=at(sydney_cbd, monday, 11),
                           ends_at=at(sydney_cbd, monday, 11, 30))
    r = mia_client.get("/api/v1/appointments/availability/", {
        "clinician": ben_clinician.pk, "appointment_type": review_type.pk,
        "from": monday.isoformat(), "to": (monday + timedelta(days=1)).isoformat()})
    assert r.status_code == 200, r.json()
    starts = [s["starts_at"][11:16] for s in r.json()["slots"]]
    # 9:00-12:00 in 15-minute steps, 30 minutes long, not over 10:00-10:30 or 11:00-11:30;
    # Tuesday has no working hours row, so Ben does not work then.
    assert starts == ["09:00", "09:15", "09:30", "10:30", "11:30"]


def test_availability_bad_input(mia_client, review_type):
    r = mia_client.get("/api/v1/appointments/availability/", {"from": "soon"})
    assert r.status_code == 400
    assert set(r.json()) >= {"clinician", "from"}


def test_api_recurring_reports_each_occurrence(mia_client, sydney_cbd, ben_clinician,
                                               john_smith, review_type, monday):
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday + timedelta(weeks=2), 9))
    r = mia_client.post("/api/v1/appointments/recurring/", {
        "patient": str(john_smith.pk), "clinician": ben_clinician.pk, "clinic": sydney_cbd.pk,
        "appointment_type": review_type.pk, "starts_at": at(sydney_cbd, monday, 9).isoformat(),
        "every_weeks": 1, "times": 3}, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert body["booked"] == 2
    assert [o["booked"] for o in body["occurrences"]] == [True, True, False]
    assert body["occurrences"][2]["code"] == "conflict"
    assert Appointment.objects.count() == 3
