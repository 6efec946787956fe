from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from patients.models import Patient, PatientImport

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

CLINIKO_STYLE = b"""First Name,Last Name,Date of Birth,Email,Mobile,Address 1,City,State,Post Code,Sex
Ava,Nguyen,01/04/1992,ava@example.com,0412 000 111,1 King St,Newtown,nsw,2042,F
Bob,Jones,1950-12-31,,+61 499 888 777,,,,,M
Carl,Bad,31/02/1990,carl@,0412,,,,99999,
,Nofirst,01/01/1980,,,,,,,
Dee,Kaur,05/06/1970,dee@example.com,0400 111 222,,,,,
"""


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE_TASKS


def _upload(client, clinic, content=CLINIKO_STYLE, name="cliniko.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post("/patients/import/", {"file": upload, "home_clinic": clinic.pk,
                                             "skip_duplicates": "on"})


@pytest.mark.django_db
def test_admin_checks_imports_with_progress_then_undoes_a_file_through_the_pages(
        sam_client, sydney_cbd, immediate_tasks, django_capture_on_commit_callbacks):
    from ncc import testing

    testing.make_patient(sydney_cbd, "Dee", "Kaur", date(1970, 6, 5), mobile="")
    assert _upload(sam_client, sydney_cbd).status_code == 302
    job = PatientImport.objects.get()
    page = sam_client.get(f"/patients/import/{job.pk}/").content.decode()
    assert "Import 3 patients" in page and "Same name and date of birth as Dee Kaur" in page
    assert Patient.objects.count() == 1  # the check writes nothing
    report = sam_client.get(f"/patients/import/{job.pk}/report.csv").content.decode()
    assert report.splitlines()[0] == "line,outcome,name,reason"
    assert "4,create,Carl Bad," in report and "5,reject,Nofirst,No usable first name." in report
    with django_capture_on_commit_callbacks(execute=True):
        assert sam_client.post(f"/patients/import/{job.pk}/run/").status_code == 302
    job.refresh_from_db()
    assert job.status == "imported" and job.created == 3 and job.processed == job.total == 5
    carl = Patient.objects.get(first_name="Carl")
    assert set(carl.to_check) == {"date_of_birth", "email", "mobile", "postcode"}
    checking = sam_client.get("/patients/needs-checking/").content.decode()
    assert "31/02/1990" in checking and "Carl" in checking
    # Confirming twice does not import twice.
    assert sam_client.post(f"/patients/import/{job.pk}/run/").status_code == 404
    # Polling after it finished tells the page to reload and show the result.
    done = sam_client.get(f"/patients/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    sam_client.post(f"/patients/import/{job.pk}/undo/")
    assert list(Patient.objects.values_list("first_name", flat=True)) == ["Dee"]
    assert "Undone: 3 patients removed" in sam_client.get(
        f"/patients/import/{job.pk}/").content.decode()


@pytest.mark.django_db
def test_the_column_mapping_step_saves_what_an_unknown_column_holds(sam_client, sydney_cbd):
    _upload(sam_client, sydney_cbd, b"Surname,Given,Cell phone no\nSmith,Jo,0412 000 123\n")
    job = PatientImport.objects.get()
    page = sam_client.get(f"/patients/import/{job.pk}/").content.decode()
    assert "first and last names" in page and "Cell phone no" in page
    headers = ["Surname", "Given", "Cell phone no"]
    form = {f"col{i}": "" for i in range(3)}
    form.update(col0="last_name", col1="first_name", col2="mobile", preset="spreadsheet")
    sam_client.post(f"/patients/import/{job.pk}/columns/", form)
    job.refresh_from_db()
    assert [job.mapping[h] for h in headers] == ["last_name", "first_name", "mobile"]
    assert "Import 1 patient" in sam_client.get(f"/patients/import/{job.pk}/").content.decode()


@pytest.mark.django_db
def test_a_file_that_is_not_a_table_is_refused_beside_the_field(sam_client, sydney_cbd):
    response = _upload(sam_client, sydney_cbd, b"\x00\x01\x02binary", name="x.csv")
    assert response.status_code == 200
    assert "not a text (CSV) file" in response.content.decode()
    assert not PatientImport.objects.exists()


@pytest.mark.django_db
def test_receptionist_cannot_import_export_or_see_the_checking_list(mia_client):
    assert mia_client.get("/patients/import/").status_code == 403
    assert mia_client.get("/patients/export.csv").status_code == 403
    assert mia_client.get("/patients/needs-checking/").status_code == 403


@pytest.mark.django_db
def test_export_streams_the_filtered_list_as_csv(sam_client, john_smith, sydney_cbd):
    from ncc import testing

    testing.make_patient(sydney_cbd, "Zed", "Other", date(1990, 1, 1), mobile="")
    response = sam_client.get("/patients/export.csv", {"q": "smith"})
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("number,first_name,last_name")
    assert len(lines) == 2 and "Smith" in lines[1] and "+61412345678" in lines[1]


@pytest.mark.django_db
def test_command_line_writes_every_problem_row_and_a_summary(tmp_path, sydney_cbd):
    from io import StringIO

    from django.core.management import call_command

    source = tmp_path / "cliniko.csv"
    source.write_bytes(CLINIKO_STYLE)
    out = StringIO()
    call_command("import_patients", str(source), "--clinic", "Sydney CBD", stdout=out)
    assert "Created 4 patients" in out.getvalue() and "1 rejected" in out.getvalue()
    report = (tmp_path / "cliniko.csv.report.csv").read_text().splitlines()
    assert report[0] == "line,outcome,name,reason" and len(report) == 3
    call_command("import_patients", str(source), "--clinic", "Sydney CBD", stdout=out)
    assert "Created 0 patients" in out.getvalue().splitlines()[-2]
    assert Patient.objects.count() == 4
