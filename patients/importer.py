"""CSV import of patients exported from other systems (Cliniko, Nookal, Halaxy, a spreadsheet).

Two steps, like every import a receptionist trusts: `preview_import` reads the file, maps its
columns, validates every row with the same rules as the patient form and flags likely duplicates,
writing nothing; `run_import` then creates the valid rows in one transaction (all or nothing) and
reports the rows it skipped with their line numbers and reasons.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.models import NumberSequence
from ncc.phones import to_mobile_e164

from .models import Patient, Sex, validate_birth_date
from .services import FIRST_PATIENT_NUMBER, PATIENT_NUMBER_SEQUENCE

MAX_ROWS = 50_000

# Our field -> header names other systems use (compared lower-cased, without spaces/underscores).
COLUMN_ALIASES = {
    "first_name": ["firstname", "givenname", "first", "forename", "patientfirstname"],
    "last_name": ["lastname", "surname", "familyname", "last", "patientlastname"],
    "preferred_name": ["preferredname", "knownas", "nickname", "preferredfirstname"],
    "date_of_birth": ["dateofbirth", "dob", "birthdate", "birthday"],
    "sex": ["sex", "gender"],
    "email": ["email", "emailaddress", "email1"],
    "mobile": ["mobile", "mobilephone", "mobilenumber", "cell", "phonemobile", "phone", "mobileno"],
    "address_line": ["address", "address1", "addressline1", "street", "streetaddress"],
    "suburb": ["suburb", "city", "town", "locality"],
    "state": ["state", "region"],
    "postcode": ["postcode", "postalcode", "zip", "zipcode"],
    "alerts": ["alerts", "medicalalerts", "warnings"],
    "notes": ["notes", "comments"],
}
REQUIRED = ["first_name", "last_name", "date_of_birth"]
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
SEX_VALUES = {"f": Sex.FEMALE, "female": Sex.FEMALE, "m": Sex.MALE, "male": Sex.MALE,
              "x": Sex.INTERSEX, "intersex": Sex.INTERSEX}
STATES = {"NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not CSV, no header, a required column missing)."""


@dataclass
class RowResult:
    line: int
    data: dict
    errors: dict = field(default_factory=dict)
    duplicate_of: str = ""  # "John Smith #10023" when the same name and DOB is already on file

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    columns: dict  # our field -> their header
    ignored_headers: list
    rows: list

    @property
    def valid(self):
        return [r for r in self.rows if r.ok]

    @property
    def invalid(self):
        return [r for r in self.rows if not r.ok]

    @property
    def duplicates(self):
        return [r for r in self.rows if r.ok and r.duplicate_of]


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def map_columns(headers: list[str]) -> tuple[dict, list]:
    columns, used = {}, set()
    for ours, aliases in COLUMN_ALIASES.items():
        for header in headers:
            if header not in used and (_key(header) == _key(ours) or _key(header) in aliases):
                columns[ours] = header
                used.add(header)
                break
    return columns, [h for h in headers if h not in used]


def _parse_date(value: str) -> date:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError(f"“{value}” is not a date (use 31/12/1980).")


def _clean_row(raw: dict) -> tuple[dict, dict]:
    data, errors = {}, {}
    for name in COLUMN_ALIASES:
        data[name] = (raw.get(name) or "").strip()
    for name in REQUIRED:
        if not data[name]:
            errors[name] = "missing"
    if data["date_of_birth"]:
        try:
            data["date_of_birth"] = _parse_date(data["date_of_birth"])
            validate_birth_date(data["date_of_birth"])
        except ValidationError as exc:
            errors["date_of_birth"] = " ".join(exc.messages)
    if data["mobile"]:
        try:
            data["mobile"] = to_mobile_e164(data["mobile"])
        except ValidationError as exc:
            errors["mobile"] = " ".join(exc.messages)
    if data["email"]:
        from django.core.validators import validate_email

        try:
            validate_email(data["email"])
            data["email"] = data["email"].lower()
        except ValidationError:
            errors["email"] = f"“{data['email']}” is not an email address."
    data["sex"] = SEX_VALUES.get(data["sex"].lower(), Sex.UNSPECIFIED)
    state = data["state"].upper()
    data["state"] = state if state in STATES else ""
    if data["postcode"] and not (len(data["postcode"]) == 4 and data["postcode"].isdigit()):
        errors["postcode"] = f"“{data['postcode']}” is not a four-digit postcode."
    for name, limit in (("first_name", 80), ("last_name", 80), ("preferred_name", 80),
                        ("suburb", 80), ("address_line", 200)):
        if len(data[name]) > limit:
            errors[name] = f"longer than {limit} characters"
    return data, errors


def read_csv(content: bytes) -> tuple[list[str], list[dict]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")  # Excel on Windows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise ImportFileError("The file is empty or has no header row.")
    rows = list(reader)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(rows)} rows; import at most {MAX_ROWS} at once.")
    return [h for h in reader.fieldnames if h], rows


def preview_import(content: bytes) -> ImportPreview:
    headers, raw_rows = read_csv(content)
    columns, ignored = map_columns(headers)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFileError(
            "The file needs columns for " + ", ".join(n.replace("_", " ") for n in missing)
            + f". Its columns are: {', '.join(headers)}."
        )
    rows = []
    for line, raw in enumerate(raw_rows, start=2):  # line 1 is the header
        mapped = {ours: raw.get(theirs, "") for ours, theirs in columns.items()}
        if not any((v or "").strip() for v in mapped.values()):
            continue  # blank line
        data, errors = _clean_row(mapped)
        rows.append(RowResult(line, data, errors))
    _flag_duplicates(rows)
    return ImportPreview(columns, ignored, rows)


def _flag_duplicates(rows: list[RowResult]) -> None:
    """Same first name, last name and date of birth as a patient on file, or earlier in the file."""
    births = {r.data["date_of_birth"] for r in rows if r.ok}
    existing = {}
    for p in Patient.objects.filter(date_of_birth__in=births).only(
        "first_name", "last_name", "date_of_birth", "number"
    ):
        existing[(p.first_name.lower(), p.last_name.lower(), p.date_of_birth)] = (
            f"{p.full_name} #{p.number}")
    seen = {}
    for r in rows:
        if not r.ok:
            continue
        key = (r.data["first_name"].lower(), r.data["last_name"].lower(), r.data["date_of_birth"])
        if key in existing:
            r.duplicate_of = existing[key]
        elif key in seen:
            r.duplicate_of = f"line {seen[key]} of this file"
        else:
            seen[key] = r.line


@transaction.atomic
def run_import(content: bytes, *, home_clinic: Clinic, actor, skip_duplicates: bool = True,
               sms_consent: bool = True) -> dict:
    """Create every valid row in one transaction; returns counts and the skipped lines."""
    preview = preview_import(content)
    to_create = [r for r in preview.valid if not (skip_duplicates and r.duplicate_of)]
    numbers = NumberSequence.next_block(PATIENT_NUMBER_SEQUENCE, len(to_create),
                                        start=FIRST_PATIENT_NUMBER) if to_create else []
    patients = []
    for number, row in zip(numbers, to_create, strict=True):
        patient = Patient(number=number, home_clinic=home_clinic, sms_consent=sms_consent,
                          **row.data)
        patient.search_text = patient.build_search_text()
        patients.append(patient)
    Patient.objects.bulk_create(patients, batch_size=1000)
    skipped = [{"line": r.line, "reason": "; ".join(f"{k.replace('_', ' ')}: {v}"
                                                     for k, v in r.errors.items())}
               for r in preview.invalid]
    if skip_duplicates:
        skipped += [{"line": r.line, "reason": f"already on file as {r.duplicate_of}"}
                    for r in preview.duplicates]
    skipped.sort(key=lambda s: s["line"])
    if actor is not None and patients:
        record(actor, AuditEvent.Action.CREATE, home_clinic,
               f"Imported {len(patients)} patients from CSV into {home_clinic.short_name}",
               {"created": len(patients), "skipped": len(skipped)})
    return {"created": len(patients), "skipped": skipped}


class ImportAlreadyDone(Exception):
    """The checked file was imported already (a second click, or two receptionists at once)."""


def import_checked_file(job_id, *, actor):
    """Import a checked upload once: the job row is locked, so a double click or two people
    confirming together import it a single time."""
    from django.utils import timezone

    from .models import PatientImport

    with transaction.atomic():
        job = (PatientImport.objects.select_for_update().select_related("home_clinic")
               .filter(pk=job_id, status=PatientImport.Status.PREVIEWED).first())
        if job is None:
            raise ImportAlreadyDone
        result = run_import(bytes(job.content), home_clinic=job.home_clinic, actor=actor,
                            skip_duplicates=job.skip_duplicates)
        job.status = PatientImport.Status.IMPORTED
        job.created = result["created"]
        job.skipped = result["skipped"]
        job.imported_at = timezone.now()
        job.save(update_fields=["status", "created", "skipped", "imported_at"])
    return job
