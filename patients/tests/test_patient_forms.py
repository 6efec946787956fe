"""Bad input gets a clear message beside the field; nothing half-written is saved."""

from datetime import date, timedelta

import pytest

from patients.models import Patient


def form_data(clinic, **overrides):
    data = {"first_name": "John", "last_name": "Smith", "date_of_birth": "1970-03-12",
            "sex": "male", "mobile": "0412 345 678", "email": "john@example.com",
            "home_clinic": clinic.pk, "sms_consent": "on", "state": "NSW", "postcode": "2000"}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_creating_a_patient_stores_the_mobile_in_e164_and_allocates_a_number(mia_client,
                                                                            sydney_cbd):
    response = mia_client.post("/patients/new/", form_data(sydney_cbd))
    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/patients/{patient.pk}/"
    assert patient.mobile == "+61412345678"
    assert patient.number >= 10001


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("mobile", "12345", "not a valid phone number"),
    ("mobile", "02 9231 4455", "not a mobile number"),
    ("email", "john@", "Enter an email address"),
    ("date_of_birth", (date.today() + timedelta(days=2)).isoformat(), "cannot be in the future"),
    ("date_of_birth", "1899-12-31", "between 1900 and 2100"),
    ("date_of_birth", "31/31/1990", "Enter the date of birth as a date"),
    ("postcode", "20000", "four digits"),
])
def test_bad_input_is_explained_beside_its_field(mia_client, sydney_cbd, field, value, message):
    response = mia_client.post("/patients/new/", form_data(sydney_cbd, **{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_same_name_and_birth_date_warns_with_a_link_to_the_existing_patient(mia_client,
                                                                            john_smith):
    response = mia_client.get("/patients/duplicates/", {
        "first_name": "John", "last_name": "Smith", "date_of_birth": "1970-03-12"})
    body = response.content.decode()
    assert "Possible duplicate" in body and f"/patients/{john_smith.pk}/" in body


@pytest.mark.django_db
def test_editing_a_patient_records_what_changed(mia_client, john_smith, sydney_cbd):
    response = mia_client.post(f"/patients/{john_smith.pk}/edit/",
                               form_data(sydney_cbd, mobile="0400 000 001", first_name="Jon"))
    assert response.status_code == 302
    john_smith.refresh_from_db()
    assert john_smith.first_name == "Jon" and john_smith.mobile == "+61400000001"
    from audit.models import AuditEvent

    event = AuditEvent.objects.filter(object_id=str(john_smith.pk), action="update").get()
    assert event.changes["first_name"] == ["John", "Jon"]


@pytest.mark.django_db
def test_patient_page_shows_history_and_alerts(mia_client, john_smith, ben_clinician,
                                               review_type, sydney_cbd):
    from datetime import datetime

    from ncc import testing

    john_smith.alerts = "Diabetic, check feet"
    john_smith.save()
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             datetime(2025, 5, 6, 10, 0, tzinfo=sydney_cbd.tz),
                             status="completed")
    body = mia_client.get(f"/patients/{john_smith.pk}/").content.decode()
    assert "Diabetic, check feet" in body
    assert "Tue 6 May 2025, 10:00 am" in body and "Completed" in body


@pytest.mark.django_db
def test_archiving_asks_first_and_keeps_the_record(mia_client, john_smith):
    body = mia_client.get(f"/patients/{john_smith.pk}/").content.decode()
    assert "data-confirm" in body
    mia_client.post(f"/patients/{john_smith.pk}/archive/", {"archived": "1"})
    john_smith.refresh_from_db()
    assert john_smith.archived
