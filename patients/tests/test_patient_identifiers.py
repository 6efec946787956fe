"""Medicare, DVA, health fund, emergency contact: checked where typed, stored normalised."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from patients.identifiers import (
    medicare_check_digit,
    normalise_medicare_number,
    validate_dva_file_number,
    validate_medicare_number,
)
from patients.models import Patient

from .test_patient_forms import form_data

# 2953 7014 with its check digit 1 and issue number 1.
VALID = "2953701411"

first_eight = st.tuples(st.sampled_from("23456"), st.text("0123456789", min_size=7, max_size=7)
                        ).map("".join)
issue = st.sampled_from("123456789")


def spaced(number: str) -> str:
    return f"{number[:4]} {number[4:9]} {number[9]}"


@given(first_eight, issue)
def test_a_number_built_with_its_check_digit_is_accepted_typed_any_way(body, issue_no):
    number = body + str(medicare_check_digit(body)) + issue_no
    validate_medicare_number(number)
    assert normalise_medicare_number(spaced(number)) == number
    assert normalise_medicare_number(number.replace("", "-").strip("-")) == number


@given(first_eight, issue, st.integers(1, 9))
def test_any_wrong_check_digit_is_refused(body, issue_no, offset):
    wrong = (medicare_check_digit(body) + offset) % 10
    with pytest.raises(ValidationError) as exc:
        validate_medicare_number(body + str(wrong) + issue_no)
    assert exc.value.code == "medicare_check_digit"


@given(first_eight, issue, st.integers(0, 7), st.integers(1, 9))
def test_changing_any_one_identifying_digit_is_caught_unless_weights_collide(body, issue_no,
                                                                          position, delta):
    # Each weight (1, 3, 7, 9) is coprime to 10, so any single-digit typo changes the sum mod 10.
    number = body + str(medicare_check_digit(body)) + issue_no
    typo = str((int(number[position]) + delta) % 10)
    mistyped = number[:position] + typo + number[position + 1:]
    if position == 0 and typo not in "23456":
        expected = "medicare_first_digit"
    else:
        expected = "medicare_check_digit"
    with pytest.raises(ValidationError) as exc:
        validate_medicare_number(mistyped)
    assert exc.value.code == expected


@given(st.text("0123456789", min_size=0, max_size=14).filter(lambda s: s and len(s) != 10))
def test_a_number_of_the_wrong_length_is_refused(number):
    with pytest.raises(ValidationError) as exc:
        validate_medicare_number(number)
    assert exc.value.code == "medicare_length"


def test_known_valid_number_and_issue_zero():
    validate_medicare_number(VALID)
    with pytest.raises(ValidationError):
        validate_medicare_number(VALID[:9] + "0")


@pytest.mark.parametrize("value,ok", [("NX123456", True), ("QX901234A", True), ("VSM1234", True),
                                      ("N123", True), ("X123456", False), ("NX1234567", False),
                                      ("123456", False)])
def test_dva_file_number_format(value, ok):
    if ok:
        validate_dva_file_number(value)
    else:
        with pytest.raises(ValidationError):
            validate_dva_file_number(value)


@pytest.mark.django_db
def test_patient_form_stores_the_card_numbers_normalised(mia_client, sydney_cbd):
    response = mia_client.post("/patients/new/", form_data(
        sydney_cbd, medicare_number="2953 70141 1", medicare_irn="2", dva_file_number="nx 123456",
        dva_card_colour="gold", health_fund="Bupa", health_fund_member_number="77001234",
        emergency_contact_name="Mary Smith", emergency_contact_relationship="Wife",
        emergency_contact_phone="(02) 9231 4455", referring_gp="Dr Jane Lee, Harbour Medical",
        gender="non_binary"))
    assert response.status_code == 302, response.context["form"].errors
    patient = Patient.objects.get()
    assert (patient.medicare_number, patient.medicare_irn) == (VALID, 2)
    assert patient.dva_file_number == "NX123456"
    assert patient.emergency_contact_phone == "+61292314455"
    assert patient.gender == "non_binary"
    page = mia_client.get(patient.get_absolute_url()).content.decode()
    assert "2953 70141 1 / 2" in page and "Dr Jane Lee" in page and "Non-binary" in page


@pytest.mark.django_db
@pytest.mark.parametrize("overrides,field,message", [
    ({"medicare_number": "2953 70140 1", "medicare_irn": "1"}, "medicare_number", "check digit"),
    ({"medicare_number": "2953 7014", "medicare_irn": "1"}, "medicare_number", "10 digits"),
    ({"medicare_number": VALID}, "medicare_irn", "IRN"),
    ({"medicare_number": VALID, "medicare_irn": "0"}, "medicare_irn", "1 to 9"),
    ({"dva_file_number": "NX123456"}, "dva_card_colour", "colour"),
    ({"dva_file_number": "12345"}, "dva_file_number", "state letter"),
    ({"health_fund_member_number": "123"}, "health_fund", "health fund"),
    ({"emergency_contact_phone": "123"}, "emergency_contact_phone", "phone number"),
])
def test_bad_card_details_are_explained_beside_the_field(mia_client, sydney_cbd, overrides,
                                                         field, message):
    response = mia_client.post("/patients/new/", form_data(sydney_cbd, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Patient.objects.exists()


@pytest.mark.django_db
def test_api_takes_and_checks_the_medicare_number(mia_client, sydney_cbd):
    base = {"first_name": "Ava", "last_name": "Nguyen", "date_of_birth": "1992-04-01",
            "home_clinic": sydney_cbd.pk}
    bad = mia_client.post("/api/v1/patients/", {**base, "medicare_number": "2953 70149 1",
                                                "medicare_irn": 1},
                          content_type="application/json")
    assert bad.status_code == 400 and "check digit" in bad.json()["medicare_number"][0]
    good = mia_client.post("/api/v1/patients/", {**base, "medicare_number": "2953 70141 1",
                                                 "medicare_irn": 1, "gender": "other",
                                                 "referring_gp": "Dr Lee"},
                           content_type="application/json")
    assert good.status_code == 201, good.json()
    assert good.json()["medicare_number"] == VALID and good.json()["gender"] == "other"
