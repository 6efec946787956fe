"""Every write to the appointment book goes through here.

No double booking: each write checks for an overlapping appointment of the same clinician inside
a transaction. On SQLite the transaction takes the write lock at BEGIN (transaction_mode
IMMEDIATE), so two bookings cannot both pass the check. On PostgreSQL an exclusion constraint
(migration 0003) refuses the second of two racing inserts; we turn its IntegrityError into the
same message that names the appointment in the way.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from ncc.errors import DomainError

from .models import Appointment, AppointmentStatus, EmailStatus, TimeOff
from .queries import working_intervals

OVERLAP_CONSTRAINT = "appointment_clinician_no_overlap"

# Codes of problems a person may override by confirming (the dialog asks, the API takes
# "confirm": true). Everything else is a hard no.
CONFIRMABLE = {"past", "outside_working_hours", "time_off"}

# One click moves an appointment along; any status may also be set from the dialog.
NEXT_STATUS = {
    AppointmentStatus.BOOKED: AppointmentStatus.ARRIVED,
    AppointmentStatus.CONFIRMED: AppointmentStatus.ARRIVED,
    AppointmentStatus.ARRIVED: AppointmentStatus.COMPLETED,
}


class BookingError(DomainError):
    code = "booking"

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.extra.get("needs_confirmation"))


def clock(dt: datetime) -> str:
    """9:15 am."""
    return f"{dt.hour % 12 or 12}:{dt.minute:02d} {'am' if dt.hour < 12 else 'pm'}"


def clock_range(start: datetime, end: datetime) -> str:
    """9:15–9:45 am, or 11:45 am–12:15 pm across noon."""
    a, b = clock(start), clock(end)
    if a[-2:] == b[-2:]:
        return f"{a[:-3]}–{b}"
    return f"{a}–{b}"


def conflicting_appointment(clinician, starts_at, ends_at, exclude_pk=None):
    qs = (Appointment.objects.filter(clinician=clinician, starts_at__lt=ends_at,
                                     ends_at__gt=starts_at)
          .exclude(status=AppointmentStatus.CANCELLED)
          .select_related("patient", "clinic"))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("starts_at").first()


def _conflict_error(clinician, starts_at, ends_at, exclude_pk=None) -> BookingError:
    other = conflicting_appointment(clinician, starts_at, ends_at, exclude_pk)
    if other is None:  # the other booking was cancelled in the meantime
        return BookingError(f"{clinician.display_name} already has another appointment at that "
                            "time. Refresh the book and try again.", code="conflict")
    tz = other.clinic.tz
    when = clock_range(other.starts_at.astimezone(tz), other.ends_at.astimezone(tz))
    day = other.starts_at.astimezone(tz).date()
    on = "" if day == starts_at.astimezone(tz).date() else f" on {day:%a} {day.day} {day:%b}"
    return BookingError(
        f"{clinician.display_name} already has {other.patient.full_name} {when}{on}.",
        code="conflict", conflicting_appointment=str(other.pk),
    )


def _is_overlap_violation(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name == OVERLAP_CONSTRAINT or OVERLAP_CONSTRAINT in str(exc)


@dataclass
class Slot:
    clinician: object
    clinic: object
    starts_at: datetime
    ends_at: datetime


def _check_hard(slot: Slot, *, patient=None, appointment_type=None, exclude_pk=None) -> None:
    """Rules nobody may override."""
    clinic, clinician = slot.clinic, slot.clinician
    if slot.ends_at <= slot.starts_at:
        raise BookingError("The end time must be after the start time.", field="ends_at",
                           code="end_before_start")
    if appointment_type is not None and not appointment_type.active:
        raise BookingError(f"The appointment type “{appointment_type.name}” is no longer offered; "
                           "choose another type.", field="appointment_type", code="inactive_type")
    if patient is not None and patient.archived:
        raise BookingError(f"{patient.full_name} is archived. Restore the patient's record "
                           "before booking.", field="patient", code="archived_patient")
    if not clinician.active:
        raise BookingError(f"{clinician.display_name} no longer takes appointments.",
                           field="clinician", code="inactive_clinician")
    if appointment_type is not None and not appointment_type.may_be_booked_with(clinician):
        raise BookingError(f"{clinician.display_name} is not booked for "
                           f"“{appointment_type.name}”; choose one of the clinicians it lists.",
                           field="appointment_type", code="type_not_for_clinician")
    if not any(c.pk == clinic.pk for c in clinician.clinics.all()):
        raise BookingError(f"{clinician.display_name} does not work at {clinic.short_name}.",
                           field="clinician", code="wrong_clinic")
    start, end = slot.starts_at.astimezone(clinic.tz), slot.ends_at.astimezone(clinic.tz)
    hours = clinic.hours_on(start.weekday())
    if hours is None:
        raise BookingError(f"{clinic.short_name} is closed on {start:%A}s.", field="starts_at",
                           code="outside_opening_hours")
    opens, closes = hours
    opens_at = datetime.combine(start.date(), opens, tzinfo=clinic.tz)
    closes_at = datetime.combine(start.date(), closes, tzinfo=clinic.tz)
    if start < opens_at or end > closes_at:
        raise BookingError(
            f"{clinic.short_name} is open {clock_range(opens_at, closes_at)} on {start:%A}s; "
            f"{clock_range(start, end)} is outside those hours.",
            field="starts_at", code="outside_opening_hours")
    if conflicting_appointment(clinician, slot.starts_at, slot.ends_at, exclude_pk):
        raise _conflict_error(clinician, slot.starts_at, slot.ends_at, exclude_pk)


def warnings_for(slot: Slot, *, check_past: bool = True) -> list[tuple[str, str]]:
    """Problems a person may accept: [(code, sentence)]."""
    out = []
    clinic, clinician = slot.clinic, slot.clinician
    start, end = slot.starts_at.astimezone(clinic.tz), slot.ends_at.astimezone(clinic.tz)
    if check_past and slot.starts_at < timezone.now():
        out.append(("past", f"{start:%a} {start.day} {start:%b} at {clock(start)} is in the past."))
    intervals = working_intervals(clinician, clinic, start.date())
    if not any(s <= start and end <= e for s, e in intervals):
        if intervals:
            hours = ", ".join(clock_range(s, e) for s, e in intervals)
            text = f"{clinician.display_name} works {hours} on {start:%A}s at {clinic.short_name}."
        else:
            text = (f"{clinician.display_name} does not work at {clinic.short_name} "
                    f"on {start:%A}s.")
        out.append(("outside_working_hours", text))
    away = (TimeOff.objects.filter(clinician=clinician, starts_at__lt=slot.ends_at,
                                   ends_at__gt=slot.starts_at).first())
    if away:
        why = f" ({away.reason})" if away.reason else ""
        out.append(("time_off", f"{clinician.display_name} is away{why} at that time."))
    return out


# Functions (patient, local date of the visit) -> [(code, sentence)] that other apps register
# (clinical: a referral used up or expired) without this module importing them.
PATIENT_BOOKING_WARNINGS: list = []


def _check(slot: Slot, *, confirm: bool, check_past: bool = True, **kw) -> None:
    _check_hard(slot, **kw)
    problems = warnings_for(slot, check_past=check_past)
    if kw.get("patient") is not None and check_past:
        day = slot.starts_at.astimezone(slot.clinic.tz).date()
        for warn in PATIENT_BOOKING_WARNINGS:
            problems.extend(warn(kw["patient"], day))
    if problems and not confirm:
        raise BookingError(
            " ".join(text for _, text in problems) + " Book anyway?",
            code=problems[0][0], needs_confirmation=True, warnings=[c for c, _ in problems],
        )


def _save_guarded(appointment: Appointment, slot: Slot, exclude_pk=None) -> None:
    """Save; on PostgreSQL the exclusion constraint may still refuse a racing booking."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if _is_overlap_violation(exc):
            raise _conflict_error(slot.clinician, slot.starts_at, slot.ends_at,
                                  exclude_pk) from exc
        raise


def _queue_email(appointment: Appointment, kind: str) -> None:
    """Record what will happen to the confirmation email and enqueue it after commit."""
    from .tasks import send_appointment_email

    if not appointment.patient.email:
        status, detail = EmailStatus.SKIPPED, "No email address on file."
    else:
        status, detail = EmailStatus.PENDING, f"Queued ({kind})."
    # A new email (or Resend by hand) starts the automatic retries afresh.
    Appointment.objects.filter(pk=appointment.pk).update(
        confirmation_email_status=status, confirmation_email_detail=detail,
        confirmation_email_at=timezone.now(), confirmation_email_kind=kind,
        confirmation_email_attempts=0, confirmation_email_retry_at=None)
    appointment.confirmation_email_status = status
    appointment.confirmation_email_detail = detail
    if status == EmailStatus.PENDING:
        pk = str(appointment.pk)
        transaction.on_commit(lambda: send_appointment_email.enqueue(pk, kind))


def book_appointment(*, actor, patient, clinician, clinic, appointment_type, starts_at,
                     ends_at=None, notes: str = "", reason: str = "",
                     confirm: bool = False) -> Appointment:
    ends_at = ends_at or starts_at + timedelta(minutes=appointment_type.duration_minutes)
    slot = Slot(clinician, clinic, starts_at, ends_at)
    try:
        with transaction.atomic():
            _check(slot, confirm=confirm, patient=patient, appointment_type=appointment_type)
            appointment = Appointment(
                patient=patient, clinician=clinician, clinic=clinic,
                appointment_type=appointment_type, starts_at=starts_at, ends_at=ends_at,
                notes=notes, reason=reason,
                created_by=actor if getattr(actor, "is_authenticated", False) else None)
            _save_guarded(appointment, slot)
            record(actor, AuditEvent.Action.CREATE, appointment,
                   f"Booked {patient.full_name} with {clinician.display_name} "
                   f"{starts_at.astimezone(clinic.tz):%Y-%m-%d %H:%M}")
            _queue_email(appointment, "booked")
    except IntegrityError as exc:  # raised at COMMIT on some backends
        if _is_overlap_violation(exc):
            raise _conflict_error(clinician, starts_at, ends_at) from exc
        raise
    return appointment


def update_appointment(appointment: Appointment, *, actor, starts_at=None, ends_at=None,
                       clinician=None, appointment_type=None, notes=None, reason=None,
                       confirm: bool = False) -> Appointment:
    """Edit or move. A move keeps the length unless a new end is given."""
    if appointment.is_cancelled:
        raise BookingError("This appointment is cancelled; book a new one instead.",
                           code="cancelled")
    new_start = starts_at or appointment.starts_at
    if ends_at is None:
        length = (appointment.ends_at - appointment.starts_at)
        if appointment_type is not None and appointment_type.pk != appointment.appointment_type_id:
            length = timedelta(minutes=appointment_type.duration_minutes)
        ends_at = new_start + length
    new_clinician = clinician or appointment.clinician
    new_type = appointment_type or appointment.appointment_type
    moved = (new_start != appointment.starts_at or ends_at != appointment.ends_at
             or new_clinician.pk != appointment.clinician_id)
    slot = Slot(new_clinician, appointment.clinic, new_start, ends_at)
    with transaction.atomic():
        if moved or new_type.pk != appointment.appointment_type_id:
            type_changed = new_type.pk != appointment.appointment_type_id
            _check(slot, confirm=confirm, check_past=moved,
                   appointment_type=new_type if type_changed else None,
                   exclude_pk=appointment.pk)
        before = (appointment.starts_at, appointment.clinician.display_name)
        appointment.starts_at, appointment.ends_at = new_start, ends_at
        appointment.clinician, appointment.appointment_type = new_clinician, new_type
        if notes is not None:
            appointment.notes = notes
        if reason is not None:
            appointment.reason = reason
        if moved:
            appointment.sequence += 1
        _save_guarded(appointment, slot, exclude_pk=appointment.pk)
        tz = appointment.clinic.tz
        summary = (f"Moved from {before[0].astimezone(tz):%Y-%m-%d %H:%M} with {before[1]} to "
                   f"{new_start.astimezone(tz):%Y-%m-%d %H:%M} with {new_clinician.display_name}"
                   if moved else "Edited appointment")
        record(actor, AuditEvent.Action.UPDATE, appointment, summary)
        if moved:
            _queue_email(appointment, "moved")
    return appointment


def move_appointment(appointment: Appointment, *, actor, starts_at, clinician=None,
                     confirm: bool = False) -> Appointment:
    return update_appointment(appointment, actor=actor, starts_at=starts_at, clinician=clinician,
                              confirm=confirm)


def cancel_appointment(appointment: Appointment, *, actor, reason: str) -> Appointment:
    reason = (reason or "").strip()
    if not reason:
        raise BookingError("Give a reason for cancelling.", field="cancellation_reason",
                           code="reason_required")
    if appointment.is_cancelled:
        raise BookingError("This appointment is already cancelled.", code="cancelled")
    with transaction.atomic():
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancellation_reason = reason[:200]
        appointment.sequence += 1
        appointment.save(update_fields=["status", "cancellation_reason", "sequence",
                                        "updated_at"])
        record(actor, AuditEvent.Action.UPDATE, appointment, f"Cancelled: {reason}"[:300])
        _queue_email(appointment, "cancelled")
    return appointment


def set_status(appointment: Appointment, status: str, *, actor) -> Appointment:
    if status not in AppointmentStatus.values:
        raise BookingError("Unknown status.", field="status", code="bad_status")
    if status == AppointmentStatus.CANCELLED:
        raise BookingError("Cancel with a reason instead.", field="status", code="reason_required")
    if appointment.is_cancelled:
        raise BookingError("This appointment is cancelled; book a new one instead.",
                           code="cancelled")
    if status == appointment.status:
        return appointment
    old = appointment.get_status_display()
    with transaction.atomic():
        appointment.status = status
        appointment.save(update_fields=["status", "updated_at"])
        record(actor, AuditEvent.Action.UPDATE, appointment,
               f"Status {old} → {appointment.get_status_display()}")
    return appointment


def resend_confirmation(appointment: Appointment, *, actor) -> Appointment:
    kind = "cancelled" if appointment.is_cancelled else "booked"
    with transaction.atomic():
        _queue_email(appointment, kind)
    return appointment


@dataclass
class Occurrence:
    day: date
    starts_at: datetime
    appointment: Appointment | None = None
    error: str = ""
    code: str = ""

    @property
    def booked(self) -> bool:
        return self.appointment is not None


def book_recurring(*, every_weeks: int, times: int, starts_at: datetime, clinic,
                   **kw) -> list[Occurrence]:
    """Book the same local time every N weeks, M times. Each occurrence stands alone: those that
    fail are reported with the reason and the rest are still booked."""
    if not 1 <= every_weeks <= 52:
        raise BookingError("Repeat every 1 to 52 weeks.", field="every_weeks", code="bad_repeat")
    if not 1 <= times <= 52:
        raise BookingError("Book 1 to 52 times.", field="times", code="bad_repeat")
    local = starts_at.astimezone(clinic.tz)
    out = []
    for i in range(times):
        day = local.date() + timedelta(weeks=every_weeks * i)
        # Same wall-clock time in the clinic, whatever daylight saving does in between.
        start = datetime.combine(day, local.time(), tzinfo=clinic.tz)
        occ = Occurrence(day=day, starts_at=start)
        try:
            occ.appointment = book_appointment(starts_at=start, clinic=clinic, **kw)
        except BookingError as exc:
            occ.error, occ.code = exc.message, exc.code
        out.append(occ)
    return out
