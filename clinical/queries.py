"""Reads that more than one page needs: the note as a form or as text, the clinician's day, the
patient's timeline and clinical alerts."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from .answers import display_value, suggested_risk
from .models import FEET, Addendum, Attachment, Letter, Note, NoteStatus, Referral


def form_sections(schema, answers: dict, errors: dict | None = None) -> list[dict]:
    """The note's questions with their current values, ready for the form template."""
    errors = errors or {}
    out = []
    for section in schema:
        qs = []
        for q in section.get("questions", []):
            value = answers.get(q["key"])
            if q.get("per_foot"):
                value = value or {}
                fields = [{"name": f"{q['key']}__{foot}", "label": label,
                           "value": value.get(foot, [] if q["kind"] == "checkboxes" else ""),
                           "error": errors.get(f"{q['key']}__{foot}")} for foot, label in FEET]
            else:
                fields = [{"name": q["key"], "label": "",
                           "value": value if value is not None else
                           ([] if q["kind"] == "checkboxes" else ""),
                           "error": errors.get(q["key"])}]
            qs.append({**q, "fields": fields})
        out.append({"title": section["title"], "questions": qs})
    return out


def display_sections(schema, answers: dict) -> list[dict]:
    out = []
    for section in schema:
        rows = [{"label": q["label"], "value": display_value(q, answers[q["key"]])}
                for q in section.get("questions", [])
                if answers.get(q["key"]) not in (None, "", [], {})]
        if rows:
            out.append({"title": section["title"], "rows": rows})
    return out


def risk_suggestion(note: Note):
    if not any(q["key"] == "risk_category" for s in note.schema for q in s.get("questions", [])):
        return None
    return suggested_risk(note.answers)


ALERT_CONDITIONS = ("Diabetes", "Anticoagulants", "Peripheral vascular disease", "Kidney disease")


def clinical_alerts(patient) -> list[str]:
    """What a clinician must not miss: the patient's own alerts, plus allergies and conditions
    recorded in their latest signed note that asks about them."""
    alerts = [line.strip() for line in (patient.alerts or "").splitlines() if line.strip()]
    latest = (Note.objects.filter(patient=patient, status=NoteStatus.SIGNED)
              .filter(Q(answers__has_key="allergies") | Q(answers__has_key="medical_history"))
              .only("answers").order_by("-occurred_at").first())
    if latest:
        allergies = latest.answers.get("allergies")
        if allergies and allergies.strip().lower() not in ("nil", "none", "nkda", "no"):
            alerts.append(f"Allergies: {allergies}")
        history = latest.answers.get("medical_history") or []
        alerts.extend(c for c in ALERT_CONDITIONS if c in history and
                      not any(c.lower() in a.lower() for a in alerts))
    return alerts


@dataclass
class DayVisit:
    appointment: object
    note: Note | None

    @property
    def note_status(self) -> str:
        return self.note.status if self.note else "none"


def my_day(clinician, day, now: datetime | None = None) -> dict:
    """The clinician's visits on `day` (a date in each clinic's own zone) across all their
    clinics: the next patient first, then the rest of the day, then those already seen."""
    from scheduling.models import Appointment, AppointmentStatus

    now = now or timezone.now()
    # A day in Perth and a day in Sydney start at different instants: take a wide UTC window and
    # keep the visits whose local date is the day.
    window_start = datetime.combine(day, time.min, tzinfo=UTC) - timedelta(
        hours=14)
    appointments = list(
        Appointment.objects.filter(clinician=clinician, starts_at__gte=window_start,
                                   starts_at__lt=window_start + timedelta(hours=48))
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("patient", "clinic", "appointment_type").order_by("starts_at"))
    appointments = [a for a in appointments if a.local_starts_at.date() == day]
    notes = {n.appointment_id: n for n in Note.objects.filter(
        appointment__in=[a.pk for a in appointments]).only("id", "status", "appointment_id")}
    visits = [DayVisit(a, notes.get(a.pk)) for a in appointments]
    done = {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW}
    ahead = [v for v in visits if v.appointment.status not in done and v.appointment.ends_at > now]
    behind = [v for v in visits if v not in ahead]
    # "Older than today" in the zone of the day's first clinic (or the practice's zone).
    tz = appointments[0].clinic.tz if appointments else timezone.get_current_timezone()
    start_of_day = datetime.combine(day, time.min, tzinfo=tz)
    unsigned = list(Note.objects.filter(author=clinician.user, status=NoteStatus.DRAFT,
                                        occurred_at__lt=start_of_day)
                    .select_related("patient").only("id", "title", "occurred_at",
                                                    "patient__first_name", "patient__last_name",
                                                    "patient__preferred_name")
                    .order_by("occurred_at"))
    return {"next": ahead[0] if ahead else None, "later": ahead[1:], "seen": behind,
            "unsigned": unsigned, "count": len(visits)}


TIMELINE_KINDS = [("note", "Notes"), ("addendum", "Addenda"), ("attachment", "Attachments"),
                  ("letter", "Letters"), ("referral", "Referrals")]


@dataclass
class TimelineEntry:
    kind: str
    when: datetime
    author: str
    title: str
    excerpt: str
    url: str
    obj: object


TIMELINE_PAGE = 50


def timeline(patient, *, kinds=None, author_id=None, q: str = "", limit: int = TIMELINE_PAGE,
             show_content: bool = True) -> list[TimelineEntry]:
    """The patient's clinical record newest first: one query per kind, whatever its size."""
    kinds = set(kinds or [k for k, _ in TIMELINE_KINDS])
    q = q.strip()
    entries: list[TimelineEntry] = []

    def by_author(qs, field="author"):
        return qs.filter(**{f"{field}_id": author_id}) if author_id else qs

    if "note" in kinds:
        notes = by_author(Note.objects.filter(patient=patient))
        if q:
            notes = notes.filter(Q(body_text__icontains=q) | Q(title__icontains=q))
        for n in notes.select_related("author").defer("schema", "answers")[:limit]:
            entries.append(TimelineEntry(
                "note", n.occurred_at, n.author.get_full_name(),
                f"{n.title} · {n.get_status_display()}",
                n.body_text[:240] if show_content else "", n.get_absolute_url(), n))
    if "addendum" in kinds:
        addenda = by_author(Addendum.objects.filter(note__patient=patient))
        if q:
            addenda = addenda.filter(text__icontains=q)
        for a in addenda.select_related("author", "note").only(
                "text", "created_at", "note__id", "note__title", "author__first_name",
                "author__last_name", "author__email")[:limit]:
            entries.append(TimelineEntry(
                "addendum", a.created_at, a.author.get_full_name(),
                f"Addendum to {a.note.title}", a.text[:240] if show_content else "",
                a.note.get_absolute_url(), a))
    if "attachment" in kinds:
        files = by_author(Attachment.objects.filter(patient=patient), "uploaded_by")
        if q:
            files = files.filter(Q(original_name__icontains=q) | Q(description__icontains=q))
        for f in files.select_related("uploaded_by")[:limit]:
            entries.append(TimelineEntry(
                "attachment", f.created_at, f.uploaded_by.get_full_name(),
                f"{f.get_kind_display()}: {f.original_name}", f.description,
                f.get_absolute_url(), f))
    if "letter" in kinds:
        letters = by_author(Letter.objects.filter(patient=patient))
        if q:
            letters = letters.filter(Q(subject__icontains=q) | Q(body__icontains=q)
                                     | Q(recipient_name__icontains=q))
        for letter in letters.select_related("author").defer("body")[:limit]:
            entries.append(TimelineEntry(
                "letter", letter.created_at, letter.author.get_full_name(),
                f"Letter to {letter.recipient_name} · {letter.get_status_display()}",
                letter.subject if show_content else "", letter.get_absolute_url(), letter))
    if "referral" in kinds:
        referrals = by_author(Referral.objects.filter(patient=patient), "created_by")
        if q:
            referrals = referrals.filter(Q(referrer__name__icontains=q) | Q(notes__icontains=q))
        for r in referrals.select_related("referrer", "created_by")[:limit]:
            entries.append(TimelineEntry(
                "referral", datetime.combine(r.issued_on, datetime.min.time(),
                                             tzinfo=patient.home_clinic.tz),
                r.created_by.get_full_name() if r.created_by else "",
                f"{r.get_kind_display()} referral" + (f" from {r.referrer}" if r.referrer else ""),
                r.notes, "", r))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
