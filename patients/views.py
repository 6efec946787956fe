from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record
from ncc.navigation import PATIENT_PANELS, patient_badges

from . import services
from .forms import PatientFilterForm, PatientForm
from .models import Patient
from .permissions import scope_patients, visible_patients
from .queries import likely_duplicates, search_patients

PAGE_SIZE = 25


@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request):
    form = PatientFilterForm(request.GET or None)
    qs = scope_patients(Patient.objects.select_related("home_clinic"), request.user)
    q = ""
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if form.cleaned_data["clinic"]:
            qs = qs.filter(home_clinic=form.cleaned_data["clinic"])
        archived = form.cleaned_data["archived"]
        if archived == "yes":
            qs = qs.filter(archived=True)
        elif archived != "all":
            qs = qs.filter(archived=False)
    else:
        qs = qs.filter(archived=False)
    qs = search_patients(q, qs) if q else qs.order_by("last_name", "first_name", "number")
    page = Paginator(qs, PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    badges = patient_badges(page.object_list)
    for patient in page.object_list:
        patient.list_badges = badges.get(patient.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "q": q, "query": query.urlencode()}
    template = "patients/_results.html" if request.htmx else "patients/list.html"
    return render(request, template, context)


def _save_form(request, form, instance=None):
    """Save through the services; a model-level error lands beside its field."""
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    try:
        if instance is None:
            return services.create_patient(actor=request.user, **data)
        return services.update_patient(instance, actor=request.user, **data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request):
    form = PatientForm(request.POST or None, initial={"home_clinic": request.clinic})
    if request.method == "POST" and form.is_valid():
        patient = _save_form(request, form)
        if patient is not None:
            messages.success(request, f"Added {patient.full_name} as patient #{patient.number}.")
            return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "duplicates": _duplicates(form)})


@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request, pk):
    patient = get_object_or_404(visible_patients(request.user), pk=pk)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        if _save_form(request, form, patient) is not None:
            messages.success(request, f"Saved {patient.full_name}.")
            return redirect(patient)
    return render(request, "patients/form.html",
                  {"form": form, "patient": patient, "duplicates": _duplicates(form, patient)})


def _duplicates(form, patient=None):
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    first, last, dob = data.get("first_name"), data.get("last_name"), data.get("date_of_birth")
    if not (first and last and dob):
        return []
    return list(likely_duplicates(first, last, dob, exclude_pk=patient.pk if patient else None)[:5])


@permission_required("patients.add_patient", raise_exception=True)
def duplicate_check(request):
    """htmx: as the receptionist types, warn about an existing patient with the same name/DOB."""
    form = PatientForm(request.GET)
    form.is_valid()
    return render(request, "patients/_duplicates.html", {"duplicates": _duplicates(form)})


@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request, pk):
    patient = get_object_or_404(visible_patients(request.user).select_related("home_clinic"),
                                pk=pk)
    record(request.user, AuditEvent.Action.VIEW, patient, f"Viewed {patient.full_name}")
    appointments = patient.appointments.select_related(
        "clinician__user", "clinic", "appointment_type"
    ).order_by("-starts_at")
    history = Paginator(appointments, 20).get_page(request.GET.get("page"))
    upcoming = [a for a in appointments.filter(starts_at__gte=timezone.now())
                .exclude(status="cancelled").order_by("starts_at")[:3]]
    return render(request, "patients/detail.html",
                  {"patient": patient, "history": history, "upcoming": upcoming,
                   "patient_age": patient.age_on(timezone.localdate()),
                   "patient_panels": PATIENT_PANELS})


@require_POST
@permission_required("patients.change_patient", raise_exception=True)
def patient_archive(request, pk):
    patient = get_object_or_404(visible_patients(request.user), pk=pk)
    archive = request.POST.get("archived", "1") == "1"
    services.set_archived(patient, archive, actor=request.user)
    messages.success(request, f"{patient.full_name} is {'archived' if archive else 'restored'}.")
    return redirect(patient)
