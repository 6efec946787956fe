"""The appointment book: day and week grids, the booking dialog, edits, moves and cancels.

Every change answers with an HX-Trigger `book:changed`; the grid reloads itself on that event, so
the page always shows what the database holds. Business rules live in services.py.
"""

import json
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record
from clinics.middleware import SESSION_KEY
from clinics.models import Clinician
from clinics.permissions import scope_by_clinic
from ncc.navigation import APPOINTMENT_PANELS, appointment_badges
from ncc.validators import sane_date_or_none
from patients import services as patient_services
from patients.models import Patient
from patients.permissions import scope_patients
from patients.queries import likely_duplicates, search_patients

from . import services
from .forms import BookingForm, CancelForm, WhenForm
from .grid import columns_html
from .models import Appointment, AppointmentStatus
from .permissions import can_book_for, can_change_appointment
from .queries import (
    clinic_week_book,
    day_book,
    next_appointment_for,
    slot_minutes,
    week_book,
    week_start,
)
from .services import NEXT_STATUS, BookingError, clock, clock_range

SEARCH_LIMIT = 8
ALL_CLINICIANS = "all"  # the week view's picker: the whole clinic, one lane per clinician


def _parse_day(value: str, default: date) -> date:
    """A day from the query string; anything else (or a year like 1 or 9999, whose neighbours
    overflow) is the default."""
    return sane_date_or_none(value) or default


def _book_params(request) -> dict:
    """The book's state from the query string (GET) or the form (POST)."""
    src = request.GET if request.method == "GET" else request.POST
    clinic = request.clinic
    today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
    return {
        "view": "week" if src.get("view") == "week" else "day",
        "day": _parse_day(src.get("date", ""), today),
        "today": today,
        "show_cancelled": src.get("cancelled") == "1",
        "clinician_id": src.get("clinician", ""),
        "focus": src.get("focus", ""),
    }


def _query(params: dict, **changes) -> str:
    p = {"view": params["view"], "date": params["day"].isoformat()}
    if params["show_cancelled"]:
        p["cancelled"] = "1"
    if params["view"] == "week" and params.get("clinician_id"):
        p["clinician"] = params["clinician_id"]
    p.update(changes)
    return urlencode({k: v for k, v in p.items() if v not in (None, "")})


def _book_context(request) -> dict:
    params = _book_params(request)
    clinic = request.clinic
    ctx = {**params, "clinic": clinic, "step": slot_minutes()}
    day = params["day"]
    if clinic is None:
        return ctx
    clinicians = list(Clinician.objects.filter(clinics=clinic, active=True)
                      .select_related("user")) if params["view"] == "week" else None
    if params["view"] == "week":
        # No clinician chosen: a clinician sees their own week, everyone else the whole clinic
        # ("All clinicians", one lane per clinician in each day).
        chosen = next((c for c in clinicians if str(c.pk) == params["clinician_id"]), None)
        if chosen is None and not params["clinician_id"] and request.user.is_clinician:
            chosen = next((c for c in clinicians if c.user_id == request.user.pk), None)
        ctx["clinicians"] = clinicians
        ctx["clinician"] = chosen
        if chosen:
            params["clinician_id"] = str(chosen.pk)
            ctx["book"] = week_book(clinic, chosen, day,
                                    include_cancelled=params["show_cancelled"])
        elif clinicians:
            params["clinician_id"] = ALL_CLINICIANS
            ctx["book"] = clinic_week_book(clinic, clinicians, day,
                                           include_cancelled=params["show_cancelled"])
        monday = week_start(day)
        ctx["prev_day"], ctx["next_day"] = monday - timedelta(days=7), monday + timedelta(days=7)
        sunday = monday + timedelta(days=6)
        ctx["heading"] = (f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b %Y}"
                          if monday.month != sunday.month
                          else f"{monday.day}–{sunday.day} {sunday:%b %Y}")
    else:
        ctx["book"] = day_book(clinic, day, include_cancelled=params["show_cancelled"])
        ctx["prev_day"], ctx["next_day"] = day - timedelta(days=1), day + timedelta(days=1)
        ctx["heading"] = f"{day:%A} {day.day} {day:%B %Y}"
    ctx["query"] = _query(params)
    ctx["grid_url"] = f"{reverse('scheduling:book')}?{_query(params, partial='1')}"
    ctx["prev_url"] = "?" + _query(params, date=ctx["prev_day"].isoformat())
    ctx["next_url"] = "?" + _query(params, date=ctx["next_day"].isoformat())
    ctx["today_url"] = "?" + _query(params, date=params["today"].isoformat())
    ctx["day_url"] = "?" + _query({**params, "view": "day"})
    ctx["week_url"] = "?" + _query({**params, "view": "week"})
    ctx["cancelled_url"] = "?" + _query({**params, "show_cancelled": not params["show_cancelled"]})
    ctx["can_book"] = request.user.has_perm("scheduling.add_appointment")
    ctx["can_change"] = request.user.has_perm("scheduling.change_appointment")
    ctx["own_clinician_id"] = (request.user.clinician.pk if request.user.is_clinician
                               and hasattr(request.user, "clinician") else None)
    if "book" in ctx:
        _decorate(ctx)
        ctx["columns_html"] = columns_html(ctx["book"], view=params["view"],
                                           can_book=ctx["can_book"], focus=params["focus"],
                                           only_clinician_id=ctx["own_clinician_id"])
    return ctx


def _decorate(ctx) -> None:
    """Per-appointment bits the template needs: quick next status, whether the user may edit."""
    own = ctx["own_clinician_id"]
    badges = appointment_badges(block.appointment.pk for col in ctx["book"]["columns"]
                                for block in col.blocks)
    for col in ctx["book"]["columns"]:
        for block in col.blocks:
            a = block.appointment
            a.badges = badges.get(a.pk, [])
            a.next_status = NEXT_STATUS.get(a.status)
            a.next_status_label = (AppointmentStatus(a.next_status).label
                                   if a.next_status else "")
            a.editable = ctx["can_change"] and (own is None or a.clinician_id == own)
            a.time_label = clock_range(a.local_start, a.local_end)


@permission_required("scheduling.view_appointment", raise_exception=True)
def book(request):
    """The day (one column per clinician) or week (one column per day) of the current clinic."""
    ctx = _book_context(request)
    if request.GET.get("partial"):
        return render(request, "scheduling/_grid.html", ctx)
    return render(request, "scheduling/book.html", ctx)


def _trigger(response, *events, **payload):
    data = {e: True for e in events}
    data.update(payload)
    response["HX-Trigger"] = json.dumps(data)
    return response


def _flash(request, text: str, level: str = "success", *, close_dialog=True, actions=""):
    """Answer an htmx change: show `text` above the book, reload the grid, close the dialog."""
    response = render(request, "scheduling/_flash.html",
                      {"text": text, "level": level, "actions": actions})
    response["HX-Retarget"] = "#book-flash"
    response["HX-Reswap"] = "innerHTML"
    events = ["book:changed"] + (["ncc:close-dialog"] if close_dialog else [])
    return _trigger(response, *events)


def _slot_initial(request, clinic) -> dict:
    today = timezone.localdate(timezone=clinic.tz)
    day = _parse_day(request.GET.get("date", ""), today)
    try:
        t = time.fromisoformat(request.GET.get("time", ""))
    except ValueError:
        t = time(9)
    initial = {"date": day, "time": t, "minutes": 30}
    if request.GET.get("clinician"):
        initial["clinician"] = request.GET["clinician"]
    if request.GET.get("patient"):
        initial["patient"] = request.GET["patient"]
    return initial


@permission_required("scheduling.add_appointment", raise_exception=True)
def new_booking(request):
    clinic = request.clinic
    if clinic is None:
        raise PermissionDenied
    if request.method == "POST":
        form = BookingForm(request.POST, clinic=clinic)
    else:
        form = BookingForm(initial=_slot_initial(request, clinic), clinic=clinic)
        first_type = form.fields["appointment_type"].queryset.first()
        if first_type:
            form.initial.setdefault("appointment_type", first_type.pk)
            form.initial["minutes"] = first_type.duration_minutes
    ctx = {"form": form, "warning": None}
    if request.method == "POST" and form.is_valid():
        try:
            result = _book_from_form(request, form)
        except BookingError as exc:
            _form_error(form, exc, ctx)
        else:
            return result
    pid = form.data.get("patient") if form.is_bound else form.initial.get("patient")
    ctx["patient"] = Patient.objects.filter(pk=pid).first() if pid and _is_uuid(pid) else None
    ctx["new_patient"] = form.is_bound and form.data.get("new_patient") in ("True", "on", "1",
                                                                            "true")
    ctx["can_add_patient"] = request.user.has_perm("patients.add_patient")
    ctx["duplicates"] = _duplicates_from(form.data) if ctx["new_patient"] else []
    return render(request, "scheduling/_booking_form.html", ctx)


def _is_uuid(value) -> bool:
    import uuid
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _form_error(form, exc: BookingError, ctx) -> None:
    if exc.needs_confirmation:
        ctx["warning"] = exc.message
        return
    field = exc.field if exc.field in form.fields else None
    if field in ("starts_at", "ends_at"):
        field = "time"
    form.add_error(field if field in form.fields else None, exc.message)


def _book_from_form(request, form: BookingForm):
    d = form.cleaned_data
    with transaction.atomic():
        patient = d.get("patient")
        if d.get("new_patient"):
            if not request.user.has_perm("patients.add_patient"):
                raise PermissionDenied
            try:
                patient = patient_services.create_patient(actor=request.user,
                                                          **form.new_patient_fields())
            except ValidationError as exc:
                raise BookingError(" ".join(exc.messages), code="bad_patient") from exc
        if not can_book_for(request.user, d["clinician"], form.clinic):
            raise BookingError("Clinicians book only into their own column; ask reception to "
                               "book for a colleague.", field="clinician", code="not_yours")
        common = dict(actor=request.user, patient=patient, clinician=d["clinician"],
                      appointment_type=d["appointment_type"], notes=d.get("notes", ""),
                      confirm=d.get("confirm", False))
        if d.get("repeat"):
            results = services.book_recurring(
                every_weeks=d["every_weeks"], times=d["times"], starts_at=form.starts_at(),
                clinic=form.clinic, **common)
            if not any(r.booked for r in results):
                first = results[0]
                raise BookingError(f"Nothing was booked. {first.error}", code=first.code)
            booked = [r for r in results if r.booked]
            for r in results:
                r.when = f"{r.day:%a} {r.day.day} {r.day:%b %Y}"
            response = render(request, "scheduling/_recurring_result.html",
                              {"results": results, "patient": patient, "booked": len(booked)})
            return _trigger(response, "book:changed")
        appointment = services.book_appointment(
            clinic=form.clinic, starts_at=form.starts_at(), ends_at=form.ends_at(), **common)
    local = appointment.local_starts_at
    return _flash(request, f"Booked {patient.full_name} with {d['clinician'].display_name}, "
                           f"{local:%a} {local.day} {local:%b} at {clock(local)}."
                           + _email_note(appointment))


def _email_note(appointment) -> str:
    if appointment.confirmation_email_status == "skipped":
        return " No confirmation email: the patient has no email address."
    if appointment.confirmation_email_status == "pending":
        return " Confirmation email on its way."
    return ""


def _duplicates_from(data) -> list:
    first, last = (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
    try:
        dob = date.fromisoformat(data.get("date_of_birth") or "")
    except ValueError:
        return []
    if not (first and last):
        return []
    return list(likely_duplicates(first, last, dob)[:5])


@permission_required("patients.view_patient", raise_exception=True)
def patient_search(request):
    """Search-as-you-type in the booking dialog (pick) and in the toolbar (jump)."""
    q = request.GET.get("q", "").strip()
    mode = "jump" if request.GET.get("mode") == "jump" else "pick"
    results = []
    if len(q) >= 2:
        qs = scope_patients(search_patients(q), request.user)
        qs = qs.filter(archived=False) if mode == "pick" else qs
        results = list(qs.order_by("last_name", "first_name")[:SEARCH_LIMIT])
    return render(request, "scheduling/_patient_results.html",
                  {"results": results, "q": q, "mode": mode})


@permission_required("patients.view_patient", raise_exception=True)
def patient_pick(request, pk):
    patient = get_object_or_404(scope_patients(Patient.objects.all(), request.user), pk=pk)
    return render(request, "scheduling/_patient_picker.html", {"patient": patient})


@permission_required("patients.view_patient", raise_exception=True)
def patient_picker(request):
    """The picker again (Change patient), or the inline new-patient fields."""
    ctx = {"patient": None, "new_patient": request.GET.get("new") == "1"}
    if ctx["new_patient"]:
        if not request.user.has_perm("patients.add_patient"):
            raise PermissionDenied
        ctx["form"] = BookingForm(clinic=request.clinic)
    return render(request, "scheduling/_patient_picker.html", ctx)


@permission_required("patients.view_patient", raise_exception=True)
def patient_duplicates(request):
    return render(request, "scheduling/_duplicates.html",
                  {"duplicates": _duplicates_from(request.GET)})


@permission_required("scheduling.view_appointment", raise_exception=True)
def next_appointment(request, patient_pk):
    patient = get_object_or_404(scope_patients(Patient.objects.all(), request.user), pk=patient_pk)
    appointment = next_appointment_for(patient)
    if appointment is None:
        messages.info(request, f"{patient.full_name} has no upcoming appointment.")
        return redirect("scheduling:book")
    if all(c.pk != appointment.clinic_id for c in request.clinics):
        messages.info(request, f"{patient.full_name}'s next appointment is at a clinic you do "
                               "not work at.")
        return redirect("scheduling:book")
    if request.clinic is None or appointment.clinic_id != request.clinic.pk:
        request.session[SESSION_KEY] = appointment.clinic_id
    day = appointment.local_starts_at.date()
    return redirect(f"{reverse('scheduling:book')}?date={day.isoformat()}&focus={appointment.pk}")


def _appointment(request, pk, *, change=False) -> Appointment:
    appointment = get_object_or_404(scope_by_clinic(
        Appointment.objects.select_related("patient", "clinician__user", "clinic",
                                           "appointment_type", "created_by"), request.user), pk=pk)
    if change and not can_change_appointment(request.user, appointment):
        raise PermissionDenied("Clinicians can change only their own appointments.")
    return appointment


def _edit_form(appointment, data=None):
    local_s = appointment.local_starts_at
    initial = {"date": local_s.date(), "time": local_s.time(),
               "minutes": int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
               "clinician": appointment.clinician_id,
               "appointment_type": appointment.appointment_type_id, "notes": appointment.notes}
    form = WhenForm(data, initial=initial, clinic=appointment.clinic)
    if not appointment.appointment_type.active:  # keep the current type selectable
        form.fields["appointment_type"].queryset = (
            form.fields["appointment_type"].queryset
            | type(appointment.appointment_type).objects.filter(pk=appointment.appointment_type_id))
    return form


def _detail(request, appointment, *, form=None, cancel_form=None, warning=None, status=200):
    editable = can_change_appointment(request.user, appointment)
    statuses = [(v, label) for v, label in AppointmentStatus.choices
                if v != AppointmentStatus.CANCELLED]
    return render(request, "scheduling/_appointment.html", {
        "a": appointment, "editable": editable, "statuses": statuses,
        "form": form or _edit_form(appointment), "cancel_form": cancel_form or CancelForm(),
        "warning": warning,
        "when": clock_range(appointment.local_starts_at, appointment.local_ends_at),
        "next_url": reverse("scheduling:next", args=[appointment.patient_id]),
        "appointment_panels": APPOINTMENT_PANELS,
    }, status=status)


@permission_required("scheduling.view_appointment", raise_exception=True)
def appointment_detail(request, pk):
    appointment = _appointment(request, pk)
    record(request.user, AuditEvent.Action.VIEW, appointment.patient,
           f"Opened the appointment of {appointment.local_starts_at:%d %b %Y %H:%M}")
    return _detail(request, appointment)


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def appointment_edit(request, pk):
    appointment = _appointment(request, pk, change=True)
    form = _edit_form(appointment, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        if not can_change_appointment(request.user, appointment, clinician=d["clinician"]):
            form.add_error("clinician", "Clinicians keep their appointments in their own column; "
                                        "ask reception to give it to a colleague.")
            return _detail(request, appointment, form=form)
        try:
            services.update_appointment(
                appointment, actor=request.user, starts_at=form.starts_at(),
                ends_at=form.ends_at(), clinician=d["clinician"],
                appointment_type=d["appointment_type"], notes=d.get("notes", ""),
                confirm=d.get("confirm", False))
        except BookingError as exc:
            appointment.refresh_from_db()
            ctx = {}
            _form_error(form, exc, ctx)
            return _detail(request, appointment, form=form, warning=ctx.get("warning"))
        local = appointment.local_starts_at
        return _flash(request, f"Saved {appointment.patient.full_name}, {local:%a} {local.day} "
                               f"{local:%b} at {clock(local)}." + _email_note(appointment))
    return _detail(request, appointment, form=form)


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def appointment_move(request, pk):
    """Drag and drop: a new start time and column (clinician on the day view, day on the week)."""
    appointment = _appointment(request, pk, change=True)
    tz = appointment.clinic.tz
    local = appointment.local_starts_at
    day = _parse_day(request.POST.get("date", ""), local.date())
    try:
        t = time.fromisoformat(request.POST.get("time", ""))
    except ValueError:
        return _flash(request, "Drop the appointment on a time in the book.", "error",
                      close_dialog=False)
    clinician = appointment.clinician
    if request.POST.get("clinician"):
        if not request.POST["clinician"].isdigit():
            raise Http404
        clinician = get_object_or_404(Clinician, pk=request.POST["clinician"])
    if not can_change_appointment(request.user, appointment, clinician=clinician):
        return _flash(request, "Clinicians keep their appointments in their own column; ask "
                               "reception to give it to a colleague.", "error",
                      close_dialog=False)
    starts_at = datetime.combine(day, t, tzinfo=tz)
    try:
        services.move_appointment(appointment, actor=request.user, starts_at=starts_at,
                                  clinician=clinician,
                                  confirm=request.POST.get("confirm") == "1")
    except BookingError as exc:
        actions = ""
        if exc.needs_confirmation:
            actions = {"url": reverse("scheduling:move", args=[appointment.pk]),
                       "vals": json.dumps({"date": day.isoformat(), "time": t.strftime("%H:%M"),
                                           "clinician": clinician.pk, "confirm": "1"}),
                       "label": "Move anyway"}
        return _flash(request, exc.message, "warning" if exc.needs_confirmation else "error",
                      close_dialog=False, actions=actions)
    new = appointment.local_starts_at
    return _flash(request, f"Moved {appointment.patient.full_name} to {new:%a} {new.day} "
                           f"{new:%b} {clock(new)} with {clinician.display_name}."
                  + _email_note(appointment), close_dialog=False)


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def appointment_status(request, pk):
    appointment = _appointment(request, pk, change=True)
    try:
        services.set_status(appointment, request.POST.get("status", ""), actor=request.user)
    except BookingError as exc:
        return _flash(request, exc.message, "error", close_dialog=False)
    return _flash(request, f"{appointment.patient.full_name}: "
                           f"{appointment.get_status_display().lower()}.",
                  close_dialog=request.POST.get("from") == "dialog")


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def appointment_cancel(request, pk):
    appointment = _appointment(request, pk, change=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_appointment(appointment, actor=request.user,
                                        reason=form.cleaned_data["reason"])
        except BookingError as exc:
            form.add_error("reason", exc.message)
        else:
            return _flash(request, f"Cancelled {appointment.patient.full_name}'s appointment "
                                   f"({form.cleaned_data['reason']})." + _email_note(appointment))
    return _detail(request, appointment, cancel_form=form)


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def appointment_resend(request, pk):
    appointment = _appointment(request, pk, change=True)
    services.resend_confirmation(appointment, actor=request.user)
    appointment.refresh_from_db()
    return _trigger(_detail(request, appointment), "book:changed")

