"""Appointments from another system: matched to patients by that system's ID, clinicians and
types by a mapping, overlaps reported and not forced; rerun creates nothing; undo removes them."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from patients import importer as patient_importer
from scheduling import importer
from scheduling.models import Appointment

FIXTURES = Path(__file__).resolve().parents[2] / "patients" / "tests" / "fixtures"


@pytest.fixture
def cliniko_patients(sydney_cbd, sam_owner):
    return patient_importer.import_file((FIXTURES / "cliniko.csv").read_bytes(),
                                        file_name="cliniko.csv", home_clinic=sydney_cbd,
                                        actor=sam_owner)


def _job(sydney_cbd, sam_owner, options=None):
    return importer.create_job(content=(FIXTURES / "cliniko_appointments.csv").read_bytes(),
                               file_name="appointments.csv", home_clinic=sydney_cbd,
                               actor=sam_owner, preset="cliniko", options=options)


@pytest.mark.django_db
def test_appointments_import_past_and_future_and_report_conflicts(
        cliniko_patients, sydney_cbd, sam_owner, ben_clinician, ana_clinician, review_type):
    job = _job(sydney_cbd, sam_owner)
    # Ana is found by name; "Ben Foot" is not a name we have, so it waits for the mapping.
    assert job.options["clinicians"] == {"Ana": ana_clinician.pk, "Ben Foot": None}
    assert job.options["types"] == {"Massage": None, "Review": review_type.pk}
    job.options["clinicians"]["Ben Foot"] = ben_clinician.pk
    job.save()
    job = importer.run_job(job.pk, actor=sam_owner)
    assert job.counts == {"create": 4, "unchanged": 0, "conflict": 1, "reject": 2}
    reasons = {r["line"]: r["reason"] for r in job.skipped}
    assert "Overlaps another appointment of Ben Foot" in reasons[5]
    assert "No patient with ID “9999”" in reasons[7]
    assert "Appointment type “Massage”" in reasons[8]
    past = Appointment.objects.get(source_id="cliniko:A1")
    assert past.status == "completed" and past.notes == 'Left "big" toe\nreviewed'
    assert past.starts_at == datetime(2021, 5, 2, 23, 0, tzinfo=UTC)  # 9 am in Sydney
    assert past.patient.source_id == "1001" and past.clinician == ben_clinician
    cancelled = Appointment.objects.get(source_id="cliniko:A4")
    assert cancelled.status == "cancelled" and cancelled.cancellation_reason == "Unwell"
    assert (cancelled.ends_at - cancelled.starts_at).seconds == 30 * 60  # the type's length
    dna = Appointment.objects.get(source_id="cliniko:A7")
    assert dna.status == "no_show" and dna.starts_at == datetime(2030, 1, 8, 3, 30, tzinfo=UTC)

    again = importer.run_job(_job(sydney_cbd, sam_owner,
                                  {"clinicians": {"Ben Foot": ben_clinician.pk}}).pk,
                             actor=sam_owner)
    assert again.counts["create"] == 0 and again.counts["unchanged"] == 4
    assert importer.undo_job(job.pk, actor=sam_owner) == 4
    assert not Appointment.objects.exists()
    # With the appointments gone, the patients' import can be undone whole.
    assert patient_importer.undo_import(cliniko_patients.pk, actor=sam_owner)["kept"] == 0


@pytest.mark.django_db
def test_command_line_matches_a_clinician_by_email_and_writes_the_report(
        cliniko_patients, tmp_path, ben_clinician, ana_clinician, review_type):
    from io import StringIO

    from django.core.management import call_command

    source = tmp_path / "appointments.csv"
    source.write_bytes((FIXTURES / "cliniko_appointments.csv").read_bytes())
    out = StringIO()
    call_command("import_appointments", str(source), "--clinic", "Sydney CBD", "--preset",
                 "cliniko", "--clinician", f"Ben Foot={ben_clinician.user.email}", stdout=out)
    assert "Not matched (their rows are rejected): type “Massage”" in out.getvalue()
    assert "Created 4 appointments; 0 already on file, 1 conflicts, 2 rejected" in \
        out.getvalue()
    report = (tmp_path / "appointments.csv.report.csv").read_text().splitlines()
    assert report[0] == "line,outcome,name,reason" and len(report) == 4
