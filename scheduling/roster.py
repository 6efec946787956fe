"""A clinician's roster: weekly spans per clinic (breaks between spans, alternating A/B weeks) and
time off. A change that would leave booked appointments outside the clinician's hours lists them
first and is saved only when the person confirms."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from ncc.errors import DomainError

from .models import Appointment, AppointmentStatus, RosterWeek, TimeOff, WorkingHours
from .queries import HoursRow, intervals_from_rows
from .services import clock, clock_range

HORIZON_WEEKS = 26  # how far ahead a roster change is checked against booked appointments
LIVE = [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.ARRIVED]
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a|p)?"
_SPAN = re.compile(rf"^\s*{_TIME}\s*(?:-|–|—|to)\s*{_TIME}\s*$", re.IGNORECASE)


class RosterError(DomainError):
    """The change would orphan booked appointments: `orphans` lists them."""

    def __init__(self, message, orphans, **kw):
        super().__init__(message, code="orphans", **kw)
        self.orphans = orphans


def _to_time(h: str, m: str | None, ampm: str | None, other_ampm: str | None) -> time:
    hour, minute = int(h), int(m or 0)
    ampm = (ampm or other_ampm or "").lower()[:1]
    if ampm == "p" and hour < 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    elif not ampm and 1 <= hour <= 6:
        hour += 12  # "1-5" on a clinic roster is the afternoon
    if hour > 23 or minute > 59:
        raise ValidationError(f"{h}:{m or '00'} is not a time of day.")
    return time(hour, minute)


def parse_spans(text: str) -> list[tuple[time, time]]:
    """'8:30-12:30, 1:30pm-5' -> [(08:30, 12:30), (13:30, 17:00)]; blank: not working."""
    spans = []
    for part in [p for p in re.split(r"[,;\n]", text or "") if p.strip()]:
        m = _SPAN.match(part)
        if not m:
            raise ValidationError(f"“{part.strip()}” is not a span like 8:30–12:30.")
        h1, m1, ap1, h2, m2, ap2 = m.groups()
        starts = _to_time(h1, m1, ap1, None)
        ends = _to_time(h2, m2, ap2, None)
        if ends <= starts:
            raise ValidationError(f"“{part.strip()}” ends before it starts.")
        spans.append((starts, ends))
    spans.sort()
    for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
        if s2 < e1:
            raise ValidationError("Two spans overlap; leave a gap for a break.")
    return spans


def format_spans(spans) -> str:
    return ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans)


@dataclass
class Orphan:
    appointment: Appointment

    @property
    def label(self) -> str:
        a = self.appointment
        local = a.local_starts_at
        return (f"{local:%a} {local.day} {local:%b}, {clock(local)}: {a.patient.full_name} "
                f"({a.appointment_type.name}) at {a.clinic.short_name}")


def _future_appointments(clinician, **filters):
    return (Appointment.objects.filter(clinician=clinician, status__in=LIVE,
                                       starts_at__gte=timezone.now(), **filters)
            .select_related("patient", "clinic", "appointment_type").order_by("starts_at"))


def orphans_of_roster(clinician, clinic, rows: list[HoursRow]) -> list[Orphan]:
    """Booked appointments at `clinic` in the next weeks that the new rows leave outside."""
    others = [HoursRow(r.clinician_id, r.clinic_id, r.weekday, r.starts, r.ends, r.week)
              for r in WorkingHours.objects.filter(clinician=clinician).exclude(clinic=clinic)]
    all_rows = others + rows
    out = []
    horizon = timezone.now() + timedelta(weeks=HORIZON_WEEKS)
    for a in _future_appointments(clinician, clinic=clinic, starts_at__lt=horizon):
        start, end = a.local_starts_at, a.local_ends_at
        spans = intervals_from_rows(all_rows, clinic, start.date(), has_any_rows=True)
        if not any(s <= start and end <= e for s, e in spans):
            out.append(Orphan(a))
    return out


@transaction.atomic
def set_roster(clinician, clinic, spans_by_day: dict[tuple[int, int], list[tuple[time, time]]],
               *, actor, confirm: bool = False) -> int:
    """Replace the clinician's rows at `clinic` with `spans_by_day` {(week, weekday): spans}.

    A clinician without any rows works every clinic's opening hours; their first roster keeps
    that for the other clinics (as rows) so setting one clinic does not empty the others."""
    rows = [HoursRow(clinician.pk, clinic.pk, weekday, s, e, week)
            for (week, weekday), spans in spans_by_day.items() for s, e in spans]
    orphans = orphans_of_roster(clinician, clinic, rows)
    if orphans and not confirm:
        raise RosterError(f"{len(orphans)} booked appointment{'s' if len(orphans) != 1 else ''} "
                          "would fall outside the new hours. Move them, or save anyway and "
                          "they stay booked outside the roster.", orphans)
    if not WorkingHours.objects.filter(clinician=clinician).exists():
        WorkingHours.objects.bulk_create([
            WorkingHours(clinician=clinician, clinic=other, weekday=h.weekday, starts=h.opens,
                         ends=h.closes)
            for other in clinician.clinics.exclude(pk=clinic.pk)
            for h in other.opening_hours.all()])
    WorkingHours.objects.filter(clinician=clinician, clinic=clinic).delete()
    WorkingHours.objects.bulk_create([
        WorkingHours(clinician=clinician, clinic=clinic, weekday=r.weekday, week=r.week,
                     starts=r.starts, ends=r.ends) for r in rows])
    summary = "; ".join(
        f"{RosterWeek(week).label if week else ''} {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d]} "
        f"{format_spans(spans)}".strip()
        for (week, d), spans in sorted(spans_by_day.items()) if spans) or "not working"
    audit.record(actor, "update", clinician,
                 f"Roster of {clinician.display_name} at {clinic.short_name} changed",
                 {"roster": summary, "orphans_accepted": len(orphans)})
    return len(rows)


def orphans_of_time_off(clinician, starts_at: datetime, ends_at: datetime) -> list[Orphan]:
    return [Orphan(a) for a in _future_appointments(clinician, starts_at__lt=ends_at,
                                                    ends_at__gt=starts_at)]


@transaction.atomic
def add_time_off(clinician, *, starts_at: datetime, ends_at: datetime, reason: str, actor,
                 confirm: bool = False) -> TimeOff:
    if ends_at <= starts_at:
        raise DomainError("The time off must end after it starts.", field="ends_at")
    if not reason.strip():
        raise DomainError("Say why (leave, training, conference…).", field="reason")
    orphans = orphans_of_time_off(clinician, starts_at, ends_at)
    if orphans and not confirm:
        raise RosterError(f"{clinician.display_name} has {len(orphans)} booked appointment"
                          f"{'s' if len(orphans) != 1 else ''} in that time. Move them, or save "
                          "anyway.", orphans)
    away = TimeOff.objects.create(clinician=clinician, starts_at=starts_at, ends_at=ends_at,
                                  reason=reason.strip())
    audit.record(actor, "create", away,
                 f"Time off for {clinician.display_name}: {reason.strip()}",
                 {"from": starts_at.isoformat(), "to": ends_at.isoformat(),
                  "orphans_accepted": len(orphans)})
    return away


@transaction.atomic
def remove_time_off(away: TimeOff, *, actor) -> None:
    audit.record(actor, "update", away.clinician,
                 f"Time off removed for {away.clinician.display_name}: {away.reason}",
                 {"from": away.starts_at.isoformat(), "to": away.ends_at.isoformat()})
    away.delete()


def describe_time_off(away: TimeOff, tz) -> str:
    s, e = away.starts_at.astimezone(tz), away.ends_at.astimezone(tz)
    if s.date() == e.date():
        return f"{s:%a} {s.day} {s:%b %Y}, {clock_range(s, e)}"
    last = e - timedelta(minutes=1) if e.time() == time.min else e
    return f"{s:%a} {s.day} {s:%b} – {last:%a} {last.day} {last:%b %Y}"


def upcoming_time_off(clinician, today: date):
    start = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    return TimeOff.objects.filter(clinician=clinician, ends_at__gt=start).order_by("starts_at")
