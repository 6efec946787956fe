"""Exactly once under every fault SMS Broadcast (or the network in front of it) produces, with two
workers and the reminder sweep racing for the same queue.

For each fault the fake gateway's own record (`FakeSMSBroadcast.copies`) must end with exactly
one copy of each message, or the row is `unknown` and no second copy was ever sent. Faults that
prove the gateway never took the message (no connection, 429, 500, 503) are retried until sent;
faults after which it may have taken it (reset, 502, 504, a reply later than our timeout) leave
the row `unknown` until a delivery receipt with our ref, or a person, settles it."""

import threading
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from messaging import services
from messaging.fake import FakeSMSBroadcast
from messaging.models import ClinicSMSSettings, ReminderRule, SMSMessage, SMSStatus
from ncc import testing
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db(transaction=True)

FAULTY_REQUESTS = 3
MANUAL, REMINDERS = 4, 2

# fault -> what the gateway holds afterwards for a faulted request: None = retried, so nothing
# is left unknown; 0 = unknown and the gateway took nothing; 1 = unknown and the gateway took it.
RETRIED, UNKNOWN_NOT_TAKEN, UNKNOWN_TAKEN = None, 0, 1
FAULTS = {
    "refused": RETRIED,  # nothing listens: no connection, nothing sent
    "dns": RETRIED,  # the gateway's name does not resolve
    "429": RETRIED,
    "500": RETRIED,
    "503": RETRIED,
    "drop_before": UNKNOWN_NOT_TAKEN,  # body read, connection reset before recording
    "reset_after": UNKNOWN_TAKEN,  # body read, recorded, connection reset instead of a reply
    "502": UNKNOWN_TAKEN,  # recorded, then the proxy's Bad Gateway
    "504": UNKNOWN_TAKEN,  # recorded, then the proxy's Gateway Timeout
    "slow": UNKNOWN_TAKEN,  # recorded after we gave up waiting
}
UNREACHABLE = {"refused": FakeSMSBroadcast.closed_url,
               "dns": lambda: "http://sms-gateway.invalid/api-adv.php"}


@pytest.fixture
def queue_of_work(sydney_cbd, ben_clinician, review_type):
    """Four staff messages already queued, and two appointments whose reminders the sweep will
    queue while the workers run. No quiet hours, so the test does not depend on the clock."""
    ClinicSMSSettings.objects.create(clinic=sydney_cbd, quiet_from=time(0), quiet_until=time(0))
    ReminderRule.objects.create(clinic=sydney_cbd, template=services.default_template(),
                                kind=ReminderRule.Kind.HOURS_BEFORE, hours_before=48)
    patients = [testing.make_patient(sydney_cbd, f"Pat{i}", "Racer", mobile=f"+6141230000{i}")
                for i in range(MANUAL + REMINDERS)]
    for i, patient in enumerate(patients[MANUAL:]):
        testing.make_appointment(patient, ben_clinician, sydney_cbd, review_type,
                                 timezone.now() + timedelta(hours=20 + i))
    return services.queue_many(patients[:MANUAL], "Your orthotics are ready to collect.")


def _race(*jobs):
    """Start every job at the same moment, each on its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # surfaced below: a thread must not fail silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def _later():
    """A sweep an hour on: every retry's backoff (and Retry-After) has passed."""
    return timezone.now() + timedelta(hours=1)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_two_workers_and_the_sweep_send_each_message_exactly_once(
        fault, queue_of_work, fake_smsb, settings):
    if fault in UNREACHABLE:
        settings.SMSB_API_URL = UNREACHABLE[fault]()
    else:
        fake_smsb.fail_next(fault, times=FAULTY_REQUESTS)

    _race(services.dispatch_queued, services.dispatch_queued, services.send_due_reminders)
    settings.SMSB_API_URL = fake_smsb.api_url  # the gateway is reachable again
    for _ in range(3):  # later sweeps, idempotent: they retry what may be retried, nothing else
        services.send_due_reminders(now=_later())
    fake_smsb.wait_idle()

    rows = list(SMSMessage.objects.filter(direction=SMSMessage.Direction.OUTBOUND))
    assert len(rows) == MANUAL + REMINDERS  # the sweep queued each reminder once
    by_status = {row.ref: row.status for row in rows}
    copies = {row.ref: fake_smsb.copies(row.ref) for row in rows}
    assert all(n <= 1 for n in copies.values()), copies
    assert not [r for r in rows if r.status in (SMSStatus.QUEUED, SMSStatus.SENDING)]
    for ref, status in by_status.items():
        if status in (SMSStatus.SENT, SMSStatus.DELIVERED):
            assert copies[ref] == 1
        else:
            assert status == SMSStatus.UNKNOWN, (status, fault)
    unknown = [ref for ref, status in by_status.items() if status == SMSStatus.UNKNOWN]
    counted = services.tally([row.pk for row in rows], copies=fake_smsb.copies)
    assert counted == {"messages": MANUAL + REMINDERS, "sent": len(rows) - len(unknown),
                       "unknown": len(unknown), "failed": 0, "pending": 0, "duplicates": 0,
                       "lost": 0}
    expected = FAULTS[fault]
    if expected is RETRIED:
        assert unknown == []
        assert sum(copies.values()) == MANUAL + REMINDERS
    else:
        assert len(unknown) == FAULTY_REQUESTS
        assert {copies[ref] for ref in unknown} == {expected}
        assert sum(copies.values()) == MANUAL + REMINDERS - FAULTY_REQUESTS * (1 - expected)
    if fault not in UNREACHABLE:
        assert fake_smsb.faults == []  # every injected fault was met

    # Settling: a receipt carrying our ref (all the gateway knows of a message whose reply we
    # lost) for what it took; a person's "Send again" for what it did not. Then sweeps again.
    for ref in unknown:
        taken = fake_smsb.find(ref=ref) if copies[ref] else None
        if taken is not None:
            assert services.record_receipt(ref=ref, status="Delivered")
        else:
            services.resend(SMSMessage.objects.get(ref=ref))
    services.send_due_reminders(now=_later())
    fake_smsb.wait_idle()
    final = {row.pk: fake_smsb.copies(row.ref) + sum(fake_smsb.copies(again.ref)
                                                     for again in row.resends.all())
             for row in SMSMessage.objects.filter(resend_of__isnull=True)}
    assert set(final.values()) == {1}  # every patient got their message exactly once
    reminded = Appointment.objects.filter(sms_messages__kind=SMSMessage.Kind.REMINDER)
    assert set(reminded.values_list("reminder_state", flat=True)) == {"sent"}
    assert not SMSMessage.objects.filter(status=SMSStatus.UNKNOWN).exclude(
        resends__isnull=False).exists()


def test_a_person_sends_an_unknown_again_once_and_the_patient_gets_one_copy(
        queue_of_work, fake_smsb, mia_receptionist):
    fake_smsb.fail_next("drop_before")  # the gateway never took it
    first = queue_of_work[0]
    services.deliver(first.pk)
    first.refresh_from_db()
    assert first.status == SMSStatus.UNKNOWN
    refusals = []

    def press_send_again():
        try:
            services.resend(first, actor=mia_receptionist)
        except services.SMSError as exc:
            refusals.append(exc.message)

    _race(press_send_again, press_send_again)  # two people press at once
    again = SMSMessage.objects.get(resend_of=first)
    assert len(refusals) == 1 and "only once" in refusals[0]
    services.dispatch_queued()
    fake_smsb.wait_idle()
    assert fake_smsb.copies(first.ref) + fake_smsb.copies(again.ref) == 1
