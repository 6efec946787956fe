from datetime import date

import pytest

from patients.importer import ImportFileError, preview_import, run_import
from patients.models import Patient, PatientImport

CLINIKO_STYLE = b"""First Name,Last Name,Date of Birth,Email,Mobile,Address 1,City,State,Post Code,Sex
Ava,Nguyen,01/04/1992,ava@example.com,0412 000 111,1 King St,Newtown,nsw,2042,F
Bob,Jones,1950-12-31,,+61 499 888 777,,,,,M
Carl,Bad,31/02/1990,carl@,0412,,,,99999,
,Nofirst,01/01/1980,,,,,,,
Dee,Kaur,05/06/1970,dee@example.com,0400 111 222,,,,,
"""


@pytest.mark.django_db
def test_preview_maps_other_systems_columns_and_explains_bad_rows():
    preview = preview_import(CLINIKO_STYLE)
    assert preview.columns["first_name"] == "First Name"
    assert preview.columns["postcode"] == "Post Code"
    assert [r.line for r in preview.valid] == [2, 3, 6]
    bad = {r.line: r.errors for r in preview.invalid}
    assert set(bad[4]) == {"date_of_birth", "email", "mobile", "postcode"}
    assert bad[5] == {"first_name": "missing"}
    ava = preview.valid[0].data
    assert ava["mobile"] == "+61412000111" and ava["state"] == "NSW" and ava["sex"] == "female"
    assert not Patient.objects.exists()  # a preview writes nothing


@pytest.mark.django_db
def test_import_creates_valid_rows_and_skips_duplicates_of_patients_on_file(sydney_cbd,
                                                                           sam_owner):
    from ncc import testing

    testing.make_patient(sydney_cbd, "Dee", "Kaur", date(1970, 6, 5), mobile="")
    result = run_import(CLINIKO_STYLE, home_clinic=sydney_cbd, actor=sam_owner)
    assert result["created"] == 2
    assert {s["line"] for s in result["skipped"]} == {4, 5, 6}
    assert "already on file as Dee Kaur" in next(s for s in result["skipped"]
                                                 if s["line"] == 6)["reason"]
    ava = Patient.objects.get(first_name="Ava")
    assert ava.number > 10000 and ava.home_clinic == sydney_cbd and "0412000111" in ava.search_text


@pytest.mark.django_db
def test_a_file_without_the_required_columns_is_refused_whole():
    with pytest.raises(ImportFileError, match="date of birth"):
        preview_import(b"Name,Phone\nJohn Smith,0412345678\n")


@pytest.mark.django_db
def test_semicolon_files_from_excel_are_read():
    preview = preview_import(b"Surname;Given name;DOB\nSmith;John;12/03/1970\n")
    assert preview.valid[0].data["last_name"] == "Smith"


@pytest.mark.django_db
def test_admin_checks_then_imports_a_file_through_the_pages(sam_client, sydney_cbd):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cliniko.csv", CLINIKO_STYLE, content_type="text/csv")
    response = sam_client.post("/patients/import/", {"file": upload, "home_clinic": sydney_cbd.pk,
                                                     "skip_duplicates": "on"})
    job = PatientImport.objects.get()
    assert response.status_code == 302
    page = sam_client.get(f"/patients/import/{job.pk}/").content.decode()
    assert "Import 3 patients" in page and "missing" in page
    assert not Patient.objects.exists()
    sam_client.post(f"/patients/import/{job.pk}/run/")
    assert Patient.objects.count() == 3
    job.refresh_from_db()
    assert job.status == "imported" and len(job.skipped) == 2
    # Confirming twice does not import twice.
    assert sam_client.post(f"/patients/import/{job.pk}/run/").status_code == 404
    assert Patient.objects.count() == 3


@pytest.mark.django_db
def test_receptionist_cannot_import_or_export(mia_client):
    assert mia_client.get("/patients/import/").status_code == 403
    assert mia_client.get("/patients/export.csv").status_code == 403


@pytest.mark.django_db
def test_export_streams_the_filtered_list_as_csv(sam_client, john_smith, sydney_cbd):
    from ncc import testing

    testing.make_patient(sydney_cbd, "Zed", "Other", date(1990, 1, 1), mobile="")
    response = sam_client.get("/patients/export.csv", {"q": "smith"})
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("number,first_name,last_name")
    assert len(lines) == 2 and "Smith" in lines[1] and "+61412345678" in lines[1]
