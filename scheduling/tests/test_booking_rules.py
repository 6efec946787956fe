"""Bad input gets its own clear message; no double booking in the simple (single-writer) case."""

from datetime import timedelta

import pytest

from ncc import testing
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus, TimeOff, WorkingHours
from scheduling.services import BookingError

from .factories import at, future_monday


@pytest.fixture
def monday():
    return future_monday()


def book(clinic, clinician, patient, appt_type, start, **kw):
    return services.book_appointment(actor=None, patient=patient, clinician=clinician,
                                     clinic=clinic, appointment_type=appt_type, starts_at=start,
                                     **kw)


def test_overlap_names_the_appointment_in_the_way(sydney_cbd, ben_clinician, john_smith,
                                                  review_type, monday):
    ben_clinician.user.last_name = "Cho"
    ben_clinician.user.save()
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9, 15))
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, jane, review_type, at(sydney_cbd, monday, 9, 30))
    assert err.value.code == "conflict"
    assert "Ben Cho already has John Smith 9:15–9:45 am" in err.value.message
    assert Appointment.objects.count() == 1


def test_back_to_back_is_not_an_overlap(sydney_cbd, ben_clinician, john_smith, review_type,
                                        monday):
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9, 30))
    assert Appointment.objects.count() == 2


def test_cancelled_appointment_frees_the_slot(sydney_cbd, ben_clinician, john_smith,
                                              review_type, monday):
    first = book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    services.cancel_appointment(first, actor=None, reason="Patient unwell")
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    assert Appointment.objects.exclude(status=AppointmentStatus.CANCELLED).count() == 1


def test_outside_opening_hours_is_refused(sydney_cbd, ben_clinician, john_smith, review_type,
                                          monday):
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 17, 45))
    assert err.value.code == "outside_opening_hours"
    assert "is open 8:00 am–6:00 pm on Mondays" in err.value.message


def test_end_before_start_is_refused(sydney_cbd, ben_clinician, john_smith, review_type, monday):
    start = at(sydney_cbd, monday, 10)
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, start,
             ends_at=start - timedelta(minutes=15))
    assert err.value.code == "end_before_start"
    assert err.value.field == "ends_at"


def test_past_date_needs_confirmation(sydney_cbd, ben_clinician, john_smith, review_type):
    day = future_monday() - timedelta(weeks=6)
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, day, 10))
    assert err.value.code == "past" and err.value.needs_confirmation
    assert "in the past" in err.value.message
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, day, 10),
         confirm=True)
    assert Appointment.objects.count() == 1


def test_archived_patient_and_inactive_type_are_refused(sydney_cbd, ben_clinician, john_smith,
                                                        review_type, monday):
    john_smith.archived = True
    john_smith.save()
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 10))
    assert err.value.code == "archived_patient"
    assert "John Smith is archived" in err.value.message
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    review_type.active = False
    review_type.save()
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, jane, review_type, at(sydney_cbd, monday, 10))
    assert err.value.code == "inactive_type"


def test_outside_working_hours_and_time_off_ask_for_confirmation(sydney_cbd, ben_clinician,
                                                                 john_smith, review_type, monday):
    from datetime import time
    WorkingHours.objects.create(clinician=ben_clinician, clinic=sydney_cbd, weekday=0,
                                starts=time(9), ends=time(13))
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 14))
    assert err.value.code == "outside_working_hours" and err.value.needs_confirmation
    assert "works 9:00 am–1:00 pm on Mondays" in err.value.message
    TimeOff.objects.create(clinician=ben_clinician, starts_at=at(sydney_cbd, monday, 10),
                           ends_at=at(sydney_cbd, monday, 12), reason="Training")
    with pytest.raises(BookingError) as err:
        book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 10))
    assert err.value.code == "time_off"
    assert "away (Training)" in err.value.message
    book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 10),
         confirm=True)


def test_move_into_a_taken_slot_is_refused(sydney_cbd, ben_clinician, john_smith, review_type,
                                           monday):
    a = book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 9))
    b = book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, monday, 11))
    with pytest.raises(BookingError) as err:
        services.move_appointment(b, actor=None, starts_at=at(sydney_cbd, monday, 9, 15))
    assert err.value.code == "conflict"
    b.refresh_from_db()
    assert b.starts_at == at(sydney_cbd, monday, 11)
    moved = services.move_appointment(a, actor=None, starts_at=at(sydney_cbd, monday, 9, 15))
    assert moved.ends_at - moved.starts_at == timedelta(minutes=30)
    assert moved.sequence == 1


def test_recurring_reports_each_occurrence(sydney_cbd, ben_clinician, john_smith, review_type,
                                           monday):
    jane = testing.make_patient(sydney_cbd, "Jane", "Doe")
    book(sydney_cbd, ben_clinician, jane, review_type, at(sydney_cbd, monday + timedelta(weeks=4), 9))
    results = services.book_recurring(
        every_weeks=2, times=4, starts_at=at(sydney_cbd, monday, 9), clinic=sydney_cbd,
        actor=None, patient=john_smith, clinician=ben_clinician, appointment_type=review_type)
    assert [r.booked for r in results] == [True, True, False, True]
    assert "already has Jane Doe 9:00–9:30 am" in results[2].error
    assert {r.appointment.local_starts_at.hour for r in results if r.booked} == {9}


def test_postgres_exclusion_constraint_is_mapped_to_the_conflict_message(
        sydney_cbd, ben_clinician, john_smith, review_type, monday):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints are PostgreSQL's")
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 at(sydney_cbd, monday, 9, 10))
    racing = Appointment(patient=john_smith, clinician=ben_clinician, clinic=sydney_cbd,
                         appointment_type=review_type, starts_at=at(sydney_cbd, monday, 9, 10),
                         ends_at=at(sydney_cbd, monday, 9, 40))
    slot = services.Slot(ben_clinician, sydney_cbd, racing.starts_at, racing.ends_at)
    with pytest.raises(BookingError) as err:
        services._save_guarded(racing, slot)
    assert err.value.code == "conflict"
    assert "already has John Smith 9:00–9:30 am" in err.value.message
