"""Reads of the appointment book that views, the API and services share.

The book is laid out in wall-clock minutes of the clinic's zone: 9:00 is 9:00 on a daylight-saving
change day too. Each day view is a fixed number of queries whatever the number of appointments:
clinicians, their working hours, time off, appointments (with patient and type joined).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import IntegerField, Prefetch, QuerySet, Value
from django.utils import timezone

from clinics.models import Clinician, OpeningHours

from .models import Appointment, AppointmentStatus, TimeOff, WorkingHours, roster_week_of

ROW_PX = 22  # height of one slot row
DEFAULT_HOURS = (time(8), time(18))


def slot_minutes() -> int:
    minutes = int(getattr(settings, "BOOK_SLOT_MINUTES", 15))
    return minutes if minutes in (5, 10, 15, 20, 30) else 15


def local_day_bounds(clinic, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which `day` starts and ends in the clinic's zone (23 or 25 hours long
    on DST change days)."""
    start = datetime.combine(day, time.min, tzinfo=clinic.tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clinic.tz)
    return start, end


# What a block on the grid shows. Read as tuples into BookEntry: a week of 400 appointments
# costs a few milliseconds instead of building 1,200 model instances.
GRID_FIELDS = ("id", "patient_id", "clinician_id", "starts_at", "ends_at", "status", "is_paid",
               "confirmation_email_status", "reminder_state", "patient__first_name",
               "patient__last_name", "patient__alerts", "appointment_type__name",
               "appointment_type__colour")


class PatientBrief(NamedTuple):
    full_name: str
    alerts: str


class TypeBrief(NamedTuple):
    name: str
    colour: str


class BookEntry:
    """One appointment as the grid draws it."""

    __slots__ = ("pk", "patient_id", "clinician_id", "starts_at", "ends_at", "status", "is_paid",
                 "email_status", "patient", "appointment_type", "local_start", "local_end", "minutes",
                 "editable", "next_status", "next_status_label", "time_label", "badges",
                 "reminder_state")

    def __init__(self, row, types: dict):
        (self.pk, self.patient_id, self.clinician_id, self.starts_at, self.ends_at, self.status,
         self.is_paid, self.email_status, self.reminder_state, first, last, alerts, type_name,
         colour) = row
        self.patient = PatientBrief(f"{first} {last}", alerts)
        self.badges = ()
        key = (type_name, colour)
        if key not in types:
            types[key] = TypeBrief(type_name, colour)
        self.appointment_type = types[key]

    @property
    def is_cancelled(self) -> bool:
        return self.status == AppointmentStatus.CANCELLED


def book_entries(qs) -> list[BookEntry]:
    types: dict = {}
    return [BookEntry(row, types) for row in qs.order_by("starts_at").values_list(*GRID_FIELDS)]


def appointments_for_clinic_day(clinic, day: date, include_cancelled: bool = True) -> QuerySet:
    start, end = local_day_bounds(clinic, day)
    qs = Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    return qs.order_by("starts_at")


def _opening_by_weekday(clinic) -> dict[int, tuple[time, time]]:
    return {h.weekday: (h.opens, h.closes) for h in clinic.opening_hours.all()}


class HoursRow(NamedTuple):
    clinician_id: int | None
    clinic_id: int
    weekday: int
    starts: time
    ends: time
    week: int = 0

    def applies_to(self, day: date) -> bool:
        return self.weekday == day.weekday() and self.week in (0, roster_week_of(day))


def hours_for(clinic, **working_hours_filter) -> tuple[dict, dict[int, list[HoursRow]]]:
    """The clinic's opening hours and the WorkingHours rows of some clinicians, in ONE query
    (UNION ALL): the book is drawn in a fixed, small number of queries."""
    opening = (OpeningHours.objects.filter(clinic=clinic).order_by()
               .annotate(cid=Value(None, output_field=IntegerField()),
                         wk=Value(0, output_field=IntegerField()))
               .values_list("cid", "clinic_id", "weekday", "opens", "closes", "wk"))
    working = (WorkingHours.objects.filter(**working_hours_filter).order_by()
               .values_list("clinician_id", "clinic_id", "weekday", "starts", "ends", "week"))
    by_weekday, rows = {}, {}
    for row in opening.union(working, all=True):
        row = HoursRow(*row)
        if row.clinician_id is None:
            by_weekday[row.weekday] = (row.starts, row.ends)
        else:
            rows.setdefault(row.clinician_id, []).append(row)
    return by_weekday, rows


def intervals_from_rows(rows, clinic, day: date, opening: dict | None = None,
                        has_any_rows: bool | None = None) -> list[tuple[datetime, datetime]]:
    """Local (start, end) datetimes a clinician works at `clinic` on `day`.

    `rows` are all the clinician's WorkingHours (any clinic). No rows at all: the clinician
    works the clinic's opening hours (new clinicians, demo data)."""
    rows = list(rows)
    has_any = bool(rows) if has_any_rows is None else has_any_rows
    if not has_any:
        opening = _opening_by_weekday(clinic) if opening is None else opening
        hours = opening.get(day.weekday())
        spans = [hours] if hours else []
    else:
        spans = sorted((r.starts, r.ends) for r in rows
                       if r.clinic_id == clinic.pk and r.applies_to(day))
    return [(datetime.combine(day, s, tzinfo=clinic.tz), datetime.combine(day, e, tzinfo=clinic.tz))
            for s, e in spans]


def working_intervals(clinician, clinic, day: date) -> list[tuple[datetime, datetime]]:
    rows = WorkingHours.objects.filter(clinician=clinician)
    return intervals_from_rows(rows, clinic, day)


def default_working_hours(clinician, clinic) -> list[WorkingHours]:
    """Unsaved rows copying the clinic's opening hours: a starting point for the settings form."""
    return [WorkingHours(clinician=clinician, clinic=clinic, weekday=h.weekday, starts=h.opens,
                         ends=h.closes) for h in clinic.opening_hours.all()]


def _minutes(dt: datetime) -> int:
    return dt.hour * 60 + dt.minute


@dataclass
class Block:
    """Something placed on the grid: an appointment, or shading."""
    top: int
    height: int
    appointment: Appointment | None = None
    label: str = ""
    kind: str = ""


@dataclass
class Column:
    key: str
    title: str
    subtitle: str
    day: date
    clinician: Clinician
    blocks: list[Block] = field(default_factory=list)
    shades: list[Block] = field(default_factory=list)
    is_today: bool = False
    closed: bool = False


@dataclass
class Grid:
    day_start: int  # minutes after local midnight
    day_end: int
    step: int
    rows: list[tuple[int, str, bool]]  # minute, label, full hour?
    height: int
    px_per_min: float
    now_top: int | None = None


def make_grid(spans: list[tuple[time, time]], now_local: datetime | None, days: list[date]) -> Grid:
    step = slot_minutes()
    spans = spans or [DEFAULT_HOURS]
    start = min(_minutes(s) for s, _ in spans)
    end = max(_minutes(e) if e != time.min else 1440 for _, e in spans)
    start -= start % step
    end += (-end) % step
    rows = []
    for m in range(start, end, step):
        h, mm = divmod(m, 60)
        label = f"{h % 12 or 12} {'am' if h < 12 else 'pm'}" if mm == 0 else f":{mm:02d}"
        rows.append((m, label, mm == 0))
    ppm = ROW_PX / step
    grid = Grid(start, end, step, rows, round((end - start) * ppm), ppm)
    if now_local is not None and now_local.date() in days:
        m = _minutes(now_local)
        if start <= m <= end:
            grid.now_top = round((m - start) * ppm)
    return grid


def _shades(grid: Grid, intervals, away, day_tz) -> list[Block]:
    """Grey blocks for the times a clinician is not working (outside intervals) or away."""
    out = []
    cursor = grid.day_start
    for s, e in sorted(intervals):
        a, b = _minutes(s), _minutes(e)
        if a > cursor:
            out.append(Block(round((cursor - grid.day_start) * grid.px_per_min),
                             round((a - cursor) * grid.px_per_min), kind="off"))
        cursor = max(cursor, b)
    if cursor < grid.day_end:
        out.append(Block(round((cursor - grid.day_start) * grid.px_per_min),
                         round((grid.day_end - cursor) * grid.px_per_min), kind="off"))
    day, tz = day_tz
    lo, hi = local_day_bounds_tz(tz, day)
    for t in away:
        if t.ends_at <= lo or t.starts_at >= hi:
            continue
        s = max(t.starts_at, lo).astimezone(tz)
        e = min(t.ends_at, hi).astimezone(tz)
        a = max(_minutes(s), grid.day_start)
        b = grid.day_end if e >= hi.astimezone(tz) else min(_minutes(e), grid.day_end)
        if b > a:
            out.append(Block(round((a - grid.day_start) * grid.px_per_min),
                             round((b - a) * grid.px_per_min), kind="away",
                             label=t.reason or "Away"))
    return out


def local_day_bounds_tz(tz, day: date):
    return (datetime.combine(day, time.min, tzinfo=tz),
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz))


def _place(grid: Grid, appointment: BookEntry, tz) -> Block:
    s = appointment.starts_at.astimezone(tz)
    e = appointment.ends_at.astimezone(tz)
    a = _minutes(s)
    b = _minutes(e) if e.date() == s.date() else 1440
    top = round((a - grid.day_start) * grid.px_per_min)
    height = max(round((b - a) * grid.px_per_min), 14)
    appointment.local_start = s
    appointment.local_end = e
    appointment.minutes = round((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
    block = Block(top, height, appointment=appointment)
    block.span = (appointment.starts_at, appointment.ends_at)
    return block


def _lane_out(blocks: list[Block]) -> None:
    """Cancelled appointments shown beside live ones share the width instead of hiding them."""
    for b in blocks:
        b.lane, b.lanes = 0, 1
    active_end = []
    for b in sorted(blocks, key=lambda b: b.span):
        overlapping = [o for o in active_end if o.span[1] > b.span[0]]
        used = {o.lane for o in overlapping}
        lane = 0
        while lane in used:
            lane += 1
        b.lane = lane
        group = overlapping + [b]
        n = max(o.lane for o in group) + 1
        for o in group:
            o.lanes = max(o.lanes, n)
        active_end = group


def clinicians_for(clinic) -> list[Clinician]:
    return list(Clinician.objects.filter(clinics=clinic, active=True).select_related("user"))


def day_book(clinic, day: date, *, include_cancelled: bool = False,
             now: datetime | None = None) -> dict:
    """Everything the day view draws: one column per active clinician of the clinic."""
    tz = clinic.tz
    now_local = (now or timezone.now()).astimezone(tz)
    clinicians = clinicians_for(clinic)
    opening, working = hours_for(clinic, clinician__in=[c.pk for c in clinicians])
    hours = opening.get(day.weekday())
    grid = make_grid([hours] if hours else list(opening.values()), now_local, [day])
    lo, hi = local_day_bounds(clinic, day)
    away = list(TimeOff.objects.filter(clinician__in=clinicians, starts_at__lt=hi, ends_at__gt=lo))
    appts = book_entries(appointments_for_clinic_day(clinic, day, include_cancelled))
    columns = []
    for c in clinicians:
        rows = working.get(c.pk, [])
        intervals = intervals_from_rows(rows, clinic, day, opening) if hours else []
        col = Column(key=str(c.pk), title=c.display_name, subtitle=c.profession, day=day,
                     clinician=c, is_today=day == now_local.date(), closed=not hours)
        col.shades = _shades(grid, intervals, [t for t in away if t.clinician_id == c.pk],
                             (day, tz))
        col.blocks = [_place(grid, a, tz) for a in appts if a.clinician_id == c.pk]
        _lane_out(col.blocks)
        col.booked = sum(1 for b in col.blocks if not b.appointment.is_cancelled)
        # Not rostered today and nothing booked: a narrow column, so 12 clinicians fit.
        col.off = bool(hours) and not intervals and not col.blocks
        c.initials = initials(c.display_name)
        columns.append(col)
    return {"grid": grid, "columns": columns, "closed": not hours, "appointments": appts,
            "off_count": sum(1 for c in columns if c.off),
            "hours": hours}


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_book(clinic, clinician: Clinician, day: date, *, include_cancelled: bool = False,
              now: datetime | None = None) -> dict:
    """One clinician's week (Monday to Sunday) at one clinic: one column per day."""
    tz = clinic.tz
    now_local = (now or timezone.now()).astimezone(tz)
    monday = week_start(day)
    days = [monday + timedelta(days=i) for i in range(7)]
    opening, working = hours_for(clinic, clinician=clinician)
    grid = make_grid(list(opening.values()), now_local, days)
    lo, _ = local_day_bounds(clinic, monday)
    _, hi = local_day_bounds(clinic, days[-1])
    rows = working.get(clinician.pk, [])
    away = list(TimeOff.objects.filter(clinician=clinician, starts_at__lt=hi, ends_at__gt=lo))
    qs = Appointment.objects.filter(clinician=clinician, clinic=clinic, starts_at__gte=lo,
                                    starts_at__lt=hi)
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    appts = book_entries(qs)
    by_day: dict[date, list[BookEntry]] = {}
    for a in appts:
        by_day.setdefault(a.starts_at.astimezone(tz).date(), []).append(a)
    columns = []
    for d in days:
        hours = opening.get(d.weekday())
        intervals = intervals_from_rows(rows, clinic, d, opening, has_any_rows=bool(rows)) \
            if hours else []
        col = Column(key=d.isoformat(), title=f"{d:%a} {d.day}", subtitle=f"{d:%b}", day=d,
                     clinician=clinician, is_today=d == now_local.date(), closed=not hours)
        col.shades = _shades(grid, intervals, away, (d, tz))
        col.blocks = [_place(grid, a, tz) for a in by_day.get(d, [])]
        _lane_out(col.blocks)
        col.booked = sum(1 for b in col.blocks if not b.appointment.is_cancelled)
        columns.append(col)
    return {"grid": grid, "columns": columns, "appointments": appts, "days": days}


TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof"}


def initials(name: str) -> str:
    """'Dr Mary-Anne O'Brien' -> 'MO': first and last name, titles left out."""
    words = [w for w in name.split() if w[:1].isalpha() and w.rstrip(".").lower() not in TITLES]
    return "".join(w[0] for w in (words[:1] + words[-1:] if len(words) > 1 else words)).upper()


def clinic_week_book(clinic, clinicians: list[Clinician], day: date, *,
                     include_cancelled: bool = False, now: datetime | None = None) -> dict:
    """The whole clinic's week: one column per day, split into one lane per clinician (same order
    every day, so a clinician is always in the same place). Same queries as one clinician's week:
    hours, time off, appointments."""
    tz = clinic.tz
    now_local = (now or timezone.now()).astimezone(tz)
    monday = week_start(day)
    days = [monday + timedelta(days=i) for i in range(7)]
    pks = [c.pk for c in clinicians]
    opening, working = hours_for(clinic, clinician__in=pks)
    grid = make_grid(list(opening.values()), now_local, days)
    lo, _ = local_day_bounds(clinic, monday)
    _, hi = local_day_bounds(clinic, days[-1])
    away = list(TimeOff.objects.filter(clinician__in=pks, starts_at__lt=hi, ends_at__gt=lo))
    qs = Appointment.objects.filter(clinician__in=pks, clinic=clinic, starts_at__gte=lo,
                                    starts_at__lt=hi)
    if not include_cancelled:
        qs = qs.exclude(status=AppointmentStatus.CANCELLED)
    appts = book_entries(qs)
    by_key: dict[tuple[date, int], list[BookEntry]] = {}
    for a in appts:
        by_key.setdefault((a.starts_at.astimezone(tz).date(), a.clinician_id), []).append(a)
    n = max(len(clinicians), 1)
    for c in clinicians:
        c.initials = initials(c.display_name)
    columns = []
    for d in days:
        hours = opening.get(d.weekday())
        col = Column(key=d.isoformat(), title=f"{d:%a} {d.day}", subtitle=f"{d:%b}", day=d,
                     clinician=None, is_today=d == now_local.date(), closed=not hours)
        col.lanes = clinicians
        for i, c in enumerate(clinicians):
            rows = working.get(c.pk, [])
            intervals = (intervals_from_rows(rows, clinic, d, opening, has_any_rows=bool(rows))
                         if hours else [])
            shades = _shades(grid, intervals, [t for t in away if t.clinician_id == c.pk],
                             (d, tz))
            for sh in shades:
                sh.x, sh.w = i / n, 1 / n
            col.shades.extend(shades)
            blocks = [_place(grid, a, tz) for a in by_key.get((d, c.pk), [])]
            _lane_out(blocks)
            for b in blocks:
                b.x, b.w = (i + b.lane / b.lanes) / n, 1 / (n * b.lanes)
                b.clinician = c
            col.blocks.extend(blocks)
        col.booked = sum(1 for b in col.blocks if not b.appointment.is_cancelled)
        columns.append(col)
    return {"grid": grid, "columns": columns, "appointments": appts, "days": days,
            "lanes": clinicians}


def next_appointment_for(patient, after: datetime | None = None):
    return (Appointment.objects.filter(patient=patient, starts_at__gte=after or timezone.now())
            .exclude(status=AppointmentStatus.CANCELLED)
            .select_related("clinic", "clinician__user", "appointment_type")
            .order_by("starts_at").first())


def free_slots(clinician, appointment_type, start_day: date, end_day: date, clinic=None,
               now: datetime | None = None) -> list[dict]:
    """Start times (every slot step) where `appointment_type` fits: inside opening hours and the
    clinician's working hours, not overlapping a live appointment or time off, not in the past."""
    now = now or timezone.now()
    step = timedelta(minutes=slot_minutes())
    length = timedelta(minutes=appointment_type.duration_minutes)
    clinics = [clinic] if clinic else list(clinician.clinics.filter(active=True)
                                           .prefetch_related(Prefetch(
                                               "opening_hours",
                                               queryset=OpeningHours.objects.all())))
    rows = list(WorkingHours.objects.filter(clinician=clinician))
    lo = min(local_day_bounds(c, start_day)[0] for c in clinics) if clinics else None
    hi = max(local_day_bounds(c, end_day)[1] for c in clinics) if clinics else None
    if lo is None:
        return []
    busy = [(a.starts_at, a.ends_at) for a in Appointment.objects.filter(
        clinician=clinician, starts_at__lt=hi, ends_at__gt=lo,
    ).exclude(status=AppointmentStatus.CANCELLED).only("starts_at", "ends_at")]
    busy += [(t.starts_at, t.ends_at) for t in TimeOff.objects.filter(
        clinician=clinician, starts_at__lt=hi, ends_at__gt=lo)]
    busy.sort()
    out = []
    for c in clinics:
        opening = _opening_by_weekday(c)
        d = start_day
        while d <= end_day:
            hours = opening.get(d.weekday())
            if hours:
                o_start = datetime.combine(d, hours[0], tzinfo=c.tz)
                o_end = datetime.combine(d, hours[1], tzinfo=c.tz)
                for s, e in intervals_from_rows(rows, c, d, opening, has_any_rows=bool(rows)):
                    s, e = max(s, o_start), min(e, o_end)
                    t = s
                    while t + length <= e:
                        end = t + length
                        if t >= now and not any(bs < end and be > t for bs, be in busy):
                            out.append({"clinic": c.pk, "starts_at": t, "ends_at": end})
                        t += step
            d += timedelta(days=1)
    out.sort(key=lambda s: s["starts_at"])
    return out
