"""Every importable patient in each vendor's layout is imported with every field; rerunning
creates nothing; undo puts the practice back as it was."""

from datetime import date
from pathlib import Path

import pytest

from audit.models import AuditEvent
from patients import importer
from patients.models import Patient, PatientImport

FIXTURES = Path(__file__).parent / "fixtures"


def _import(name, clinic, actor, **kw):
    return importer.import_file((FIXTURES / name).read_bytes(), file_name=name,
                                home_clinic=clinic, actor=actor, **kw)


def _patient(source_id):
    return Patient.objects.get(source_id=source_id)


@pytest.mark.django_db
def test_cliniko_export_keeps_every_patient_with_a_name_and_sets_bad_details_aside(
        sydney_cbd, sam_owner):
    job = _import("cliniko.csv", sydney_cbd, sam_owner)
    assert job.preset == "cliniko" and job.status == "imported"
    assert job.counts["create"] == 4 and job.counts["reject"] == 2
    rejected = {r["line"]: r["reason"] for r in job.skipped if r["outcome"] == "reject"}
    assert set(rejected) == {5, 7}  # a formula as the first name; "-" and "." as names
    ava = _patient("1001")
    assert (ava.title, ava.first_name, ava.last_name, ava.preferred_name) == \
        ("Mrs", "Ava", "Nguyen", "Av")
    assert ava.date_of_birth == date(1979, 5, 3)  # 3-May-1979
    assert ava.address_line == "Apt 11, 22 King Street, Rear entrance"
    assert (ava.suburb, ava.state, ava.postcode) == ("Newtown", "NSW", "2042")
    assert ava.mobile == "+61412000111" and ava.home_phone == "+61295571234"
    assert 'Says "call me Av"\nDiabetic, left foot' in ava.notes  # "" and a newline in quotes
    assert ava.sms_consent and ava.email_consent and ava.consent_source == "file"
    assert ava.registered_on == date(2020, 2, 1) and ava.source_system == "cliniko"
    assert (ava.medicare_number, ava.medicare_irn) == ("2123456701", 2)
    assert (ava.emergency_contact_name, ava.emergency_contact_phone) == \
        ("Tom Nguyen", "+61400000222")
    assert ava.referring_gp == "Dr Patel" and (ava.sex, ava.gender) == ("female", "woman")
    assert not ava.to_check
    bob = _patient("1002")
    assert (bob.state, bob.postcode) == ("NT", "0800")  # N.T. and Darwin's 800
    assert bob.email == "" and bob.to_check["email"]["value"] == "bob@@example"
    assert not bob.sms_consent and not bob.email_consent  # Reminders: None
    assert bob.dva_file_number == "QX123456" and "dva_card_colour" in bob.to_check
    dee = _patient("1004")
    assert dee.date_of_birth == date(1985, 4, 3) and dee.email == "dee@example.com"
    assert dee.work_phone == "" and dee.to_check["work_phone"]["value"] == "1300 FOOTCARE"
    assert dee.to_check["notes"]["value"] == "=1+2" and "=1+2" not in dee.notes
    assert dee.archived and dee.sms_consent and not dee.email_consent
    assert dee.gender == "non_binary" and "sex" not in dee.to_check
    eve = _patient("1006")
    assert eve.last_name == "Double Space" and eve.date_of_birth == date(1965, 11, 12)
    assert eve.to_check["mobile"]["value"] == "0499 1234" and eve.consent_source == "unknown"
    assert not Patient.objects.filter(first_name__startswith="=").exists()


@pytest.mark.django_db
def test_nookal_export_reads_quotes_newlines_all_address_lines_and_status(sydney_cbd,
                                                                          sam_owner):
    job = _import("nookal.csv", sydney_cbd, sam_owner)
    assert job.preset == "nookal" and job.counts["create"] == 4 and job.counts["reject"] == 0
    fay = _patient("N-1")
    assert (fay.middle_name, fay.last_name, fay.date_of_birth) == \
        ("Marie", "O'Brien", date(1979, 5, 3))
    assert fay.address_line == "Unit 4, 18 Smith St, Building B"
    assert (fay.suburb, fay.state, fay.postcode) == ("Fitzroy", "VIC", "3065")
    assert 'He said "ouch", twice\nThen left' in fay.notes and "Occupation: Teacher" in fay.notes
    assert (fay.medicare_number, fay.medicare_irn) == ("2950123486", 1)
    assert (fay.health_fund, fay.health_fund_member_number) == ("Bupa", "1234567")
    assert fay.sms_consent and not fay.email_consent and fay.registered_on == date(2019, 6, 5)
    gus = _patient("N-2")
    assert gus.archived and gus.date_of_birth is None
    assert gus.to_check["date_of_birth"]["value"] == "31/02/1990"
    assert gus.medicare_number == "" and gus.to_check["medicare_number"]["value"] == \
        "1234 56789 0"
    assert gus.mobile == "+61412555777"  # 04 1255 5777: any 04 number is a mobile
    ian = _patient("N-4")
    assert ian.date_of_birth == date(1979, 3, 3) and ian.state == "SA"
    assert ian.mobile == "" and ian.to_check["mobile"]["value"] == "0412 ABC 123"


@pytest.mark.django_db
def test_halaxy_export_brings_deceased_patients_in_as_deceased(sydney_cbd, sam_owner):
    job = _import("halaxy.csv", sydney_cbd, sam_owner)
    assert job.preset == "halaxy" and job.counts["create"] == 3
    jack = _patient("H100")
    assert jack.state == "ACT" and jack.address_line == "1 Long Rd, Unit 2"
    assert jack.notes == 'Line one\nLine two "quoted"'
    june = _patient("H101")
    assert june.deceased and june.archived and not june.sms_consent
    assert june.date_of_birth == date(1979, 5, 3)  # 3rd of May, 1979
    assert june.home_phone == "+61881234567"
    kim = _patient("H102")
    assert kim.date_of_birth == date(1979, 5, 3) and kim.gender == "other"  # 19790503


@pytest.mark.django_db
def test_zanda_and_power_diary_exports_and_two_digit_years(sydney_cbd, sam_owner):
    _import("zanda.csv", sydney_cbd, sam_owner)
    liam, mia = _patient("Z1"), _patient("Z2")
    assert liam.date_of_birth == date(1979, 5, 3) and mia.date_of_birth == date(1979, 5, 3)
    assert liam.address_line == "3 Hill St, Flat 2" and liam.state == "NSW"
    assert mia.archived and not mia.sms_consent and mia.consent_source == "file"
    job = _import("powerdiary.csv", sydney_cbd, sam_owner)
    assert job.preset == "powerdiary"
    noor = _patient("PD-7")
    assert noor.mobile == "+61412888000" and noor.state == "QLD" and noor.sms_consent
    assert not noor.email_consent


@pytest.mark.django_db
def test_windows_spreadsheet_with_semicolons_given_names_and_unknown_column(sydney_cbd,
                                                                           sam_owner):
    job = _import("spreadsheet.csv", sydney_cbd, sam_owner)
    assert job.preset == "spreadsheet" and job.counts["create"] == 2
    bjork = Patient.objects.get(last_name="Ólafsson")  # Windows-1252 read right
    assert bjork.first_name == "Björk Anna" and bjork.state == "NSW"  # N.S.W.
    assert (bjork.address_line, bjork.suburb, bjork.postcode) == \
        ("Flat 1, 2 Sea St", "Manly", "2095")
    assert "Favourite colour: Blue" in bjork.notes  # unknown columns are kept in the notes
    assert not bjork.sms_consent and bjork.consent_source == "unknown"
    jose = Patient.objects.get(last_name="Pérez")
    assert jose.date_of_birth == date(2000, 1, 1) and jose.home_phone == "+61299998888"


@pytest.mark.django_db
def test_an_unknown_column_can_be_mapped_onto_a_field(sydney_cbd, sam_owner):
    content = b"Family,Given,Born,Cell\nSmith,Jan,1/2/1970,0412 999 000\n"
    job = importer.create_job(content=content, file_name="x.csv", home_clinic=sydney_cbd,
                              actor=sam_owner)
    with pytest.raises(importer.ImportFileError, match="first and last names"):
        importer.dry_run(job)
    job.mapping.update({"Family": "last_name", "Given": "first_name",
                        "Born": "date_of_birth", "Cell": "mobile"})
    job.save()
    check = importer.dry_run(job)
    assert check.counts["create"] == 1 and check.sample[0].values["mobile"] == "+61412999000"


@pytest.mark.django_db
def test_rerunning_an_import_creates_nothing_and_undo_restores_the_practice(
        sydney_cbd, sam_owner, john_smith):
    first = _import("nookal.csv", sydney_cbd, sam_owner)
    assert first.counts["create"] == 4
    again = _import("nookal.csv", sydney_cbd, sam_owner)
    assert again.counts["create"] == 0 and again.counts["unchanged"] == 4
    assert Patient.objects.count() == 5
    # A later export of the same system with one changed detail updates that patient only.
    changed = (FIXTURES / "nookal.csv").read_bytes().replace(b"fay@example.com",
                                                            b"fay@new.example")
    update = importer.import_file(changed, file_name="nookal2.csv", home_clinic=sydney_cbd,
                                  actor=sam_owner)
    assert update.counts["update"] == 1 and update.counts["unchanged"] == 3
    assert _patient("N-1").email == "fay@new.example"
    importer.undo_import(update.pk, actor=sam_owner)
    assert _patient("N-1").email == "fay@example.com"
    importer.undo_import(first.pk, actor=sam_owner)
    assert list(Patient.objects.all()) == [john_smith]
    first.refresh_from_db()
    assert first.status == PatientImport.Status.UNDONE
    actions = AuditEvent.objects.filter(object_type="patients.patientimport")
    assert actions.filter(summary__startswith="Imported").count() == 3
    assert actions.filter(summary__startswith="Undid").count() == 2


@pytest.mark.django_db
def test_undo_keeps_a_patient_that_an_appointment_now_refers_to(sydney_cbd, sam_owner,
                                                                ben_clinician, review_type):
    from datetime import UTC, datetime

    from ncc import testing

    job = _import("zanda.csv", sydney_cbd, sam_owner)
    liam = _patient("Z1")
    testing.make_appointment(liam, ben_clinician, sydney_cbd, review_type,
                             datetime(2030, 1, 7, 0, 0, tzinfo=UTC))
    result = importer.undo_import(job.pk, actor=sam_owner)
    assert result == {"removed": 1, "restored": 0, "kept": 1}
    assert list(Patient.objects.values_list("source_id", flat=True)) == ["Z1"]


@pytest.mark.django_db
def test_a_name_alone_or_a_dash_is_rejected_but_a_name_and_a_phone_is_imported(sydney_cbd,
                                                                             sam_owner):
    content = (b"First Name,Last Name,Mobile\nAl,Bee,\n-,Cee,0412 000 000\nDot,Eve,0412 000 001\n"
               b"Fi,  Gee  ,not a phone\n")
    job = importer.import_file(content, home_clinic=sydney_cbd, actor=sam_owner)
    assert job.counts == {**job.counts, "create": 2, "reject": 2}
    fi = Patient.objects.get(first_name="Fi")
    assert fi.last_name == "Gee" and fi.to_check["mobile"]["value"] == "not a phone"


@pytest.mark.django_db
def test_xlsx_with_dates_numbers_and_a_formula_cell(sydney_cbd, sam_owner):
    import io
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["First Name", "Last Name", "DOB", "Mobile", "Postcode", "Notes"])
    sheet.append(["Ann", "Lee", datetime(1979, 5, 3), 412345678, 800, "ok"])
    sheet.append(["Ben", "Ma", "3 April 1985", "0412 345 679", 2000, "=SUM(1,2)"])
    out = io.BytesIO()
    book.save(out)
    job = importer.import_file(out.getvalue(), file_name="list.xlsx", home_clinic=sydney_cbd,
                               actor=sam_owner)
    assert job.counts["create"] == 2
    ann = Patient.objects.get(first_name="Ann")
    assert ann.date_of_birth == date(1979, 5, 3) and ann.mobile == "+61412345678"
    assert ann.postcode == "0800" and ann.notes == "ok"
    ben = Patient.objects.get(first_name="Ben")
    assert ben.notes == "" and ben.to_check["notes"]["value"] == "=SUM(1,2)"
