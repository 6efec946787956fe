"""Each 500 found with hostile input, named after the finding, and the input rules behind them."""

import base64
import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from ncc import testing
from ncc.phones import to_mobile_e164
from ncc.safety import csv_cell, is_safe_next
from patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_the_book_on_a_day_at_the_end_of_the_calendar_is_today_not_a_500(mia_client, day):
    assert mia_client.get("/book/", {"date": day}).status_code == 200
    assert mia_client.get("/book/", {"date": day, "view": "week"}).status_code == 200
    assert mia_client.get("/book/new/", {"date": day}).status_code == 200


def test_availability_from_the_year_9999_is_a_400(mia_client, ben_clinician, review_type):
    response = mia_client.get("/api/v1/appointments/availability/", {
        "clinician": ben_clinician.pk, "appointment_type": review_type.pk, "from": "9999-12-31"})
    assert response.status_code == 400 and "from" in response.json()


def test_sms_messages_up_to_the_year_9999_is_not_a_500(mia_client):
    from messaging.forms import MessageFilterForm

    assert mia_client.get("/sms/messages/", {"date_to": "9999-12-31"}).status_code == 200
    form = MessageFilterForm({"date_to": "9999-12-31"})
    assert not form.is_valid() and "between 1900 and 2100" in str(form.errors["date_to"])


@pytest.mark.parametrize("url", ["/sms/settings/?clinic=abc", "/sms/settings/?template=abc",
                                 "/patients/export.csv?clinic=abc"])
def test_ids_that_are_not_numbers_are_not_found(sam_client, url):
    assert sam_client.get(url).status_code in (200, 404)


def test_invoicing_an_appointment_id_that_is_not_an_id_is_not_found(sam_client):
    assert sam_client.post("/invoices/from-appointment/",
                           {"appointment": "abc"}).status_code == 404


def test_a_csv_field_over_131072_characters_is_a_file_error_not_a_500(sam_client, sydney_cbd):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = ("first_name,last_name,date_of_birth\nJo,\"" + "x" * 140_000
               + "\",1980-01-01\n").encode()
    response = sam_client.post("/patients/import/", {
        "file": SimpleUploadedFile("big.csv", content, "text/csv"), "home_clinic": sydney_cbd.pk,
        "skip_duplicates": "on"})
    assert response.status_code < 500


@override_settings(XERO_WEBHOOK_KEY="whk-test-signing-key-0123456789")
@pytest.mark.parametrize("body", [[], [{"events": []}], {"events": ["x", 1]},
                                  {"events": {"a": 1}}, {"events": [{"resourceId": 5}]}])
def test_a_signed_xero_webhook_that_is_not_xeros_shape_is_answered_200(client, body):
    raw = json.dumps(body).encode()
    sig = base64.b64encode(hmac.new(b"whk-test-signing-key-0123456789", raw,
                                    hashlib.sha256).digest()).decode()
    response = client.post("/invoices/xero/webhook/", raw, content_type="application/json",
                           HTTP_X_XERO_SIGNATURE=sig)
    assert response.status_code == 200


def test_an_appointment_type_longer_than_twelve_hours_is_refused(sam_client):
    response = sam_client.post("/api/v1/appointment-types/", {
        "name": "Forever", "duration_minutes": 2**63 - 1, "price": "10.00"},
        content_type="application/json")
    assert response.status_code == 400 and "duration_minutes" in response.json()
    response = sam_client.post("/api/v1/appointment-types/", {
        "name": "Long day", "duration_minutes": 721, "price": "10.00"},
        content_type="application/json")
    assert response.status_code == 400


def test_archiving_a_patient_whose_stored_mobile_no_longer_validates(sam_client, john_smith):
    Patient.objects.filter(pk=john_smith.pk).update(mobile="+12025550100")
    response = sam_client.post(f"/patients/{john_smith.pk}/archive/", {"archived": "1"})
    assert response.status_code == 302
    assert Patient.objects.get(pk=john_smith.pk).archived


def test_a_us_number_is_not_an_australian_mobile():
    with pytest.raises(ValidationError, match="not an Australian mobile"):
        to_mobile_e164("+1 202 555 0100")
    assert to_mobile_e164("0412 345 678") == "+61412345678"


def test_full_width_digits_are_not_a_postcode(sydney_cbd):
    patient = testing.make_patient(sydney_cbd)
    patient.postcode = "２０００"
    with pytest.raises(ValidationError):
        patient.full_clean()


def test_a_patient_born_in_the_year_one_is_refused_by_the_api(mia_client, sydney_cbd):
    response = mia_client.post("/api/v1/patients/", {
        "first_name": "Old", "last_name": "Timer", "date_of_birth": "0001-01-01",
        "home_clinic": sydney_cbd.pk}, content_type="application/json")
    assert response.status_code == 400 and "date_of_birth" in response.json()


@pytest.mark.parametrize("value,escaped", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("Smith", "Smith"), (-5, -5)])
def test_csv_cells_that_would_be_formulas_are_escaped(value, escaped):
    assert csv_cell(value) == escaped


def test_the_patient_export_escapes_a_formula_name(sam_client, sydney_cbd):
    testing.make_patient(sydney_cbd, first_name="=HYPERLINK(\"http://evil\")")
    body = b"".join(sam_client.get("/patients/export.csv").streaming_content).decode()
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


@pytest.mark.parametrize("url,ok", [("/patients/", True), ("//evil.example/x", False),
                                    ("https://evil.example/", False), ("/\\evil.example", False),
                                    ("http://testserver/book/", True)])
def test_next_goes_only_to_our_own_host(rf, url, ok):
    assert is_safe_next(rf.get("/"), url) is ok


def test_create_invoice_never_sends_next_off_site(sam_client):
    response = sam_client.post("/invoices/from-appointment/", {
        "appointment": "00000000-0000-0000-0000-000000000000", "next": "//evil.example/x"})
    assert "evil" not in response.get("Location", "")
