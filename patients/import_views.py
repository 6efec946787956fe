"""Pages for importing patients from CSV and exporting the list to CSV."""


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.safety import int_or_none, safe_csv_writer

from . import importer
from .import_files import PRESETS, ImportFileError
from .models import Patient, PatientImport
from .permissions import scope_patients
from .queries import search_patients

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PREVIEW_ROWS = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="File (CSV or Excel .xlsx)", help_text=(
        "Exported from Cliniko, Nookal, Halaxy, Zanda, Power Diary, a spreadsheet, or this "
        "system: one patient per row with a header row."))
    preset = forms.ChoiceField(label="Exported from", required=False, choices=[
        ("", "Detect from the columns"), *((p.key, p.label) for p in PRESETS.values())])
    home_clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True),
                                         label="Home clinic for these patients")
    skip_duplicates = forms.BooleanField(
        required=False, initial=True,
        label="Skip rows with the same name and date of birth as a patient on file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; split it and import "
                                        "the parts one after another (or use the "
                                        "import_patients command).")
        if not upload.name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx")):
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file: which of our fields it fills."""

    def __init__(self, headers, mapping, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = [h for h in headers if h]
        choices = importer.target_choices()
        for i, header in enumerate(self.headers):
            self.fields[f"col{i}"] = forms.ChoiceField(label=header, choices=choices,
                                                       required=False,
                                                       initial=mapping.get(header, ""))

    def mapping(self) -> dict:
        return {h: self.cleaned_data.get(f"col{i}", "") for i, h in enumerate(self.headers)}

    def unknown(self):
        unknown = set(importer.unknown_headers(self.headers))
        return [self[f"col{i}"] for i, h in enumerate(self.headers) if h in unknown]

    def known(self):
        unknown = set(importer.unknown_headers(self.headers))
        return [self[f"col{i}"] for i, h in enumerate(self.headers) if h not in unknown]


@permission_required("patients.import_patients", raise_exception=True)
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None,
                            initial={"home_clinic": request.clinic})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importer.create_job(
                content=upload.read(), file_name=upload.name,
                home_clinic=form.cleaned_data["home_clinic"], actor=request.user,
                preset=form.cleaned_data["preset"],
                skip_duplicates=form.cleaned_data["skip_duplicates"])
        except ImportFileError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("patients:import_detail", job.pk)
    recent = PatientImport.objects.select_related("home_clinic", "created_by").defer(
        "content", "before", "skipped")[:10]
    return render(request, "patients/import.html", {"form": form, "recent": recent})


def _job(pk):
    return get_object_or_404(PatientImport.objects.select_related("home_clinic", "created_by"),
                             pk=pk, kind=PatientImport.Kind.PATIENTS)


@permission_required("patients.import_patients", raise_exception=True)
def import_detail(request, pk):
    job = _job(pk)
    context = {"job": job, "presets": PRESETS}
    if job.status == PatientImport.Status.PREVIEWED:
        try:
            check = importer.dry_run(job)
        except ImportFileError as exc:
            context["file_error"] = " ".join(exc.messages)
            check = None
            table = importer.f.read_table(bytes(job.content), job.file_name)
            headers = table.headers
        else:
            headers = check.headers
        context.update(check=check, report=check.report[:PREVIEW_ROWS] if check else [],
                       mapping_form=MappingForm(headers, job.mapping),
                       preset_label=PRESETS[job.preset].label if job.preset in PRESETS else "")
        if check:
            c = check.counts
            context["to_import"] = c["create"] + c["update"]
    else:
        context["report"] = job.skipped[:PREVIEW_ROWS]
    return render(request, "patients/import_detail.html", context)


@require_POST
@permission_required("patients.import_patients", raise_exception=True)
def import_mapping(request, pk):
    job = _job(pk)
    if job.status != PatientImport.Status.PREVIEWED:
        raise Http404("This file was imported already.")
    table = importer.f.read_table(bytes(job.content), job.file_name)
    form = MappingForm(table.headers, job.mapping, request.POST)
    if form.is_valid():
        job.mapping = form.mapping()
        if request.POST.get("preset") in PRESETS:
            job.preset = request.POST["preset"]
        job.save(update_fields=["mapping", "preset"])
        messages.success(request, "Columns saved; the check below uses them.")
    return redirect("patients:import_detail", job.pk)


@require_POST
@permission_required("patients.import_patients", raise_exception=True)
def import_run(request, pk):
    try:
        importer.start_import(pk, actor=request.user)
    except importer.ImportAlreadyDone:
        raise Http404("This file was imported already.") from None
    return redirect("patients:import_detail", pk)


@permission_required("patients.import_patients", raise_exception=True)
def import_progress(request, pk):
    job = _job(pk)
    if not job.in_progress and request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # finished: show the whole result page
        return response
    return render(request, "patients/_import_progress.html", {"job": job})


@require_POST
@permission_required("patients.import_patients", raise_exception=True)
def import_undo(request, pk):
    try:
        result = importer.undo_import(pk, actor=request.user)
    except importer.UndoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Import undone: {result['removed']} patients removed, "
                                  f"{result['restored']} put back as they were"
                                  + (f", {result['kept']} kept because other records refer "
                                     "to them" if result["kept"] else "") + ".")
    return redirect("patients:import_detail", pk)


@permission_required("patients.import_patients", raise_exception=True)
def import_report_csv(request, pk):
    """Every row that was not simply created, with its line number: the dry run's list while
    the job is checked, what happened once it ran."""
    job = _job(pk)
    rows = importer.dry_run(job).report if job.status == PatientImport.Status.PREVIEWED \
        else job.skipped
    response = HttpResponse(importer.report_csv(rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-report.csv"'
    return response


@permission_required("patients.import_patients", raise_exception=True)
def needs_checking(request):
    """Patients an import brought in with something kept aside, or without known consent."""
    show = request.GET.get("show", "values")
    qs = Patient.objects.select_related("home_clinic").order_by("last_name", "first_name")
    counts = {"values": qs.exclude(to_check={}).count(),
              "consent": qs.filter(consent_source="unknown").count()}
    qs = qs.filter(consent_source="unknown") if show == "consent" else qs.exclude(to_check={})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    record(request.user, AuditEvent.Action.VIEW, request.user,
           f"Viewed the patients needing checking (page {page.number})")
    return render(request, "patients/needs_checking.html",
                  {"page": page, "show": show, "counts": counts})


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = ["number", "first_name", "last_name", "preferred_name", "date_of_birth", "sex",
                  "email", "mobile", "address_line", "suburb", "state", "postcode",
                  "home_clinic__short_name", "sms_consent", "archived", "created_at"]


@permission_required("patients.export_patients", raise_exception=True)
def export_csv(request):
    """The patients list as CSV, with the list's search and filters; streamed, so 100,000 rows
    do not sit in memory."""
    qs = scope_patients(Patient.objects.all(), request.user)
    if request.GET.get("clinic"):
        qs = qs.filter(home_clinic_id=int_or_none(request.GET["clinic"]))
    archived = request.GET.get("archived", "")
    if archived == "yes":
        qs = qs.filter(archived=True)
    elif archived != "all":
        qs = qs.filter(archived=False)
    q = request.GET.get("q", "").strip()
    qs = search_patients(q, qs) if q else qs.order_by("last_name", "first_name", "number")
    record(request.user, AuditEvent.Action.EXPORT, request.user,
           f"Exported patients to CSV (search “{q}”)" if q else "Exported patients to CSV")
    writer = safe_csv_writer(_Echo())
    rows = qs.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000)

    def stream():
        yield writer.writerow([c.replace("home_clinic__short_name", "home_clinic")
                               for c in EXPORT_COLUMNS])
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="patients-{timezone.localdate():%Y%m%d}.csv"')
    return response
