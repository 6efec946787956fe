"""Every SMS write: sending, delivery, receipts, replies, reminders. Views, tasks and commands call
these functions; they take ids or rows and raise SMSError with a sentence fit for staff."""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record as audit
from clinics.models import Clinic
from ncc.errors import DomainError
from ncc.phones import to_e164
from patients.models import Patient
from scheduling.models import Appointment

from . import segments
from .models import (
    ClinicSMSSettings,
    Reminder,
    ReminderRule,
    SMSMessage,
    SMSStatus,
    SMSTemplate,
)
from .providers import Provider, TransportError, get_provider
from .providers.smsbroadcast import gateway_number

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30
DISPATCH_CHUNK = 200
RECORD_EVERY = 50
STUCK_AFTER = timedelta(minutes=10)
BALANCE_CACHE_SECONDS = 300
REMINDABLE_STATUSES = ("booked", "confirmed")


class SMSError(DomainError):
    pass


# Settings and templates --------------------------------------------------------------------------

def settings_for(clinic: Clinic | None) -> ClinicSMSSettings:
    """The clinic's SMS settings, or the defaults (unsaved) when it has none yet."""
    if clinic is None:
        return ClinicSMSSettings()
    try:
        return clinic.sms_settings
    except ClinicSMSSettings.DoesNotExist:
        return ClinicSMSSettings(clinic=clinic)


class _Blank(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def placeholders(*, patient: Patient | None = None, appointment: Appointment | None = None,
                 clinic: Clinic | None = None) -> dict:
    clinic = clinic or (appointment.clinic if appointment else None)
    values = {}
    if patient is not None:
        values["first_name"] = patient.called
    if clinic is not None:
        values.update(clinic=f"Walk Easy {clinic.short_name}", address=clinic.short_address,
                      clinic_phone=_local_phone(clinic.phone))
    if appointment is not None:
        local = appointment.starts_at.astimezone(appointment.clinic.tz)
        values.update(date=f"{local:%a} {local.day} {local:%b}",
                      time=local.strftime("%I:%M %p").lstrip("0").replace(":00 ", " "),
                      clinician=appointment.clinician.user.first_name,
                      type=appointment.appointment_type.name)
    return values


def _local_phone(e164: str) -> str:
    if e164.startswith("+61") and len(e164) == 12:
        return "0" + e164[3:]
    return e164


def render(body: str, **objects) -> str:
    """Fill {first_name}, {clinic}, {clinician}, {date}, {time}, {address}, {clinic_phone}; an
    unknown placeholder is left as written so staff see it in the preview."""
    try:
        return body.format_map(_Blank(placeholders(**objects)))
    except (ValueError, IndexError):
        return body  # a stray brace: send the text as written


# Who may be texted ---------------------------------------------------------------------------------

def refusal_reason(patient: Patient) -> str | None:
    """Why this patient cannot be texted, as a sentence, or None."""
    if patient.sms_opted_out_at is not None:
        return (f"{patient.full_name} replied STOP on "
                f"{timezone.localtime(patient.sms_opted_out_at):%d %b %Y} and gets no SMS.")
    if not patient.sms_consent:
        return f"{patient.full_name} has not agreed to receive SMS."
    if not patient.mobile:
        return f"{patient.full_name} has no mobile number on file."
    try:
        gateway_number(patient.mobile)
    except ValueError:
        return (f"{patient.mobile_display} is not an Australian mobile number, so it cannot be "
                f"texted.")
    return None


@dataclass(frozen=True)
class Check:
    body: str
    count: segments.SegmentCount
    limit: int


def check_body(body: str, clinic: Clinic | None) -> Check:
    body = (body or "").strip()
    if not body:
        raise SMSError("Write a message first.", field="body")
    limit = settings_for(clinic).segment_limit
    count = segments.count(body)
    if count.segments > limit:
        extra = ""
        if count.encoding == "UCS-2":
            odd = "".join(segments.non_gsm_characters(body)[:5])
            extra = f" It contains {odd}, which makes every part hold only 67 characters."
        raise SMSError(
            f"This message needs {count.segments} SMS parts ({count.units} characters); the "
            f"clinic allows {limit}. Shorten it.{extra}", field="body", code="too_long")
    return Check(body, count, limit)


# Sending -------------------------------------------------------------------------------------------

def send_sms(*, patient: Patient, body: str, actor=None, clinic: Clinic | None = None,
             appointment: Appointment | None = None,
             kind: str = SMSMessage.Kind.MANUAL) -> SMSMessage:
    """Write the message row (queued) and send it in the background once the row is committed."""
    reason = refusal_reason(patient)
    if reason:
        raise SMSError(reason, code="cannot_text")
    clinic = clinic or (appointment.clinic if appointment else patient.home_clinic)
    sms_settings = settings_for(clinic)
    if not sms_settings.enabled:
        raise SMSError(f"SMS is switched off for {clinic.short_name}.", code="disabled")
    checked = check_body(body, clinic)
    message = SMSMessage.objects.create(
        patient=patient, appointment=appointment, clinic=clinic, number=patient.mobile,
        sender=sms_settings.from_value, body=checked.body, segments=checked.count.segments,
        kind=kind, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if getattr(actor, "is_authenticated", False):
        audit(actor, AuditEvent.Action.CREATE, patient, f"Texted {patient.full_name}")
    _enqueue_delivery(message.pk)
    return message


def resend(message: SMSMessage, actor=None) -> SMSMessage:
    """A person decided to send again a message whose fate is unknown or that failed. Once per
    message: the original row is locked, so two people pressing at once send one copy."""
    with transaction.atomic():
        original = SMSMessage.objects.select_for_update(of=("self",)).select_related(
            "patient", "clinic", "appointment").get(pk=message.pk)
        if not original.can_resend:
            raise SMSError("Only a message that failed, expired or whose outcome is unknown can "
                           "be sent again, and only once.")
        if original.patient is None:
            raise SMSError("This message has no patient to send it to.")
        new = send_sms(patient=original.patient, body=original.body, actor=actor,
                       clinic=original.clinic, appointment=original.appointment,
                       kind=original.kind)
        SMSMessage.objects.filter(pk=new.pk).update(resend_of=original)
        new.resend_of = original
    return new


def mark_delivered(message: SMSMessage, actor=None) -> SMSMessage:
    """A person checked (SMS Broadcast's portal, the patient) that a message whose outcome was
    unknown did arrive: it is settled as delivered and can no longer be sent again."""
    now = timezone.now()
    changed = SMSMessage.objects.filter(
        pk=message.pk, status=SMSStatus.UNKNOWN, direction=SMSMessage.Direction.OUTBOUND,
    ).update(status=SMSStatus.DELIVERED, delivered_at=now, error="")
    message.refresh_from_db()
    if not changed:
        raise SMSError(f"This message is no longer of unknown outcome (it is "
                       f"{message.get_status_display().lower()}); nothing was changed.")
    _mark_reminded(message)
    if message.patient is not None and getattr(actor, "is_authenticated", False):
        audit(actor, AuditEvent.Action.UPDATE, message.patient,
              f"Marked an SMS to {message.patient.full_name} as delivered after checking",
              {"sms_status": [SMSStatus.UNKNOWN, SMSStatus.DELIVERED]})
    return message


def queue_many(patients, body: str, *, clinic: Clinic | None = None) -> list[SMSMessage]:
    """Write one queued message per patient in one insert, enqueueing no task: for bulk sends
    and the exactly-once benchmark. `dispatch_queued` (any number of workers at once, and the
    sweep) then sends each exactly once. Refuses the whole batch if one patient cannot be
    texted."""
    rows, per_clinic = [], {}
    for patient in patients:
        reason = refusal_reason(patient)
        if reason:
            raise SMSError(reason, code="cannot_text")
        clinic_id = clinic.pk if clinic else patient.home_clinic_id
        if clinic_id not in per_clinic:  # settings and the part count once per clinic
            where = clinic or patient.home_clinic
            per_clinic[clinic_id] = (where, settings_for(where), check_body(body, where))
        where, sms_settings, checked = per_clinic[clinic_id]
        rows.append(SMSMessage(patient=patient, clinic=where, number=patient.mobile,
                               sender=sms_settings.from_value, body=checked.body,
                               segments=checked.count.segments))
    return SMSMessage.objects.bulk_create(rows)


FINISHED_WELL = (SMSStatus.SENT, SMSStatus.DELIVERED)


def tally(message_ids, copies=None) -> dict:
    """Count what became of these messages: sent (sent or delivered), unknown, failed, pending
    (still queued or sending). With `copies(ref) -> int` (the gateway's own record, e.g.
    `FakeSMSBroadcast.copies`), also `duplicates` (extra copies the gateway took) and `lost`
    (rows we call sent of which the gateway took none)."""
    rows = list(SMSMessage.objects.filter(pk__in=list(message_ids)).values_list("ref", "status"))
    out = {"messages": len(rows), "sent": 0, "unknown": 0, "failed": 0, "pending": 0}
    for _ref, status in rows:
        if status in FINISHED_WELL:
            out["sent"] += 1
        elif status == SMSStatus.UNKNOWN:
            out["unknown"] += 1
        elif status in (SMSStatus.QUEUED, SMSStatus.SENDING):
            out["pending"] += 1
        else:
            out["failed"] += 1
    if copies is not None:
        taken = {ref: copies(ref) for ref, _status in rows}
        out["duplicates"] = sum(n - 1 for n in taken.values() if n > 1)
        out["lost"] = sum(1 for ref, status in rows if status in FINISHED_WELL and not taken[ref])
    return out


def _enqueue_delivery(message_id) -> None:
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.enqueue(str(message_id)))


def _enqueue_dispatch() -> None:
    from .tasks import dispatch_queued_messages

    transaction.on_commit(lambda: dispatch_queued_messages.enqueue())


def _claim(queryset) -> list[SMSMessage]:
    """Move queued messages to `sending` under a fresh claim token and return the ones this call
    won. The conditional UPDATE (still `queued`) is the claim: when two workers and the sweep pick
    the same rows, each row goes to exactly one of them, and the token tells each which rows
    are its own (PostgreSQL also skips rows another claim has locked)."""
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if not ids:
            return []
        SMSMessage.objects.filter(pk__in=ids, status=SMSStatus.QUEUED).update(
            status=SMSStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now(),
            claim_token=token)
    return list(SMSMessage.objects.filter(claim_token=token, status=SMSStatus.SENDING)
                .select_related("patient", "appointment", "clinic", "clinic__sms_settings")
                .order_by("created_at"))


def _held(message: SMSMessage):
    """The row as long as this worker's claim on it stands."""
    return SMSMessage.objects.filter(pk=message.pk, status=SMSStatus.SENDING,
                                     claim_token=message.claim_token)


def _due_queued(now: datetime):
    return SMSMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status=SMSStatus.QUEUED, direction=SMSMessage.Direction.OUTBOUND,
    ).order_by("created_at")


def deliver(message_id, provider: Provider | None = None) -> SMSMessage | None:
    """Send one queued message now (the background task)."""
    claimed = _claim(_due_queued(timezone.now()).filter(pk=message_id))
    if not claimed:
        return None
    _send_claimed(claimed, provider or get_provider())
    return SMSMessage.objects.get(pk=message_id)


def dispatch_queued(provider: Provider | None = None, limit: int | None = None,
                    now: datetime | None = None) -> dict:
    """Send every queued message that is due, in chunks, one request per message. `now` is the
    moment reminders are judged against (quiet hours, appointment started); default: now."""
    provider = provider or get_provider()
    totals = _new_stats()
    done = 0
    while limit is None or done < limit:
        size = DISPATCH_CHUNK if limit is None else min(DISPATCH_CHUNK, limit - done)
        batch = _claim(_due_queued(now or timezone.now())[:size])
        if not batch:
            break
        stats = _send_claimed(batch, provider, now)
        for key, value in stats.items():
            totals[key] += value
        done += len(batch)
        if stats["paused"]:
            break
    return totals


def _new_stats() -> dict:
    return {"sent": 0, "failed": 0, "retry": 0, "unknown": 0, "held": 0, "paused": 0,
            "gateway_seconds": 0.0}


PAUSE_AFTER_REQUEST_ERROR = timedelta(minutes=5)


def _reminder_problem(message: SMSMessage, now: datetime) -> tuple[str, str | datetime] | None:
    """A reminder whose moment has passed is not sent; one due in the quiet hours waits.
    -> ("fail", reason) or ("hold", until) or None."""
    if message.kind != SMSMessage.Kind.REMINDER:
        return None
    appointment = message.appointment
    if appointment is None or appointment.status not in REMINDABLE_STATUSES:
        return "fail", "Not sent: the appointment was cancelled or is no longer booked."
    if appointment.starts_at <= now:
        return "fail", "Not sent: the appointment had already started."
    if message.clinic is not None:
        sms_settings = settings_for(message.clinic)
        local_now = now.astimezone(message.clinic.tz)
        if _quiet(sms_settings, local_now):
            until = datetime.combine(local_now.date(), sms_settings.quiet_until,
                                     tzinfo=local_now.tzinfo)
            if until <= local_now:
                until += timedelta(days=1)
            return "hold", until
    return None


def _release(messages: list[SMSMessage], until: datetime, note: str = "") -> None:
    """Give claimed messages back to the queue untouched (this attempt does not count)."""
    changes = {"status": SMSStatus.QUEUED, "attempts": F("attempts") - 1, "claimed_at": None,
               "claim_token": None, "next_attempt_at": until}
    if note:
        changes["error"] = note
    for message in messages:
        _held(message).update(**changes)


def _send_claimed(messages: list[SMSMessage], provider: Provider,
                  at: datetime | None = None) -> dict:
    import time

    stats = _new_stats()
    accepted: list[SMSMessage] = []
    for index, message in enumerate(messages):
        now = at or timezone.now()
        problem = _reminder_problem(message, now)
        if problem and problem[0] == "fail":
            _finish(message, SMSStatus.FAILED, error=problem[1])
            stats["failed"] += 1
            continue
        if problem and problem[0] == "hold":
            _release([message], problem[1], "Waiting for the end of the clinic's quiet hours.")
            stats["held"] += 1
            continue
        # A STOP may have arrived after the message was queued: check again right before sending.
        if message.patient is not None:
            reason = refusal_reason(message.patient)
            if reason:
                _finish(message, SMSStatus.FAILED, error=reason)
                stats["failed"] += 1
                continue
        started = time.perf_counter()
        try:
            result = provider.send(to=message.number, body=message.body, sender=message.sender,
                                   ref=message.ref, max_parts=max(message.segments, 1))
        except TransportError as exc:
            stats["gateway_seconds"] += time.perf_counter() - started
            stats[_record_failure(message, exc)] += 1
            if exc.request_level:
                # Credentials or account refused: the rest would fail the same way. Keep them
                # queued, try again in a few minutes, and say why on each of them.
                log.error("SMS Broadcast refused requests (%s); sending paused", exc.message)
                _release(messages[index + 1:], now + PAUSE_AFTER_REQUEST_ERROR,
                         f"Sending paused: {exc.message}")
                stats["paused"] = 1
                break
            continue
        except ValueError:
            stats["gateway_seconds"] += time.perf_counter() - started
            _finish(message, SMSStatus.FAILED, error="The number is not an Australian mobile.")
            stats["failed"] += 1
            continue
        stats["gateway_seconds"] += time.perf_counter() - started
        message.gateway_ref, message.sent_at = result.gateway_ref, timezone.now()
        accepted.append(message)
        stats["sent"] += 1
        if len(accepted) >= RECORD_EVERY:
            _record_sent(accepted)
            accepted = []
    _record_sent(accepted)
    return stats


def _record_sent(messages: list[SMSMessage]) -> None:
    """Store the gateway's references for accepted messages, a few at a time (one commit per
    group, not per message). A worker that dies before this leaves them `sending`, which the
    sweep turns into `unknown`: never resent on its own."""
    if not messages:
        return
    for message in messages:
        message.error, message.next_attempt_at = "", None
    with transaction.atomic():
        SMSMessage.objects.bulk_update(
            messages, ["gateway_ref", "sent_at", "error", "next_attempt_at"])
        # A delivery receipt may already have arrived (matched by our ref): keep its status.
        SMSMessage.objects.filter(pk__in=[m.pk for m in messages], status=SMSStatus.SENDING,
                                  claim_token__in={m.claim_token for m in messages},
                                  ).update(status=SMSStatus.SENT)
        # The book marks a reminded appointment until the patient answers (a new reminder, for a
        # moved appointment, asks again).
        reminded = [m.appointment_id for m in messages
                    if m.kind == SMSMessage.Kind.REMINDER and m.appointment_id]
        if reminded:
            Appointment.objects.filter(pk__in=reminded).update(reminder_state="sent")


def recover_stuck_sending(now: datetime | None = None) -> int:
    """Messages a worker took but never finished (it was killed mid-send): outcome unknown."""
    cutoff = (now or timezone.now()) - STUCK_AFTER
    return SMSMessage.objects.filter(status=SMSStatus.SENDING, claimed_at__lt=cutoff).update(
        status=SMSStatus.UNKNOWN, error="The sender stopped while sending this message; it may "
        "or may not have gone out. It will not be resent automatically.")


def _finish(message: SMSMessage, status: str, *, error: str = "") -> None:
    _held(message).update(status=status, error=error, next_attempt_at=None)


def _record_failure(message: SMSMessage, exc: TransportError) -> str:
    if exc.outcome_unknown:
        # SMS Broadcast may have accepted it: never resend on our own. A receipt with our ref
        # settles it; until then staff see "unknown" and may resend by hand.
        _finish(message, SMSStatus.UNKNOWN,
                error=f"{exc.message} It may or may not have been sent; it will not be resent "
                      f"automatically.")
        return "unknown"
    if exc.permanent:
        _finish(message, SMSStatus.FAILED, error=exc.message)
        return "failed"
    if message.attempts >= MAX_ATTEMPTS:
        _finish(message, SMSStatus.FAILED,
                error=f"{exc.message} Gave up after {message.attempts} attempts.")
        return "failed"
    # Only failures that prove the gateway did not take the message come here (no connection,
    # 429, 500, 503), so sending again cannot give the patient a second copy.
    delay = timedelta(seconds=max(RETRY_BASE_SECONDS * 2 ** (message.attempts - 1),
                                  exc.retry_after or 0))
    retry_at = timezone.now() + delay
    _held(message).update(status=SMSStatus.QUEUED, error=f"{exc.message} Will try again.",
                          next_attempt_at=retry_at, claimed_at=None, claim_token=None)
    _schedule_retry(message.pk, retry_at)
    return "retry"


def _schedule_retry(message_id, retry_at: datetime) -> None:
    from .tasks import deliver_message

    backend = deliver_message.get_backend()
    if backend.supports_defer:
        deliver_message.using(run_after=retry_at).enqueue(str(message_id))
    # Otherwise the periodic sweep's dispatch picks it up once next_attempt_at has passed.


# Delivery receipts and replies -------------------------------------------------------------------

RECEIPT_STATUSES = {"delivered": SMSStatus.DELIVERED, "expired": SMSStatus.EXPIRED,
                    "failed": SMSStatus.FAILED}
RECEIPT_ERRORS = {
    SMSStatus.EXPIRED: "Not delivered in time: the phone may be off or out of range.",
    SMSStatus.FAILED: "The network could not deliver it: the number may be wrong or disconnected.",
}
SETTLEABLE = (SMSStatus.SENDING, SMSStatus.SENT, SMSStatus.UNKNOWN, SMSStatus.QUEUED)


def record_receipt(*, ref: str = "", smsref: str = "", status: str = "", to: str = "") -> bool:
    """Apply an SMS Broadcast status update; idempotent; unknown values are ignored."""
    new_status = RECEIPT_STATUSES.get((status or "").strip().lower())
    if new_status is None:
        log.info("SMS receipt with unrecognised status %r ignored", status)
        return False
    outbound = SMSMessage.objects.filter(direction=SMSMessage.Direction.OUTBOUND)
    message = None
    if smsref:
        message = outbound.filter(gateway_ref=smsref).first()
    if message is None and ref:
        message = outbound.filter(ref=ref).first()
    if message is None:
        log.info("SMS receipt for an unknown message (smsref %s) ignored", smsref)
        return False
    changes = {"status": new_status, "error": RECEIPT_ERRORS.get(new_status, "")}
    if new_status == SMSStatus.DELIVERED:
        changes["delivered_at"] = timezone.now()
    if smsref and not message.gateway_ref:
        changes["gateway_ref"] = smsref
    if message.status == SMSStatus.UNKNOWN and not message.sent_at:
        changes["sent_at"] = timezone.now()
    updated = SMSMessage.objects.filter(pk=message.pk, status__in=SETTLEABLE).update(**changes)
    if updated and new_status == SMSStatus.DELIVERED:
        _mark_reminded(message)
    return bool(updated)


def _mark_reminded(message: SMSMessage) -> None:
    """A reminder whose send reply was lost (unknown) did go out after all: the book marks the
    appointment as reminded until the patient answers, as for any other reminder."""
    if message.appointment_id and message.kind == SMSMessage.Kind.REMINDER:
        Appointment.objects.filter(pk=message.appointment_id, reminder_state="").update(
            reminder_state="sent")


STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "OPTOUT", "OPT OUT", "CANCEL SMS"}
YES_WORDS = {"Y", "YES", "YEP", "YEAH", "CONFIRM", "OK"}
NO_WORDS = {"N", "NO", "NOPE"}


def keyword(text: str) -> str:
    return re.sub(r"[^A-Z ]", "", (text or "").upper()).strip()


def record_inbound(*, from_number: str, message: str, ref: str = "", to: str = "") -> SMSMessage:
    """Store a patient's reply in the conversation and act on Y, N and STOP."""
    try:
        number = to_e164(from_number)
    except ValidationError:
        number = from_number
    if number and not number.startswith("+"):
        number = "+" + number
    digits = re.sub(r"\D", "", from_number or "")
    if digits.startswith("614") and len(digits) == 11:
        number = "+" + digits
    outbound = SMSMessage.objects.filter(direction=SMSMessage.Direction.OUTBOUND)
    original = outbound.filter(ref=ref).select_related("patient", "appointment").first() \
        if ref else None
    if original is None:
        original = (outbound.filter(number=number).select_related("patient", "appointment")
                    .order_by("-created_at").first())
    patient = original.patient if original else None
    if patient is None:
        patient = Patient.objects.filter(mobile=number).order_by("archived", "-updated_at").first()
    appointment = original.appointment if original else None
    clinic = (original.clinic if original else None) or (patient.home_clinic if patient else None)

    now = timezone.now()
    # SMS Broadcast does not document retries of this call: the same text from the same number
    # about the same message within two minutes is taken as a repeat, not a second reply.
    repeat = SMSMessage.objects.filter(
        direction=SMSMessage.Direction.INBOUND, number=number or from_number,
        body=message or "", in_reply_to=original, created_at__gte=now - timedelta(minutes=2),
    ).first()
    if repeat is not None:
        return repeat
    word = keyword(message)
    action, read = SMSMessage.Action.NONE, False
    with transaction.atomic():
        if word in STOP_WORDS and patient is not None:
            if Patient.objects.filter(pk=patient.pk, sms_opted_out_at__isnull=True).update(
                    sms_opted_out_at=now):
                audit(None, AuditEvent.Action.UPDATE, patient,
                      f"{patient.full_name} opted out of SMS by replying STOP",
                      {"sms_opted_out_at": ["None", now.isoformat()]})
            action, read = SMSMessage.Action.OPTED_OUT, True
        elif word in YES_WORDS:
            action, read = _confirm(appointment, now)
        elif word in NO_WORDS:
            action, read = _decline(appointment, now, settings_for(clinic))
        if appointment is not None:
            Appointment.objects.filter(pk=appointment.pk).update(
                reminder_state="call_back" if action == SMSMessage.Action.CALL_BACK
                else "replied")
        inbound = SMSMessage.objects.create(
            direction=SMSMessage.Direction.INBOUND, kind=SMSMessage.Kind.REPLY,
            status=SMSStatus.RECEIVED, patient=patient, appointment=appointment, clinic=clinic,
            number=number or from_number, sender=to, body=message or "", segments=0,
            in_reply_to=original, action=action, read=read,
        )
    return inbound


def _confirm(appointment: Appointment | None, now) -> tuple[str, bool]:
    if appointment is None:
        return SMSMessage.Action.NO_APPOINTMENT, False
    # The status change is written here (not in scheduling) on purpose: only booked -> confirmed,
    # only for an appointment still ahead, so a late Y never revives a cancelled booking.
    changed = Appointment.objects.filter(pk=appointment.pk, status="booked",
                                         starts_at__gt=now).update(status="confirmed",
                                                                   updated_at=now)
    if changed:
        audit(None, AuditEvent.Action.UPDATE, appointment,
              "Confirmed by the patient's SMS reply", {"status": ["booked", "confirmed"]})
    if changed or Appointment.objects.filter(pk=appointment.pk, status="confirmed").exists():
        return SMSMessage.Action.CONFIRMED, True
    return SMSMessage.Action.NO_APPOINTMENT, False


def _decline(appointment: Appointment | None, now, sms_settings) -> tuple[str, bool]:
    if appointment is None:
        return SMSMessage.Action.NO_APPOINTMENT, False
    if sms_settings.no_reply_cancels:
        changed = Appointment.objects.filter(
            pk=appointment.pk, status__in=REMINDABLE_STATUSES, starts_at__gt=now,
        ).update(status="cancelled", cancellation_reason="Patient replied N to the SMS reminder.",
                 updated_at=now)
        if changed:
            audit(None, AuditEvent.Action.UPDATE, appointment,
                  "Cancelled by the patient's SMS reply N", {"status": [appointment.status,
                                                                      "cancelled"]})
            return SMSMessage.Action.CANCELLED, False
    return SMSMessage.Action.CALL_BACK, False


def mark_read(message_ids, read: bool = True) -> int:
    return SMSMessage.objects.filter(pk__in=message_ids,
                                     direction=SMSMessage.Direction.INBOUND).update(read=read)


def unread_count() -> int:
    return SMSMessage.objects.filter(direction=SMSMessage.Direction.INBOUND, read=False).count()


# Reminders ---------------------------------------------------------------------------------------

def _window_end(rule: ReminderRule, local_now: datetime) -> datetime:
    """Appointments starting before this instant are due for this rule's reminder now."""
    if rule.kind == ReminderRule.Kind.HOURS_BEFORE:
        return local_now + timedelta(hours=rule.hours_before)
    # "The day before at HH:MM": at or after HH:MM today, tomorrow's appointments are due.
    days = 2 if local_now.time() >= rule.send_at else 1
    end_day = local_now.date() + timedelta(days=days)
    return datetime.combine(end_day, datetime.min.time(), tzinfo=local_now.tzinfo)


def _quiet(sms_settings: ClinicSMSSettings, local_now: datetime) -> bool:
    t = local_now.time()
    start, end = sms_settings.quiet_from, sms_settings.quiet_until
    if start <= end:
        return start <= t < end
    return t >= start or t < end


def queue_due_reminders(now: datetime | None = None, *, enqueue: bool = True) -> int:
    """Write a queued message and a Reminder row for every appointment whose reminder is due.

    Idempotent: an appointment already reminded for its current start time is skipped, and the
    unique (appointment, rule, starts_at) constraint backs that up when two sweeps overlap. The
    number of queries depends on the number of rules, not on the number of reminders."""
    now = now or timezone.now()
    rules = list(ReminderRule.objects.filter(active=True, clinic__active=True,
                                             template__active=True)
                 .select_related("clinic", "clinic__sms_settings", "template")
                 .prefetch_related("excluded_types"))
    total = 0
    for rule in rules:
        sms_settings = settings_for(rule.clinic)
        if not sms_settings.enabled:
            continue
        local_now = now.astimezone(rule.clinic.tz)
        if _quiet(sms_settings, local_now):
            continue
        try:
            total += _queue_rule(rule, sms_settings, now, _window_end(rule, local_now))
        except IntegrityError:
            # Another sweep wrote the same reminders first; its rows stand, ours rolled back.
            log.info("Reminder sweep for rule %s overlapped another sweep", rule.pk)
    if total and enqueue:
        _enqueue_dispatch()
    return total


def _queue_rule(rule, sms_settings, now, window_end) -> int:
    with transaction.atomic():
        # One sweep per rule at a time (PostgreSQL row lock; SQLite locks the whole database).
        ReminderRule.objects.select_for_update().filter(pk=rule.pk).exists()
        already = Reminder.objects.filter(appointment=OuterRef("pk"), rule=rule,
                                          starts_at=OuterRef("starts_at"))
        due = (Appointment.objects
               .filter(clinic=rule.clinic, status__in=REMINDABLE_STATUSES,
                       starts_at__gt=now, starts_at__lt=window_end,
                       patient__sms_consent=True, patient__sms_opted_out_at__isnull=True,
                       patient__archived=False)
               .exclude(patient__mobile="")
               .exclude(appointment_type__in=[t.pk for t in rule.excluded_types.all()])
               .exclude(Exists(already))
               .select_related("patient", "clinician__user", "clinic", "appointment_type"))
        messages, reminders = [], []
        for appointment in due:
            body = render(rule.template.body, patient=appointment.patient,
                          appointment=appointment)
            count = segments.count(body)
            message = SMSMessage(
                patient=appointment.patient, appointment=appointment, clinic=rule.clinic,
                number=appointment.patient.mobile, sender=sms_settings.from_value, body=body,
                segments=min(count.segments, 10), kind=SMSMessage.Kind.REMINDER,
            )
            if count.segments > sms_settings.segment_limit:
                message.status = SMSStatus.FAILED
                message.error = (f"The reminder needs {count.segments} SMS parts; the clinic "
                                 f"allows {sms_settings.segment_limit}. Shorten the template.")
            messages.append(message)
            reminders.append(Reminder(appointment=appointment, rule=rule,
                                      starts_at=appointment.starts_at, message=message))
        if messages:
            SMSMessage.objects.bulk_create(messages)
            Reminder.objects.bulk_create(reminders)
        return len(messages)


def send_due_reminders(now: datetime | None = None, provider: Provider | None = None,
                       dispatch: bool = True) -> dict:
    """The sweep: queue due reminders, then send everything queued (in this process)."""
    recover_stuck_sending()
    queued = queue_due_reminders(now, enqueue=not dispatch)
    stats = dispatch_queued(provider, now=now) if dispatch else {}
    return {"queued": queued, **stats}


# Balance -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Balance:
    credits: int | None
    error: str = ""


def account_balance(provider: Provider | None = None, *, fresh: bool = False) -> Balance:
    """Credits left, cached for a few minutes so the settings page does not wait on the gateway
    at every visit; a failure is shown, not cached."""
    from django.core.cache import cache

    key = f"sms-balance:{settings.SMS_PROVIDER}:{settings.SMSB_API_URL}:{settings.SMSB_USERNAME}"
    if not fresh and provider is None and (cached := cache.get(key)) is not None:
        return Balance(cached)
    try:
        credits = (provider or get_provider()).balance()
    except TransportError as exc:
        return Balance(None, exc.message)
    cache.set(key, credits, BALANCE_CACHE_SECONDS)
    return Balance(credits)


def default_template() -> SMSTemplate:
    template, _ = SMSTemplate.objects.get_or_create(
        name="Reminder (day before)",
        defaults={"is_reminder": True, "body": (
            "Hi {first_name}, reminder: {clinic}, {date} {time} with {clinician}. "
            "Reply Y to confirm, N to cancel.")},
    )
    return template


def callback_token() -> str:
    return settings.SMS_CALLBACK_TOKEN
