"""An admin imports a file in a real browser: upload, say what an unknown column holds, check
(dry run), import with the progress bar, undo."""

import pytest

from conftest import browser_login
from patients.models import Patient, PatientImport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = ("Patient ID,First name,Last name,Date of birth,Cell phone no,State,Notes\r\n"
        '7,Ava,Nguyen,3-May-1979,0412 000 111,New South Wales,"Says ""hi""\r\ntwice"\r\n'
        "8,Bob,Jones,31/02/1990,0412 000 222,N.T.,\r\n"
        "9,-,.,01/01/1980,0412 000 333,,\r\n")


def _shots(page, artefacts_dir, name):
    for width in (390, 768, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{artefacts_dir}/import-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_upload_map_a_column_check_import_with_progress_and_undo(page, sam_owner, sydney_cbd,
                                                                artefacts_dir, tmp_path):
    from patients.importer import run_import_job

    source = tmp_path / "cliniko-patients.csv"
    source.write_text(FILE, encoding="utf-8")
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "sam@walkeasy.example")
    page.goto("/patients/import/")
    page.get_by_label("File (CSV or Excel .xlsx)").set_input_files(str(source))
    _shots(page, artefacts_dir, "upload")
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/patients/import/*/")

    # "Cell phone no" is not a column we know: it goes to the notes until it is mapped.
    page.get_by_label("Cell phone no").select_option("mobile")
    page.get_by_role("button", name="Check again with these columns").click()
    page.get_by_role("button", name="Import 2 patients").wait_for()
    assert "No usable name." in page.content()
    _shots(page, artefacts_dir, "check")

    page.get_by_role("button", name="Import 2 patients").click()
    progress = page.locator("#import-progress")
    progress.get_by_text("Waiting to start").wait_for()
    _shots(page, artefacts_dir, "progress")
    assert not Patient.objects.exists()
    # The background worker takes the job; the page, polling, shows the result when it is done.
    run_import_job(PatientImport.objects.get().pk, actor=sam_owner)
    page.get_by_role("button", name="Undo this import").wait_for()
    assert Patient.objects.get(first_name="Ava").mobile == "+61412000111"
    assert Patient.objects.get(first_name="Bob").to_check["date_of_birth"]["value"] == \
        "31/02/1990"
    _shots(page, artefacts_dir, "done")

    page.goto("/patients/needs-checking/")
    page.get_by_text("31/02/1990").wait_for()
    _shots(page, artefacts_dir, "needs-checking")
    page.go_back()
    page.get_by_role("button", name="Undo this import").click()
    page.get_by_text("Import undone: 2 patients removed").wait_for()
    assert not Patient.objects.exists()
