"""The reminder sweep: exactly one reminder per appointment and start time, at each clinic's own
local time, never for cancelled or past appointments, never in the quiet hours."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from clinics.models import Clinician
from messaging import services
from messaging.models import ClinicSMSSettings, Reminder, ReminderRule, SMSMessage, SMSStatus
from ncc import testing
from patients.models import Patient
from scheduling.models import Appointment

SYDNEY, PERTH = ZoneInfo("Australia/Sydney"), ZoneInfo("Australia/Perth")
DAY = datetime(2026, 12, 2).date()
_batches = itertools.count()  # "tomorrow" for the sweeps below (a Wednesday)


def at(tz, day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def day_before_rule(clinic, **kw):
    return ReminderRule.objects.create(clinic=clinic, template=services.default_template(), **kw)


def book_many(clinic, tz, review_type, count, clinicians, patients, day=DAY):
    """`count` appointments on `day` in 15-minute slots from 8:00, spread over clinicians."""
    rows = []
    for i in range(count):
        clinician = clinicians[i % len(clinicians)]
        slot = i // len(clinicians)
        starts = at(tz, day, 8) + timedelta(minutes=15 * slot)
        rows.append(Appointment(patient=patients[i % len(patients)], clinician=clinician,
                                clinic=clinic, appointment_type=review_type, starts_at=starts,
                                ends_at=starts + timedelta(minutes=15)))
    return Appointment.objects.bulk_create(rows)


def many_clinicians(clinic, n):
    """Clinicians without password hashing (the slow part of make_clinician)."""
    batch = next(_batches)
    users = User.objects.bulk_create([
        User(email=f"c{clinic.pk}x{batch}x{i}@walkeasy.example", first_name=f"Doc{i}",
             role="clinician", password="!") for i in range(n)])
    clinicians = Clinician.objects.bulk_create([Clinician(user=u) for u in users])
    Clinician.clinics.through.objects.bulk_create([
        Clinician.clinics.through(clinician=c, clinic=clinic) for c in clinicians])
    return clinicians


def many_patients(clinic, n, start):
    return Patient.objects.bulk_create([
        Patient(number=start + i, first_name=f"Pat{i}", last_name="Lee",
                date_of_birth=datetime(1980, 1, 1).date(), home_clinic=clinic,
                mobile=f"+614{start + i:08d}") for i in range(n)])


@pytest.fixture
def two_clinics(db, review_type):
    sydney = testing.make_clinic("Sydney CBD", "Australia/Sydney")
    perth = testing.make_clinic("Perth", "Australia/Perth", state="WA", postcode="6000",
                                suburb="Perth")
    for clinic in (sydney, perth):
        day_before_rule(clinic)
    return sydney, perth


def test_500_appointments_in_two_zones_get_exactly_one_reminder_at_local_nine(two_clinics,
                                                                             review_type):
    sydney, perth = two_clinics
    booked = {}
    for clinic, tz, start in ((sydney, SYDNEY, 10_000), (perth, PERTH, 20_000)):
        clinicians = many_clinicians(clinic, 7)
        booked[clinic.pk] = book_many(clinic, tz, review_type, 250, clinicians,
                                      many_patients(clinic, 50, start))
    cancelled = [a.pk for a in booked[sydney.pk][:10] + booked[perth.pk][:10]]
    Appointment.objects.filter(pk__in=cancelled).update(status="cancelled",
                                                        cancellation_reason="Unwell")
    day_before = DAY - timedelta(days=1)

    def reminders(clinic):
        return Reminder.objects.filter(appointment__clinic=clinic).count()

    # The wrong hours: 6:00 in Sydney (quiet; 3:00 in Perth) and 8:30 in Sydney (before 9:00).
    for now in (at(SYDNEY, day_before, 6), at(SYDNEY, day_before, 8, 30)):
        assert services.send_due_reminders(now)["queued"] == 0
    # 9:05 in Sydney (6:05 in Perth): Sydney's reminders only, three runs, one each.
    for _ in range(3):
        services.send_due_reminders(at(SYDNEY, day_before, 9, 5))
    assert (reminders(sydney), reminders(perth)) == (240, 0)
    # 9:05 in Perth (12:05 in Sydney), three runs: Perth's reminders, nothing new for Sydney.
    for _ in range(3):
        services.send_due_reminders(at(PERTH, day_before, 9, 5))
    assert (reminders(sydney), reminders(perth)) == (240, 240)
    # Late and at night: nothing more.
    assert services.send_due_reminders(at(PERTH, day_before, 19, 55))["queued"] == 0
    assert services.send_due_reminders(at(PERTH, day_before, 22, 0))["queued"] == 0

    assert not Reminder.objects.filter(appointment__in=cancelled).exists()
    per_appointment = SMSMessage.objects.filter(kind="reminder").values_list("appointment",
                                                                             flat=True)
    assert len(per_appointment) == 480 and len(set(per_appointment)) == 480
    assert SMSMessage.objects.filter(kind="reminder", status=SMSStatus.SENT).count() == 480
    perth_message = SMSMessage.objects.filter(clinic=perth, kind="reminder").first()
    local = perth_message.appointment.starts_at.astimezone(PERTH)
    assert f"Wed 2 Dec {local:%-I:%M %p}".replace(":00 ", " ") in perth_message.body


@pytest.fixture
def one(sydney_cbd, john_smith, ben_clinician, review_type):
    rule = day_before_rule(sydney_cbd)
    appointment = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                           at(SYDNEY, DAY, 10))
    return rule, appointment


def test_a_moved_appointment_gets_a_new_reminder_with_the_new_time(one):
    rule, appointment = one
    services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 1))
    new_start = at(SYDNEY, DAY + timedelta(days=1), 14)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=new_start, ends_at=new_start + timedelta(minutes=30))
    assert services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 30)) == 0
    assert services.queue_due_reminders(at(SYDNEY, DAY, 9, 1)) == 1
    assert services.queue_due_reminders(at(SYDNEY, DAY, 9, 2)) == 0
    bodies = list(SMSMessage.objects.order_by("created_at").values_list("body", flat=True))
    assert "10 AM" in bodies[0] and "Thu 3 Dec 2 PM" in bodies[1]


def test_a_sweep_that_runs_late_still_sends_but_never_for_past_appointments(one):
    rule, appointment = one
    assert services.queue_due_reminders(at(SYDNEY, DAY, 11)) == 0  # it started at 10:00
    assert services.queue_due_reminders(at(SYDNEY, DAY, 8, 15)) == 1  # late but still ahead


def test_quiet_hours_come_from_the_clinic_settings(one, sydney_cbd):
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, quiet_from=datetime(1, 1, 1, 9).time())
    assert services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 5)) == 0


def test_reminders_are_switched_off_per_clinic_and_per_appointment_type(one, sydney_cbd,
                                                                        review_type):
    rule, appointment = one
    rule.excluded_types.add(review_type)
    assert services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 5)) == 0
    rule.excluded_types.clear()
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, enabled=False)
    assert services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 5)) == 0


def test_hours_before_rule(one, sydney_cbd):
    rule, appointment = one
    rule.kind, rule.hours_before = ReminderRule.Kind.HOURS_BEFORE, 3
    rule.save()
    assert services.queue_due_reminders(at(SYDNEY, DAY, 6, 59)) == 0
    assert services.queue_due_reminders(at(SYDNEY, DAY, 7, 0)) == 0  # quiet until 8:00
    assert services.queue_due_reminders(at(SYDNEY, DAY, 8, 0)) == 1


def test_opted_out_patients_get_no_reminder(one, john_smith):
    Patient.objects.filter(pk=john_smith.pk).update(sms_opted_out_at=at(SYDNEY, DAY, 0))
    assert services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 5)) == 0


def test_a_reminder_over_the_part_limit_is_recorded_as_failed(one, sydney_cbd):
    rule, _ = one
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, segment_limit=1)
    rule.template.body = "x" * 170
    rule.template.save()
    services.queue_due_reminders(at(SYDNEY, DAY - timedelta(days=1), 9, 5))
    message = SMSMessage.objects.get()
    assert message.status == SMSStatus.FAILED and "2 SMS parts" in message.error


def test_the_command_runs_the_sweep(one, capsys):
    from django.core.management import call_command

    call_command("send_reminders", "--now", at(SYDNEY, DAY - timedelta(days=1), 9).isoformat())
    assert "Queued 1 reminder(s); sent 1" in capsys.readouterr().out


def test_day_before_reminder_on_the_day_daylight_saving_starts(sydney_cbd, john_smith,
                                                               ben_clinician, review_type):
    """Sydney moves from +10 to +11 at 2:00 on Sunday 4 October 2026: 9:00 is still 9:00."""
    day_before_rule(sydney_cbd)
    sunday, monday = datetime(2026, 10, 4).date(), datetime(2026, 10, 5).date()
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(SYDNEY, monday, 10))
    assert services.queue_due_reminders(at(SYDNEY, sunday, 8, 59)) == 0
    assert services.queue_due_reminders(at(SYDNEY, sunday, 9, 0)) == 1
    assert at(SYDNEY, sunday, 9).utcoffset() == timedelta(hours=11)


def test_the_sweeps_query_count_does_not_grow_with_the_number_of_reminders(two_clinics,
                                                                          review_type):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sydney, perth = two_clinics
    counts = []
    for day, n, start in ((DAY, 4, 30_000), (DAY + timedelta(days=7), 80, 40_000)):
        book_many(sydney, SYDNEY, review_type, n, many_clinicians(sydney, 2),
                  many_patients(sydney, n, start), day)
        with CaptureQueriesContext(connection) as ctx:
            queued = services.queue_due_reminders(at(SYDNEY, day - timedelta(days=1), 9, 5))
        assert queued == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
