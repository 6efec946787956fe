"""Clinical pages. Thin: permissions from permissions.py, writes through services.py, reads
from queries.py; every read of a note or attachment is audited."""

import contextlib
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinician

from . import permissions, queries, services
from .forms import AddendumForm, AttachmentForm, StartNoteForm
from .models import Note
from .queries import TIMELINE_KINDS


def _raw_answers(post) -> dict:
    # Every value as a list (checkboxes send several); answers.clean_answers takes what it needs.
    return {key: post.getlist(key) for key in post if key != "csrfmiddlewaretoken"}


@require_GET
@permission_required("clinical.add_note", raise_exception=True)
def my_day(request):
    clinician = Clinician.objects.filter(user=request.user).first()
    day = timezone.localdate()
    if request.GET.get("date"):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(request.GET["date"])
    context = {"day": day, "clinician": clinician,
               "prev_day": day - timedelta(days=1),
               "next_day": day + timedelta(days=1)}
    if clinician is not None:
        context.update(queries.my_day(clinician, day))
    return render(request, "clinical/my_day.html", context)


@permission_required("clinical.add_note", raise_exception=True)
def note_new(request, patient_pk):
    """Choose a template (and whether to carry the last note's answers forward), then write."""
    from scheduling.models import Appointment

    patient = _patient_or_404(request, patient_pk)
    appointment = None
    if request.GET.get("appointment") or request.POST.get("appointment"):
        appointment = get_object_or_404(
            Appointment.objects.select_related("clinician"), pk=request.GET.get(
                "appointment") or request.POST.get("appointment"), patient=patient)
        existing = Note.objects.filter(appointment=appointment).first()
        if existing:
            return redirect(existing)
    if not permissions.can_start_note(request.user, appointment):
        raise PermissionDenied
    form = StartNoteForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.start_note(actor=request.user, patient=patient,
                                       template=form.cleaned_data["template"],
                                       appointment=appointment,
                                       carry_forward=form.cleaned_data["carry_forward"])
        except services.ClinicalError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(note)
    return render(request, "clinical/note_new.html",
                  {"form": form, "patient": patient, "appointment": appointment})


def _patient_or_404(request, pk):
    from patients.permissions import visible_patients

    return get_object_or_404(visible_patients(request.user).select_related("home_clinic"), pk=pk)


def _note_or_404(request, pk):
    return get_object_or_404(
        permissions.scope_to_patients(Note.objects, request.user).select_related("patient__home_clinic", "author", "signed_by",
                                    "appointment__clinic", "appointment__clinician__user"), pk=pk)


def _note_context(request, note, *, errors=None, addendum_form=None, attachment_form=None):
    user = request.user
    can_read = permissions.can_read_content(user)
    context = {"note": note, "patient": note.patient, "can_read": can_read,
               "can_edit": permissions.can_edit_note(user, note),
               "can_addendum": permissions.can_add_addendum(user, note)}
    if can_read:
        context.update({
            "alerts": queries.clinical_alerts(note.patient),
            "addenda": note.addenda.select_related("author"),
            "attachments": note.attachments.select_related("uploaded_by")
            if permissions.can_read_attachments(user) else [],
            "can_attach": permissions.can_add_attachment(user),
            "can_letter": permissions.can_write_letters(user) and note.is_signed,
            "letters": note.letters.all(),
            "risk": queries.risk_suggestion(note),
            "addendum_form": addendum_form or AddendumForm(),
            "attachment_form": attachment_form or AttachmentForm(),
        })
        if context["can_edit"]:
            context["sections"] = queries.form_sections(note.schema, note.answers, errors)
        else:
            context["sections"] = queries.display_sections(note.schema, note.answers)
    return context


@require_GET
@permission_required("clinical.view_note", raise_exception=True)
def note_detail(request, pk):
    note = _note_or_404(request, pk)
    can_read = permissions.can_read_content(request.user)
    if can_read:
        services.record_note_read(request.user, note)
    else:  # reception: that it exists and who wrote it
        record(request.user, AuditEvent.Action.VIEW, note,
               f"Saw that {note.title} exists for {note.patient.full_name} (no content)")
    return render(request, "clinical/note.html", _note_context(request, note))


@require_POST
@permission_required("clinical.change_note", raise_exception=True)
def note_autosave(request, pk):
    """htmx: the draft as typed so far. A signed note answers 409 with the reason."""
    note = _note_or_404(request, pk)
    try:
        note, errors = services.save_draft(note, actor=request.user,
                                           raw_answers=_raw_answers(request.POST))
    except services.SignedNoteError as exc:
        return render(request, "clinical/_save_status.html", {"error": exc.message}, status=409)
    except services.ClinicalError as exc:
        return render(request, "clinical/_save_status.html", {"error": exc.message}, status=403)
    return render(request, "clinical/_save_status.html",
                  {"note": note, "errors": errors, "saved_at": timezone.localtime(),
                   "risk": queries.risk_suggestion(note)})


@require_POST
@permission_required("clinical.change_note", raise_exception=True)
def note_sign(request, pk):
    note = _note_or_404(request, pk)
    try:
        if not note.is_signed:
            note, _errors = services.save_draft(note, actor=request.user,
                                                raw_answers=_raw_answers(request.POST))
        services.sign_note(note, actor=request.user)
    except services.ClinicalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Signed {note.title}. It can no longer be changed; add an "
                                  "addendum for anything later.")
    return redirect(note)


@require_POST
@permission_required("clinical.add_addendum", raise_exception=True)
def note_addendum(request, pk):
    note = _note_or_404(request, pk)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.add_addendum(note, actor=request.user, text=form.cleaned_data["text"])
        except services.ClinicalError as exc:
            form.add_error("text", exc.message)
        else:
            messages.success(request, "Addendum added.")
            return redirect(note)
    services.record_note_read(request.user, note)
    return render(request, "clinical/note.html",
                  _note_context(request, note, addendum_form=form), status=400)


@require_GET
@permission_required("clinical.view_note", raise_exception=True)
def patient_timeline(request, patient_pk):
    patient = _patient_or_404(request, patient_pk)
    can_read = permissions.can_read_content(request.user)
    kinds = [k for k in request.GET.getlist("kind") if k in dict(TIMELINE_KINDS)]
    if not can_read:
        kinds = ["note"]  # reception: which notes exist and who wrote them
    author_id = request.GET.get("author") or None
    if author_id and not author_id.isdigit():
        author_id = None
    q = request.GET.get("q", "")[:100] if can_read else ""
    entries = queries.timeline(patient, kinds=kinds or None, author_id=author_id, q=q,
                               show_content=can_read)
    record(request.user, AuditEvent.Action.VIEW, patient,
           f"Viewed the clinical timeline of {patient.full_name}")
    authors = (Clinician.objects.filter(user__clinical_notes__patient=patient)
               .select_related("user").distinct())
    context = {"patient": patient, "entries": entries, "kinds": TIMELINE_KINDS,
               "chosen_kinds": kinds, "author_id": author_id, "q": q, "authors": authors,
               "can_read": can_read, "page_size": queries.TIMELINE_PAGE,
               "alerts": queries.clinical_alerts(patient) if can_read else []}
    template = "clinical/_timeline_entries.html" if request.htmx else "clinical/timeline.html"
    return render(request, template, context)


# Attachments -----------------------------------------------------------------------------------

@require_POST
@permission_required("clinical.add_attachment", raise_exception=True)
def attachment_upload(request, pk):
    note = _note_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.upload_attachment(actor=request.user, patient=note.patient, note=note,
                                       uploaded=form.cleaned_data["file"],
                                       description=form.cleaned_data["description"])
        except services.ClinicalError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, f"Added {form.cleaned_data['file'].name}.")
            return redirect(f"{note.get_absolute_url()}#attachments")
    services.record_note_read(request.user, note)
    return render(request, "clinical/note.html",
                  _note_context(request, note, attachment_form=form), status=400)


def _serve(request, attachment, field, what):
    """The file through this view only: permission checked and the read audited. On Google Cloud
    Storage, a redirect to a signed URL that lasts minutes (GS_EXPIRATION)."""
    from django.conf import settings
    from django.http import FileResponse, HttpResponseRedirect

    if not permissions.can_read_attachments(request.user):
        raise PermissionDenied
    services.record_attachment_read(request.user, attachment, what)
    stored = getattr(attachment, field)
    if getattr(settings, "GS_BUCKET_NAME", ""):
        return HttpResponseRedirect(stored.url)
    content_type = "image/jpeg" if field == "thumbnail" else attachment.content_type
    response = FileResponse(stored.open("rb"), content_type=content_type,
                            as_attachment=field == "file" and not attachment.is_image
                            and attachment.content_type != "application/pdf",
                            filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _attachment_or_404(request, pk):
    from .models import Attachment

    return get_object_or_404(permissions.scope_to_patients(Attachment.objects, request.user),
                             pk=pk)


@require_GET
def attachment_file(request, pk):

    return _serve(request, _attachment_or_404(request, pk), "file", "file")


@require_GET
def attachment_thumbnail(request, pk):

    attachment = _attachment_or_404(request, pk)
    if not attachment.thumbnail:
        raise Http404
    return _serve(request, attachment, "thumbnail", "thumbnail of")


# Referrers and referrals -----------------------------------------------------------------------

@require_GET
@permission_required("clinical.view_referrer", raise_exception=True)
def referrer_list(request):
    from django.core.paginator import Paginator
    from django.db.models import Q

    from .models import Referrer

    q = request.GET.get("q", "").strip()[:100]
    qs = Referrer.objects.all()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(practice__icontains=q)
                       | Q(provider_number__icontains=q))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "clinical/referrers.html", {"page": page, "q": q})


@permission_required("clinical.add_referrer", raise_exception=True)
def referrer_edit(request, pk=None):
    from .forms import ReferrerForm
    from .models import Referrer

    referrer = get_object_or_404(Referrer, pk=pk) if pk else None
    if referrer and not request.user.has_perm("clinical.change_referrer"):
        raise PermissionDenied
    form = ReferrerForm(request.POST or None, instance=referrer)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        saved = services.save_referrer(actor=request.user, referrer=referrer, **data)
        messages.success(request, f"Saved {saved.name}.")
        return redirect("clinical:referrers")
    return render(request, "clinical/referrer_form.html", {"form": form, "referrer": referrer})


@permission_required("clinical.add_referral", raise_exception=True)
def referral_new(request, patient_pk):
    from django.core.exceptions import ValidationError

    from .forms import ReferralForm

    patient = _patient_or_404(request, patient_pk)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_referral(actor=request.user, patient=patient, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Referral added.")
            return redirect(patient)
    return render(request, "clinical/referral_form.html", {"form": form, "patient": patient})


# Letters ---------------------------------------------------------------------------------------

def _letter_or_404(request, pk):
    from .models import Letter

    if not permissions.can_write_letters(request.user):
        raise PermissionDenied
    return get_object_or_404(permissions.scope_to_patients(Letter.objects, request.user)
                             .select_related("patient", "note", "referrer"), pk=pk)


@require_POST
def letter_new(request, pk):
    if not permissions.can_write_letters(request.user):
        raise PermissionDenied
    note = _note_or_404(request, pk)
    try:
        letter = services.draft_letter(note, actor=request.user)
    except services.ClinicalError as exc:
        messages.error(request, exc.message)
        return redirect(note)
    return redirect(letter)


def letter_detail(request, pk):
    from django.core.exceptions import ValidationError

    from .forms import LetterForm

    letter = _letter_or_404(request, pk)
    record(request.user, AuditEvent.Action.VIEW, letter, f"Read letter {letter.subject}")
    form = LetterForm(request.POST or None, instance=letter)
    if request.method == "POST" and not letter.pdf_id and form.is_valid():
        try:
            letter = services.update_letter(letter, actor=request.user, **form.cleaned_data)
            if "send" in request.POST:
                letter = services.send_letter(letter, actor=request.user)
                messages.success(request, f"Sending to {letter.recipient_email}; it is filed "
                                          "in the patient's record.")
            else:
                messages.success(request, "Letter saved.")
            return redirect(letter)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except services.ClinicalError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "clinical/letter.html", {"letter": letter, "form": form})


@require_POST
def letter_resend(request, pk):
    from .models import Letter

    letter = _letter_or_404(request, pk)
    if letter.status == Letter.Status.FAILED:
        Letter.objects.filter(pk=letter.pk).update(status=Letter.Status.DRAFT)
        letter.refresh_from_db()
        try:
            services.send_letter(letter, actor=request.user)
        except services.ClinicalError as exc:
            messages.error(request, exc.message)
    return redirect(letter)


@require_GET
def letter_pdf(request, pk):
    """Download: the PDF is filed in the record the first time, then always that same file."""
    letter = _letter_or_404(request, pk)
    letter = services.file_letter(letter, actor=request.user)
    return _serve(request, letter.pdf, "file", "letter")


# Templates (admins) ----------------------------------------------------------------------------

def _admin_only(request):
    if not permissions.can_edit_templates(request.user):
        raise PermissionDenied


@require_GET
def template_list(request):
    from .models import NoteTemplate

    _admin_only(request)
    return render(request, "clinical/templates.html",
                  {"templates": NoteTemplate.objects.all()})


def template_edit(request, pk=None):
    from django.core.exceptions import ValidationError

    from .forms import QuestionFormSet, TemplateForm
    from .models import NoteTemplate

    _admin_only(request)
    template = get_object_or_404(NoteTemplate, pk=pk) if pk else None
    form = TemplateForm(request.POST or None, instance=template)
    initial = services.rows_from_schema(template.schema) if template else []
    rows = QuestionFormSet(request.POST or None, initial=initial, prefix="q")
    if request.method == "POST" and form.is_valid() and rows.is_valid():
        kept = [r.cleaned_data for r in rows.forms
                if r.cleaned_data and not r.cleaned_data.get("DELETE")]
        try:
            saved = services.save_template(
                actor=request.user, template=template, rows=kept,
                **{k: form.cleaned_data[k] for k in ("name", "description", "active")})
        except services.ClinicalError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Saved {saved.name}. Notes already written keep the "
                                      "questions they were written with.")
            return redirect("clinical:templates")
    return render(request, "clinical/template_form.html",
                  {"form": form, "rows": rows, "template": template})
