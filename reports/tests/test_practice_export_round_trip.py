"""Everything exportable in one ZIP, in the columns the import reads: exporting, importing into
an empty practice and exporting again gives the same files."""

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from patients import importer as patient_importer
from patients.models import Patient
from reports.practice_export import build_export
from scheduling import importer as appointment_importer
from scheduling.models import Appointment

FIXTURES = Path(__file__).resolve().parents[2] / "patients" / "tests" / "fixtures"
ROUND_TRIP = ["patients.csv", "patients.json", "appointments.csv", "appointments.json"]


def _files(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_export_import_into_an_empty_practice_and_export_again_gives_identical_files(
        sydney_cbd, brisbane, sam_owner, ben_clinician, ana_clinician, review_type):
    from ncc import testing

    for name in ("cliniko.csv", "nookal.csv", "halaxy.csv", "zanda.csv", "spreadsheet.csv"):
        patient_importer.import_file((FIXTURES / name).read_bytes(), file_name=name,
                                     home_clinic=sydney_cbd, actor=sam_owner)
    here = testing.make_patient(brisbane, "Zoe", "Quinn", notes="=2+2 and “curly” quotes",
                                alerts="Diabetic\nWarfarin")
    job = appointment_importer.create_job(
        content=(FIXTURES / "cliniko_appointments.csv").read_bytes(), file_name="a.csv",
        home_clinic=sydney_cbd, actor=sam_owner, preset="cliniko",
        options={"clinicians": {"Ben Foot": ben_clinician.pk}})
    appointment_importer.run_job(job.pk, actor=sam_owner)
    testing.make_appointment(here, ana_clinician, brisbane, review_type,
                             datetime(2030, 2, 1, 0, 0, tzinfo=UTC), reason="Heel pain")

    first = _files(build_export()[0])
    assert {"patients.csv", "appointments.csv", "invoices.csv", "invoice_lines.csv",
            "payments.csv", "credit_notes.csv", "sms.csv", "README.txt"} <= set(first)
    assert first["patients.csv"].count(b"\r\n1") >= 15

    # An empty practice (same clinics, clinicians and types): import the two files back.
    Appointment.objects.all().delete()
    Patient.objects.all().delete()
    patients = patient_importer.import_file(first["patients.csv"], file_name="patients.csv",
                                            home_clinic=sydney_cbd, actor=sam_owner)
    assert patients.preset == "ncc" and patients.counts["reject"] == 0
    appointments = appointment_importer.create_job(
        content=first["appointments.csv"], file_name="appointments.csv",
        home_clinic=sydney_cbd, actor=sam_owner)
    appointments = appointment_importer.run_job(appointments.pk, actor=sam_owner)
    assert appointments.counts["reject"] == appointments.counts["conflict"] == 0

    second = _files(build_export()[0])
    for name in ROUND_TRIP:
        assert second[name] == first[name], name
    # Running the same files again creates nothing.
    again = patient_importer.import_file(first["patients.csv"], file_name="patients.csv",
                                         home_clinic=sydney_cbd, actor=sam_owner)
    assert again.counts["create"] == 0 and again.counts["update"] == 0


@pytest.mark.django_db
def test_an_admin_downloads_everything_and_it_is_audited(sam_client, john_smith):
    from audit.models import AuditEvent

    response = sam_client.get("/export/everything.zip")
    assert response["Content-Type"] == "application/zip"
    assert b"Smith" in _files(response.content)["patients.csv"]
    assert AuditEvent.objects.filter(action="export", summary__startswith="Exported everything")
