"""Every write to the clinical record: notes (draft, sign, addenda), attachments, referrers,
referrals and letters. Each raises ClinicalError with a sentence for staff, and writes an audit
row with the acting user."""

import copy

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from ncc.errors import DomainError

from . import permissions
from .answers import body_text, clean_answers, questions
from .models import Addendum, Note, NoteStatus, NoteTemplate


class ClinicalError(DomainError):
    code = "clinical"


class SignedNoteError(ClinicalError):
    http_status = 409
    code = "note_signed"

    def __init__(self, note=None):
        super().__init__("This note is signed and can no longer be changed; add an addendum "
                         "instead.")


# Notes -----------------------------------------------------------------------------------------

def start_note(*, actor, patient, template: NoteTemplate, appointment=None,
               carry_forward: bool = False) -> Note:
    """Open a note for a visit (or, without one, for the patient today). A visit has one note: a
    second click, or a colleague at the same time, gets the note that exists."""
    if appointment is not None:
        if appointment.patient_id != patient.pk:
            raise ClinicalError("That appointment belongs to another patient.")
        existing = Note.objects.filter(appointment=appointment).first()
        if existing:
            return existing
    if not permissions.can_start_note(actor, appointment):
        raise ClinicalError("Only the visit's clinician can write its note.", code="forbidden")
    if not template.active:
        raise ClinicalError(f"The template {template.name} is retired; choose another.",
                            field="template")
    schema = copy.deepcopy(template.schema)
    answers = carried_forward_answers(patient, schema, template) if carry_forward else {}
    note = Note(patient=patient, appointment=appointment, author=actor, template=template,
                title=template.name, schema=schema, answers=answers,
                body_text=body_text(schema, answers),
                occurred_at=appointment.starts_at if appointment else timezone.now())
    try:
        with transaction.atomic():
            note.save()
            record(actor, AuditEvent.Action.CREATE, note,
                   f"Started {note.title} for {patient.full_name}")
    except IntegrityError:
        if appointment is not None:  # lost the race for this visit's note
            return Note.objects.get(appointment=appointment)
        raise
    return note


def carried_forward_answers(patient, schema, template=None) -> dict:
    """The patient's previous note's answers to the questions this note asks (same key and kind),
    preferring a note from the same template."""
    previous = Note.objects.filter(patient=patient).order_by("-occurred_at")
    if template is not None and previous.filter(template=template).exists():
        previous = previous.filter(template=template)
    latest = previous.only("schema", "answers").first()
    if latest is None:
        return {}
    kinds = {q["key"]: (q["kind"], bool(q.get("per_foot"))) for q in questions(latest.schema)}
    return {q["key"]: copy.deepcopy(latest.answers[q["key"]]) for q in questions(schema)
            if q["key"] in latest.answers
            and kinds.get(q["key"]) == (q["kind"], bool(q.get("per_foot")))}


def _locked(note: Note) -> Note:
    return Note.objects.select_for_update().get(pk=note.pk)


@transaction.atomic
def save_draft(note: Note, *, actor, raw_answers: dict) -> tuple[Note, dict]:
    """Autosave: store what the clinician has typed so far. Returns (note, errors by field);
    a value of the wrong kind (a number that is not) is left out and reported."""
    note = _locked(note)
    if note.is_signed:
        raise SignedNoteError(note)
    if not permissions.can_edit_note(actor, note):
        raise ClinicalError("Only the author can change this draft.", code="forbidden")
    answers, errors = clean_answers(note.schema, raw_answers)
    if answers != note.answers:
        note.answers = answers
        note.body_text = body_text(note.schema, answers)
        note.save(update_fields=["answers", "body_text", "updated_at"])
        record(actor, AuditEvent.Action.UPDATE, note, f"Saved draft {note.title}")
    return note, errors


@transaction.atomic
def sign_note(note: Note, *, actor) -> Note:
    note = _locked(note)
    if note.is_signed:
        raise SignedNoteError(note)
    if not permissions.can_edit_note(actor, note):
        raise ClinicalError("Only the author can sign this note.", code="forbidden")
    if not note.answers:
        raise ClinicalError("The note is empty; write something before signing.")
    note.status = NoteStatus.SIGNED
    note.signed_at = timezone.now()
    note.signed_by = actor
    note.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    record(actor, AuditEvent.Action.UPDATE, note, f"Signed {note.title}")
    return note


@transaction.atomic
def add_addendum(note: Note, *, actor, text: str) -> Addendum:
    note = _locked(note)
    text = (text or "").strip()
    if not note.is_signed:
        raise ClinicalError("Sign the note first; until then, change it directly.")
    if not permissions.can_add_addendum(actor, note):
        raise ClinicalError("Only the note's author or an admin can add an addendum.",
                            code="forbidden")
    if not text:
        raise ClinicalError("Write the addendum first.", field="text")
    addendum = Addendum.objects.create(note=note, author=actor, text=text[:10_000])
    record(actor, AuditEvent.Action.CREATE, addendum, f"Added an addendum to {note.title}")
    return addendum


def record_note_read(actor, note: Note, how: str = "page") -> None:
    record(actor, AuditEvent.Action.VIEW, note,
           f"Read {note.title} of {note.patient.full_name} ({how})")


# Attachments -----------------------------------------------------------------------------------

def sniff_file_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the file's own bytes, never from its name or the browser's
    claim; None for anything we do not keep."""
    if head.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


THUMBNAIL_SIZE = (480, 480)


def _check_image_and_thumbnail(uploaded) -> bytes:
    """Decode the whole image (a file that only starts like a JPEG is refused) and return a
    JPEG thumbnail, turned upright as the camera held it."""
    from io import BytesIO

    from PIL import Image, ImageOps, UnidentifiedImageError

    uploaded.seek(0)
    try:
        with Image.open(uploaded) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_SIZE)
            out = BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=82)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ClinicalError("This image could not be read; it may be damaged or not an image.",
                            field="file") from exc
    finally:
        uploaded.seek(0)
    return out.getvalue()


def upload_attachment(*, actor, patient, uploaded, note=None, description: str = "",
                      kind: str | None = None):
    """Keep a photo, PDF or scanned letter in the storage (filesystem or the bucket). The type
    is taken from the content; the size is limited; images get a thumbnail."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    from .models import Attachment

    if not permissions.can_add_attachment(actor):
        raise ClinicalError("Your role cannot add clinical files.", code="forbidden")
    if note is not None and note.patient_id != patient.pk:
        raise ClinicalError("That note belongs to another patient.")
    limit = settings.CLINICAL_ATTACHMENT_MAX_BYTES
    if uploaded.size > limit:
        raise ClinicalError(f"{uploaded.name} is {uploaded.size / 1048576:.1f} MB; the limit is "
                            f"{limit // 1048576} MB.", field="file", code="too_large")
    if uploaded.size == 0:
        raise ClinicalError(f"{uploaded.name} is empty.", field="file")
    uploaded.seek(0)
    sniffed = sniff_file_type(uploaded.read(16))
    uploaded.seek(0)
    if sniffed is None:
        raise ClinicalError(f"{uploaded.name} is not a JPEG, PNG, WebP photo or a PDF (judged by "
                            "its content, not its name).", field="file", code="file_type")
    content_type, extension = sniffed
    thumb = _check_image_and_thumbnail(uploaded) if content_type.startswith("image/") else None
    attachment = Attachment(
        patient=patient, note=note, content_type=content_type, extension=extension,
        kind=kind or (Attachment.Kind.PHOTO if thumb else Attachment.Kind.DOCUMENT),
        original_name=uploaded.name[-200:], size=uploaded.size, description=description[:200],
        uploaded_by=actor)
    with transaction.atomic():
        attachment.file.save("upload", uploaded, save=False)
        if thumb:
            attachment.thumbnail.save("thumb.jpg", ContentFile(thumb), save=False)
        try:
            attachment.save()
        except Exception:
            # The row failed: do not leave an orphan file in the bucket.
            attachment.file.delete(save=False)
            if thumb:
                attachment.thumbnail.delete(save=False)
            raise
        record(actor, AuditEvent.Action.CREATE, attachment,
               f"Added {attachment.get_kind_display().lower()} {attachment.original_name} for "
               f"{patient.full_name}")
    return attachment


def record_attachment_read(actor, attachment, what: str = "file") -> None:
    record(actor, AuditEvent.Action.VIEW, attachment,
           f"Opened {what} {attachment.original_name} of patient {attachment.patient_id}")


# Referrals -------------------------------------------------------------------------------------

def _referral_window(referral, on_day):
    """The dates whose completed visits count against the referral. Medicare CDM counts five
    allied-health visits per calendar year, so the window is the referral's part of that year."""
    from datetime import date

    from .models import Referral

    start, end = referral.issued_on, referral.expires_on or date.max
    if referral.kind == Referral.Kind.MEDICARE_CDM:
        start = max(start, date(on_day.year, 1, 1))
        end = min(end, date(on_day.year, 12, 31))
    return start, end


def referral_usage(referral, on_day=None) -> dict:
    """{'used', 'allowed', 'period', 'problem'}: visits used are the patient's completed
    appointments in the referral's window; problem is a sentence when it is used up or expired."""
    from scheduling.models import Appointment, AppointmentStatus

    from .models import Referral

    on_day = on_day or timezone.localdate()
    allowed = referral.visits_allowed
    start, end = _referral_window(referral, on_day)
    used = Appointment.objects.filter(
        patient_id=referral.patient_id, status=AppointmentStatus.COMPLETED,
        starts_at__date__gte=start, starts_at__date__lte=end).count() if allowed else 0
    problem = ""
    if referral.expires_on and referral.expires_on < on_day:
        problem = f"Expired {referral.expires_on:%d/%m/%Y}"
    elif allowed and used >= allowed:
        problem = f"All {allowed} visits used"
    period = str(on_day.year) if referral.kind == Referral.Kind.MEDICARE_CDM else ""
    return {"referral": referral, "used": used, "allowed": allowed, "period": period,
            "problem": problem}


def referral_summaries(patient, on_day=None) -> list[dict]:
    return [referral_usage(r, on_day) for r in
            patient.referrals.select_related("referrer").order_by("-issued_on")[:10]]


def referral_warnings(patient, day) -> list[tuple[str, str]]:
    """Booking warnings: the patient's latest referral of each funded kind is used up or has
    expired by the visit's day. [(code, sentence)] like scheduling's own warnings."""
    from .models import Referral

    latest = {}
    for referral in (patient.referrals.exclude(kind=Referral.Kind.PRIVATE)
                     .filter(issued_on__lte=day).order_by("-issued_on")):
        latest.setdefault(referral.kind, referral)
    out = []
    for referral in latest.values():
        usage = referral_usage(referral, day)
        if usage["problem"]:
            out.append(("referral", f"{patient.full_name}'s {referral.get_kind_display()} "
                                    f"referral: {usage['problem'].lower()}."))
    return out


@transaction.atomic
def save_referral(*, actor, patient, referral=None, **fields):
    from .models import Referral

    creating = referral is None
    referral = referral or Referral(patient=patient, created_by=actor)
    for name, value in fields.items():
        setattr(referral, name, value)
    if referral.kind == Referral.Kind.MEDICARE_CDM and not referral.visits_allowed:
        referral.visits_allowed = Referral.CDM_VISITS_PER_YEAR
    referral.full_clean()
    referral.save()
    record(actor, AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, referral,
           f"{'Added' if creating else 'Changed'} {referral.get_kind_display()} referral for "
           f"{patient.full_name}")
    return referral


@transaction.atomic
def save_referrer(*, actor, referrer=None, **fields):
    from .models import Referrer

    creating = referrer is None
    referrer = referrer or Referrer()
    for name, value in fields.items():
        setattr(referrer, name, value)
    referrer.full_clean()
    referrer.save()
    record(actor, AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, referrer,
           f"{'Added' if creating else 'Changed'} referrer {referrer.name}")
    return referrer


# Letters ---------------------------------------------------------------------------------------

def _letter_recipient(patient):
    """The referrer of the patient's latest referral, else the referring GP on file."""
    referral = (patient.referrals.filter(referrer__isnull=False).select_related("referrer")
                .order_by("-issued_on").first())
    if referral:
        return referral.referrer, referral.referrer.name, referral.referrer.email
    return None, patient.referring_gp.split(",")[0].strip(), ""


def letter_body_from_note(note, recipient_name: str) -> str:
    from .queries import risk_suggestion

    patient = note.patient
    clinician = getattr(note.author, "clinician", None)
    signature = clinician.display_name if clinician else note.author.get_full_name()
    profession = clinician.profession if clinician else ""
    lines = [f"Dear {recipient_name or 'Doctor'},", "",
             f"Re: {patient.full_name}, born {patient.date_of_birth:%d/%m/%Y}"
             + (f", Medicare {patient.medicare_display}" if patient.medicare_number else ""), "",
             f"Thank you for referring {patient.called}. I saw {patient.called} on "
             f"{timezone.localtime(note.occurred_at):%d/%m/%Y} for a "
             f"{note.title.lower()}. My findings:", "", note.body_text]
    risk = risk_suggestion(note)
    if risk:
        chosen = note.answers.get("risk_category") or risk[0]
        from .shipped import RISK_REVIEW_INTERVAL

        lines += ["", f"Diabetes-related foot disease risk category: {chosen}. I will review "
                      f"{patient.called}'s feet {RISK_REVIEW_INTERVAL.get(chosen, risk[1])}."]
    lines += ["", "Please contact me if you have any questions.", "", "Kind regards,", "",
              signature] + ([profession] if profession else [])
    return "\n".join(lines)


@transaction.atomic
def draft_letter(note, *, actor):
    from .models import Letter

    if not permissions.can_write_letters(actor):
        raise ClinicalError("Your role cannot write clinical letters.", code="forbidden")
    if not note.is_signed:
        raise ClinicalError("Sign the note before writing a letter from it.")
    referrer, name, email = _letter_recipient(note.patient)
    letter = Letter.objects.create(
        patient=note.patient, note=note, referrer=referrer, recipient_name=name or "Doctor",
        recipient_email=email, author=actor,
        subject=f"{note.title}: {note.patient.full_name}",
        body=letter_body_from_note(note, name))
    record(actor, AuditEvent.Action.CREATE, letter,
           f"Drafted a letter to {letter.recipient_name} about {note.patient.full_name}")
    return letter


@transaction.atomic
def update_letter(letter, *, actor, **fields):
    from .models import Letter

    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.pdf_id:
        raise ClinicalError("This letter has been filed; write a new one to change it.",
                            code="letter_final")
    for name in ("recipient_name", "recipient_email", "subject", "body"):
        if name in fields:
            setattr(letter, name, fields[name])
    letter.full_clean()
    letter.save()
    record(actor, AuditEvent.Action.UPDATE, letter, f"Edited letter {letter.subject}")
    return letter


def render_letter_pdf(letter) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    clinic = letter.note.appointment.clinic if letter.note and letter.note.appointment else \
        letter.patient.home_clinic
    html = render_to_string("clinical/letter_pdf.html", {"letter": letter, "clinic": clinic})
    return HTML(string=html).write_pdf()


@transaction.atomic
def file_letter(letter, *, actor):
    """Render the letter to PDF once and file it in the patient's record; from then on the
    letter is final (what was sent is what is filed)."""
    from django.core.files.base import ContentFile

    from .models import Attachment, Letter

    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if letter.pdf_id:
        return letter
    pdf = render_letter_pdf(letter)
    upload = ContentFile(pdf, name=f"Letter to {letter.recipient_name}.pdf"[:120])
    letter.pdf = upload_attachment(actor=actor, patient=letter.patient, uploaded=upload,
                                   note=letter.note, description=letter.subject,
                                   kind=Attachment.Kind.LETTER)
    letter.save(update_fields=["pdf", "updated_at"])
    return letter


def send_letter(letter, *, actor):
    """File the PDF and have the worker email it; the letter shows Sending, then Sent or
    Failed with the reason (and can be sent again)."""
    from .models import Letter
    from .tasks import email_letter

    if not letter.recipient_email:
        raise ClinicalError("Enter the recipient's email address first.",
                            field="recipient_email")
    with transaction.atomic():
        letter = file_letter(letter, actor=actor)
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if letter.status in (Letter.Status.QUEUED, Letter.Status.SENT):
            return letter
        letter.status = Letter.Status.QUEUED
        letter.status_detail = f"Queued for {letter.recipient_email}."
        letter.save(update_fields=["status", "status_detail", "updated_at"])
        record(actor, AuditEvent.Action.EXPORT, letter,
               f"Sent letter to {letter.recipient_name} <{letter.recipient_email}>")
        pk = str(letter.pk)
        transaction.on_commit(lambda: email_letter.enqueue(pk))
    return letter


# Templates -------------------------------------------------------------------------------------

def schema_from_rows(rows: list[dict], previous_schema=None) -> list[dict]:
    """Rows (section, label, kind, options, unit, per_foot, help, key) in order -> sections.
    A row keeps its key (so carry-forward and the risk calculator still find it); a new row
    gets one from its label."""
    from django.utils.text import slugify

    used = set()
    sections: dict[str, list] = {}
    for row in rows:
        if not row.get("label"):
            continue
        key = row.get("key") or slugify(row["label"]).replace("-", "_")[:40] or "question"
        base, n = key, 2
        while key in used:
            key, n = f"{base}_{n}", n + 1
        used.add(key)
        sections.setdefault(row["section"].strip(), []).append({
            "key": key, "label": row["label"].strip(), "kind": row["kind"],
            "options": row.get("options") or [], "unit": row.get("unit", "").strip(),
            "per_foot": bool(row.get("per_foot")), "help": row.get("help", "").strip()})
    return [{"title": title, "questions": qs} for title, qs in sections.items()]


def rows_from_schema(schema) -> list[dict]:
    return [{"key": q["key"], "section": s["title"], "label": q["label"], "kind": q["kind"],
             "options": ", ".join(q.get("options", [])), "unit": q.get("unit", ""),
             "per_foot": q.get("per_foot", False), "help": q.get("help", "")}
            for s in schema for q in s.get("questions", [])]


@transaction.atomic
def save_template(*, actor, template=None, name, description="", active=True, rows):
    """Create or change a template. Notes already written keep their own copy of the questions,
    so nothing here reaches them."""
    if not permissions.can_edit_templates(actor):
        raise ClinicalError("Only an admin can change note templates.", code="forbidden")
    schema = schema_from_rows(rows)
    if not schema:
        raise ClinicalError("Add at least one question.")
    creating = template is None
    template = template or NoteTemplate()
    template.name, template.description, template.active = name, description, active
    template.schema = schema
    template.full_clean()
    template.save()
    record(actor, AuditEvent.Action.CREATE if creating else AuditEvent.Action.UPDATE, template,
           f"{'Created' if creating else 'Changed'} note template {template.name}")
    return template
