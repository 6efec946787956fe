"""Importing appointments (past and future) from another system's export.

Each row is matched to a patient by the other system's patient ID (kept on the patient by the
patient import) or, in our own export, by our patient number; to a clinician and an appointment
type by name, through a mapping the person can correct (job.options). A row that would overlap
another appointment of the same clinician is reported as a conflict and not created: the book
never holds a double booking because an import forced one. Rerunning creates nothing: a row
whose appointment ID (or patient, clinician and start) is already on file is unchanged.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic, Clinician
from patients import import_files as f
from patients.import_files import Doubtful, ImportFileError
from patients.models import Patient, PatientImport

from .models import Appointment, AppointmentStatus, AppointmentType

BATCH = 5000

SYNONYMS = {
    "source_id": ["appointmentid", "id", "bookingid", "apptid", "sourceid"],
    "patient_source_id": ["patientid", "clientid", "clientnumber", "patientno", "clientno",
                          "patientsourceid", "clientidpd"],
    "patient_number": ["patientnumber"],
    "starts_at": ["start", "starttime", "startsat", "appointmentstart", "startdatetime",
                  "appointmentdatetime", "datetime", "from"],
    "ends_at": ["end", "endtime", "endsat", "appointmentend", "enddatetime", "to", "finish"],
    "date": ["date", "appointmentdate", "day"],
    "time": ["time", "appointmenttime"],
    "duration": ["duration", "durationminutes", "length", "minutes", "durationmins"],
    "clinician": ["practitioner", "clinician", "provider", "practitionername", "staff",
                  "therapist", "doctor", "podiatrist"],
    "appointment_type": ["appointmenttype", "type", "service", "appointmenttypename",
                         "servicename", "treatment", "item"],
    "clinic": ["clinic", "location", "business", "site", "branch"],
    "status": ["status", "appointmentstatus", "attendance", "outcome"],
    "cancellation_reason": ["cancellationreason", "cancelreason", "reasonforcancellation"],
    "reason": ["reason", "reasonforvisit"],
    "notes": ["notes", "note", "comments", "appointmentnotes"],
}
_LOOKUP = {alias: ours for ours, aliases in SYNONYMS.items() for alias in aliases}
STATUSES = {
    "booked": AppointmentStatus.BOOKED, "scheduled": AppointmentStatus.BOOKED,
    "pending": AppointmentStatus.BOOKED, "unconfirmed": AppointmentStatus.BOOKED,
    "confirmed": AppointmentStatus.CONFIRMED, "arrived": AppointmentStatus.ARRIVED,
    "inroom": AppointmentStatus.ARRIVED, "completed": AppointmentStatus.COMPLETED,
    "attended": AppointmentStatus.COMPLETED, "done": AppointmentStatus.COMPLETED,
    "finished": AppointmentStatus.COMPLETED, "cancelled": AppointmentStatus.CANCELLED,
    "canceled": AppointmentStatus.CANCELLED, "noshow": AppointmentStatus.NO_SHOW,
    "dna": AppointmentStatus.NO_SHOW, "didnotarrive": AppointmentStatus.NO_SHOW,
    "didnotattend": AppointmentStatus.NO_SHOW, "failedtoattend": AppointmentStatus.NO_SHOW,
}


def _name_key(text: str) -> str:
    return re.sub(r"^(dr|mr|mrs|ms|miss)\b", "", f.header_key(text))


def _clinician_names() -> dict:
    names = {}
    for c in Clinician.objects.select_related("user"):
        for label in (c.display_name, c.user.get_full_name(), c.user.first_name):
            names.setdefault(_name_key(label), c.pk)
    return names


def auto_options(table, mapping: dict) -> dict:
    """Their clinician, type and clinic names -> ours, matched by name where it is the same."""
    index = {h: i for i, h in enumerate(table.headers)}
    wanted = {t: index[h] for h, t in mapping.items()
              if t in ("clinician", "appointment_type", "clinic")}
    seen = {t: set() for t in ("clinician", "appointment_type", "clinic")}
    for _line, cells, _f in table:
        for target, i in wanted.items():
            if i < len(cells) and f.one_line(cells[i]):
                seen[target].add(f.one_line(cells[i]))
    clinicians = _clinician_names()
    types = {f.header_key(t.name): t.pk for t in AppointmentType.objects.all()}
    clinics = {}
    for c in Clinic.objects.all():
        clinics[f.header_key(c.short_name)] = c.pk
        clinics.setdefault(f.header_key(c.name), c.pk)
    return {
        "clinicians": {n: clinicians.get(_name_key(n)) for n in sorted(seen["clinician"])},
        "types": {n: types.get(f.header_key(n)) for n in sorted(seen["appointment_type"])},
        "clinics": {n: clinics.get(f.header_key(n)) for n in sorted(seen["clinic"])},
    }


def auto_mapping(headers) -> dict:
    mapping, used = {}, set()
    for header in headers:
        ours = _LOOKUP.get(f.header_key(header))
        if ours and ours not in used:
            mapping[header] = ours
            used.add(ours)
        else:
            mapping[header] = ""
    return mapping


def create_job(*, content: bytes, file_name: str, home_clinic, actor, preset: str = "",
               options: dict | None = None) -> PatientImport:
    table = f.read_table(content, file_name, f.PRESETS.get(preset))
    mapping = auto_mapping(table.headers)
    if not ({"patient_source_id", "patient_number"} & set(mapping.values())):
        raise ImportFileError("The file needs a column with the patient's ID in the other "
                              "system (Patient ID, Client ID). Its columns are: "
                              + ", ".join(table.headers) + ".")
    if not ({"starts_at", "date"} & set(mapping.values())):
        raise ImportFileError("The file needs a column with the appointment's start (Start, "
                              "or Date and Time).")
    found = auto_options(table, mapping)
    for key, given in (options or {}).items():
        found.setdefault(key, {}).update(given)
    return PatientImport.objects.create(
        kind=PatientImport.Kind.APPOINTMENTS, content=content, file_name=file_name[:200],
        home_clinic=home_clinic, preset=preset or f.detect_preset(table.headers).key,
        mapping=mapping, options=found, created_by=actor if getattr(actor, "pk", None) else None)


@dataclass
class Outcome:
    counts: dict = field(default_factory=lambda: {"create": 0, "unchanged": 0, "conflict": 0,
                                                  "reject": 0})
    report: list = field(default_factory=list)

    def add(self, line, outcome, reason=""):
        self.counts[outcome] += 1
        if reason:
            self.report.append({"line": line, "outcome": outcome, "name": "", "reason": reason})


def _parse_when(value, clinic_tz, *, time_text=None) -> datetime:
    """A local date and time in the clinic's zone (or an ISO time with an offset) -> aware."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = f.one_line(value)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None:
            m = re.search(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$", text, re.I)
            clock = time(0, 0)
            day_text = text
            if m:
                hour = int(m[1]) % 12 + (12 if m[4] and m[4][0].lower() == "p" else 0) \
                    if m[4] else int(m[1])
                clock = time(hour, int(m[2]), int(m[3] or 0))
                day_text = text[:m.start()].strip(" ,T")
            day = f.parse_date(day_text)
            moment = datetime.combine(day, clock)
    if time_text:
        clock_text = f.one_line(time_text)
        m = re.match(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*([ap]\.?m\.?)?$", clock_text, re.I)
        if not m:
            raise Doubtful(f"“{clock_text}” is not a time.")
        hour = int(m[1]) % 12 + (12 if m[3] and m[3][0].lower() == "p" else 0) if m[3] \
            else int(m[1])
        moment = datetime.combine(moment.date(), time(hour, int(m[2])))
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=clinic_tz)
    return moment


class _Book:
    """Every clinician's non-cancelled appointments by local day, to find overlaps in memory."""

    def __init__(self):
        self.days = {}

    def load(self, clinician_ids, start, end):
        for cid, s, e in Appointment.objects.filter(
                clinician_id__in=clinician_ids, starts_at__lt=end, ends_at__gt=start).exclude(
                status=AppointmentStatus.CANCELLED).values_list("clinician_id", "starts_at",
                                                                "ends_at"):
            self.add(cid, s, e)

    def _key(self, cid, moment):
        return cid, moment.astimezone(UTC).date()

    def overlaps(self, cid, s, e) -> bool:
        for day in {self._key(cid, s), self._key(cid, e - timedelta(microseconds=1))}:
            for s2, e2 in self.days.get(day, ()):
                if s < e2 and s2 < e:
                    return True
        return False

    def add(self, cid, s, e):
        for day in {self._key(cid, s), self._key(cid, e - timedelta(microseconds=1))}:
            self.days.setdefault(day, []).append((s, e))


def process(job: PatientImport, *, write: bool, progress=None) -> Outcome:
    table = f.read_table(bytes(job.content), job.file_name, f.PRESETS.get(job.preset))
    mapping, options = job.mapping, job.options
    index = {h: i for i, h in enumerate(table.headers)}
    cols = {t: index[h] for h, t in mapping.items() if t and h in index}
    clinicians = {k: v for k, v in options.get("clinicians", {}).items() if v}
    types = {k: v for k, v in options.get("types", {}).items() if v}
    clinics_by_name = {k: v for k, v in options.get("clinics", {}).items() if v}
    clinics = {c.pk: c for c in Clinic.objects.all()}
    type_minutes = dict(AppointmentType.objects.values_list("pk", "duration_minutes"))
    system = job.preset
    if "patient_number" in cols:
        patients = dict(Patient.objects.values_list("number", "pk"))
        patients = {str(k): v for k, v in patients.items()}
    else:
        patients = dict(Patient.objects.filter(source_system=system).exclude(source_id="")
                        .values_list("source_id", "pk"))
    known_sources = set(Appointment.objects.filter(source_id__startswith=f"{system}:")
                        .values_list("source_id", flat=True))
    book = _Book()
    book.load(list(set(clinicians.values())), timezone.now() - timedelta(days=365 * 30),
              timezone.now() + timedelta(days=365 * 10))
    known_slots = set()
    if not known_sources:
        known_slots = set(Appointment.objects.filter(clinician_id__in=set(clinicians.values()))
                          .values_list("patient_id", "clinician_id", "starts_at"))
    out, batch, done = Outcome(), [], 0

    def cell(cells, name):
        i = cols.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    def flush():
        nonlocal batch
        if write and batch:
            with transaction.atomic():
                Appointment.objects.bulk_create(batch, batch_size=1000)
                job.created += len(batch)
                job.save(update_fields=["created"])
        batch = []
        if progress:
            progress(done)

    for line, cells, _formulas in table:
        done += 1
        sid = f.one_line(cell(cells, "source_id"))
        source = f"{system}:{sid}" if sid else ""
        if source and source in known_sources:
            out.add(line, "unchanged")
            continue
        who = f.one_line(cell(cells, "patient_number") or cell(cells, "patient_source_id"))
        patient_id = patients.get(who)
        if patient_id is None:
            out.add(line, "reject", f"No patient with ID “{who}” (import the patients first).")
            continue
        their_clinician = f.one_line(cell(cells, "clinician"))
        clinician_id = clinicians.get(their_clinician)
        if clinician_id is None:
            out.add(line, "reject", f"Clinician “{their_clinician}” is not matched to one "
                                    "of ours.")
            continue
        their_type = f.one_line(cell(cells, "appointment_type"))
        type_id = types.get(their_type)
        if type_id is None:
            out.add(line, "reject", f"Appointment type “{their_type}” is not matched to one "
                                    "of ours.")
            continue
        clinic = clinics.get(clinics_by_name.get(f.one_line(cell(cells, "clinic"))),
                             clinics[job.home_clinic_id])
        try:
            start = _parse_when(cell(cells, "starts_at") or cell(cells, "date"), clinic.tz,
                                time_text=cell(cells, "time") if "time" in cols else None)
            if f.one_line(cell(cells, "ends_at")):
                end = _parse_when(cell(cells, "ends_at"), clinic.tz)
                if end.date() != start.date() and len(f.one_line(cell(cells, "ends_at"))) <= 8:
                    end = datetime.combine(start.date(), end.time(), start.tzinfo)
            else:
                minutes = f.one_line(cell(cells, "duration"))
                end = start + timedelta(minutes=int(float(minutes)) if minutes
                                        else type_minutes[type_id])
        except (Doubtful, ValueError) as exc:
            out.add(line, "reject", str(exc) if isinstance(exc, Doubtful)
                    else "The start or end cannot be read.")
            continue
        if end <= start:
            out.add(line, "reject", "The appointment ends before it starts.")
            continue
        status = STATUSES.get(f.header_key(cell(cells, "status")), AppointmentStatus.BOOKED)
        if not source and (patient_id, clinician_id, start) in known_slots:
            out.add(line, "unchanged")
            continue
        if status != AppointmentStatus.CANCELLED:
            if book.overlaps(clinician_id, start, end):
                out.add(line, "conflict", f"Overlaps another appointment of "
                                          f"{their_clinician} at {start:%d/%m/%Y %H:%M}.")
                continue
            book.add(clinician_id, start, end)
        reason = f.one_line(cell(cells, "cancellation_reason"))[:200]
        if status == AppointmentStatus.CANCELLED and not reason:
            reason = "Cancelled in the previous system"
        batch.append(Appointment(
            patient_id=patient_id, clinician_id=clinician_id, clinic=clinic,
            appointment_type_id=type_id, starts_at=start, ends_at=end, status=status,
            reason=f.one_line(cell(cells, "reason"))[:200],
            notes=f.multi_line(cell(cells, "notes")), cancellation_reason=reason
            if status == AppointmentStatus.CANCELLED else "",
            source_id=source, import_job=job, created_by=job.created_by))
        if source:
            known_sources.add(source)
        out.add(line, "create")
        if len(batch) >= BATCH:
            flush()
    flush()
    return out


def run_job(job_id, *, actor=None, progress=None) -> PatientImport:
    job = PatientImport.objects.select_related("home_clinic").get(pk=job_id)
    if job.status != PatientImport.Status.PREVIEWED:
        return job
    PatientImport.objects.filter(pk=job.pk).update(status=PatientImport.Status.RUNNING)

    def on_progress(done):
        PatientImport.objects.filter(pk=job.pk).update(processed=done,
                                                       heartbeat_at=timezone.now())
        if progress:
            progress(done)

    out = process(job, write=True, progress=on_progress)
    job.status, job.counts, job.skipped = PatientImport.Status.IMPORTED, out.counts, out.report
    job.imported_at = timezone.now()
    job.total = job.processed = sum(out.counts.values())
    job.save()
    c = out.counts
    record(actor, AuditEvent.Action.CREATE, job,
           f"Imported appointments from {job.file_name}: {c['create']} created, "
           f"{c['conflict']} conflicts, {c['reject']} rejected", {"job": job.pk, **c})
    return job


@transaction.atomic
def undo_job(job_id, *, actor) -> int:
    job = PatientImport.objects.select_for_update().get(pk=job_id,
                                                        kind=PatientImport.Kind.APPOINTMENTS)
    created = Appointment.objects.filter(import_job=job)
    kept = set()
    for rel in Appointment._meta.related_objects:
        model, name = rel.related_model, rel.field.name
        kept |= set(model._default_manager.filter(**{f"{name}__in": created.values("pk")})
                    .values_list(name, flat=True))
    removed, _ = created.exclude(pk__in=kept).delete()
    job.status, job.undone_at = PatientImport.Status.UNDONE, timezone.now()
    job.message = f"Undone: {removed} appointments removed" + (
        f"; {len(kept)} kept because invoices or messages refer to them." if kept else ".")
    job.save(update_fields=["status", "undone_at", "message"])
    record(actor, AuditEvent.Action.OTHER, job, f"Undid import {job.file_name}: {job.message}")
    return removed
