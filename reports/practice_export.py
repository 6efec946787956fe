"""Everything a practice holds, as one ZIP of CSV and JSON files: what it takes with it when it
moves on, and what the import reads back.

patients.csv and appointments.csv use the columns the importers read (our own export is a
preset), so exporting, importing into an empty practice and exporting again gives the same
files. The money and message files (invoices, lines, payments, credit notes, SMS) and clinical
notes, where that app exists, hold every column of their rows, with the patient's number beside
each patient reference so a person can follow them.
"""

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import record
from ncc.safety import safe_csv_writer

PATIENT_COLUMNS = [
    "number", "source_system", "source_id", "title", "first_name", "middle_name", "last_name",
    "preferred_name", "date_of_birth", "sex", "gender", "email", "mobile", "home_phone",
    "work_phone", "address_line", "suburb", "state", "postcode", "medicare_number",
    "medicare_irn", "dva_file_number", "dva_card_colour", "health_fund",
    "health_fund_member_number", "emergency_contact_name", "emergency_contact_relationship",
    "emergency_contact_phone", "referring_gp", "alerts", "notes", "home_clinic", "sms_consent",
    "email_consent", "consent_source", "archived", "deceased", "registered_on", "to_check",
]
APPOINTMENT_COLUMNS = ["patient_number", "clinic", "clinician", "appointment_type",
                       "starts_at", "ends_at", "status", "reason", "cancellation_reason",
                       "notes"]
# Other rows exported whole, when their app is installed: file name -> model label.
OTHER_MODELS = {
    "invoices": "billing.Invoice", "invoice_lines": "billing.InvoiceLine",
    "payments": "billing.Payment", "credit_notes": "billing.CreditNote",
    "sms": "messaging.SMSMessage", "clinical_notes": "clinical.TreatmentNote",
    "clinical_addenda": "clinical.Addendum", "referrals": "clinical.Referral",
    "attachments": "clinical.Attachment", "letters": "clinical.Letter",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) \
            else value.isoformat()
    if isinstance(value, Decimal):
        return value  # a number: a negative amount is data, not a formula to escape
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
    return str(value)


def patient_rows():
    from patients.models import Patient

    qs = Patient.objects.select_related("home_clinic").order_by("number")
    for p in qs.iterator(chunk_size=2000):
        row = {}
        for col in PATIENT_COLUMNS:
            if col == "home_clinic":
                row[col] = p.home_clinic.short_name
            else:
                row[col] = _text(getattr(p, col, ""))
        yield row


def appointment_rows():
    from scheduling.models import Appointment

    qs = (Appointment.objects.select_related("patient", "clinic", "clinician__user",
                                             "appointment_type")
          .order_by("starts_at", "patient__number", "clinician_id"))
    for a in qs.iterator(chunk_size=2000):
        tz = a.clinic.tz
        yield {
            "patient_number": str(a.patient.number), "clinic": a.clinic.short_name,
            "clinician": a.clinician.display_name, "appointment_type": a.appointment_type.name,
            "starts_at": a.starts_at.astimezone(tz).isoformat(),
            "ends_at": a.ends_at.astimezone(tz).isoformat(), "status": a.status,
            "reason": a.reason, "cancellation_reason": a.cancellation_reason,
            "notes": a.notes,
        }


def model_rows(model):
    """Every concrete column; beside a patient reference, the patient's number."""
    fields = [f for f in model._meta.concrete_fields if f.get_internal_type() != "BinaryField"]
    patient_fks = [f for f in fields if f.is_relation and f.related_model
                   and f.related_model._meta.label == "patients.Patient"]
    columns = [f.attname for f in fields] + [f"{f.name}_number" for f in patient_fks]
    qs = model._default_manager.order_by("pk")
    if patient_fks:
        qs = qs.select_related(*(f.name for f in patient_fks))
    rows = []
    for obj in qs.iterator(chunk_size=2000):
        row = {f.attname: _text(getattr(obj, f.attname)) for f in fields}
        for f in patient_fks:
            patient = getattr(obj, f.name)
            row[f"{f.name}_number"] = str(patient.number) if patient else ""
        rows.append(row)
    return columns, rows


def _add(archive: zipfile.ZipFile, name: str, columns: list, rows) -> int:
    out = io.StringIO()
    writer = safe_csv_writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    as_json, count = [], 0
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
        as_json.append(row)
        count += 1
    archive.writestr(f"{name}.csv", out.getvalue().encode("utf-8"))
    archive.writestr(f"{name}.json", json.dumps(as_json, ensure_ascii=False, indent=1, default=str))
    return count


def build_export() -> tuple[bytes, dict]:
    """The ZIP's bytes and how many rows each file holds."""
    buffer = io.BytesIO()
    counts = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        counts["patients"] = _add(archive, "patients", PATIENT_COLUMNS, patient_rows())
        counts["appointments"] = _add(archive, "appointments", APPOINTMENT_COLUMNS,
                                      appointment_rows())
        for name, label in OTHER_MODELS.items():
            try:
                model = apps.get_model(label)
            except LookupError:
                continue  # that app is not part of this installation
            columns, rows = model_rows(model)
            counts[name] = _add(archive, name, columns, rows)
        archive.writestr("README.txt", (
            "Exported from Nexus Core Clinic on " + timezone.now().isoformat() + ".\n"
            "Each table is a CSV (UTF-8, comma, \"\" for a quote inside a field) and the same "
            "rows as JSON. A cell that would start a spreadsheet formula has a leading '.\n"
            "patients.csv and appointments.csv can be imported back as they are "
            "(Patients > Import, \"Nexus Core Clinic export\").\n"
            + "".join(f"{k}: {v} rows\n" for k, v in counts.items())).encode())
    return buffer.getvalue(), counts


@require_GET
@permission_required("patients.export_patients", raise_exception=True)
def export_everything(request):
    content, counts = build_export()
    record(request.user, AuditEvent.Action.EXPORT, request.user,
           "Exported everything (ZIP): " + ", ".join(f"{v} {k}" for k, v in counts.items()),
           counts)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="practice-export-{timezone.localdate():%Y%m%d}.zip"')
    return response


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
