"""A receptionist logs in, adds a patient, finds them and edits them, in a real browser."""

import pytest

from conftest import browser_login
from patients.models import Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_refuses_a_wrong_password_then_lets_mia_in(page, mia_receptionist):
    page.goto("/patients/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("mia@walkeasy.example")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("That email and password")
    browser_login(page, "mia@walkeasy.example")
    page.goto("/patients/")
    assert page.get_by_role("heading", name="Patients").is_visible()
    assert page.get_by_role("link", name="Settings").count() == 0


def test_create_search_and_edit_a_patient(page, mia_receptionist, sydney_cbd, artefacts_dir):
    browser_login(page, "mia@walkeasy.example")
    page.goto("/patients/new/")
    page.get_by_label("First name").fill("Olivia")
    page.get_by_label("Last name").fill("Papadopoulos")
    page.get_by_label("Date of birth").fill("1984-02-29")
    page.get_by_label("Mobile").fill("0412 555 019")
    page.get_by_label("Email").fill("olivia@example")
    page.get_by_role("button", name="Add patient").click()
    # The bad email is explained beside its field, and nothing was saved.
    assert "Enter an email address" in page.locator("#id_email_error").inner_text()
    assert not Patient.objects.exists()
    page.get_by_label("Email").fill("olivia@example.com")
    page.get_by_role("button", name="Add patient").click()
    page.wait_for_url("**/patients/*-*/")
    assert page.get_by_role("heading", name="Olivia Papadopoulos").is_visible()
    assert "0412 555 019" in page.content()

    page.goto("/patients/")
    page.get_by_label("Search").fill("papa 0412")
    page.locator("#results").get_by_text("Papadopoulos").wait_for()
    page.screenshot(path=f"{artefacts_dir}/patients-search.png", full_page=True)
    page.locator("#results").get_by_role("link", name="Open").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Preferred name").fill("Liv")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/patients/*-*/")
    assert page.get_by_role("heading", name="Olivia (Liv) Papadopoulos").is_visible()
    assert Patient.objects.get().preferred_name == "Liv"


def test_duplicate_warning_appears_while_typing(page, mia_receptionist, john_smith):
    browser_login(page, "mia@walkeasy.example")
    page.goto("/patients/new/")
    page.get_by_label("First name").fill("John")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Date of birth").fill("1970-03-12")
    page.get_by_label("Date of birth").blur()
    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert "Possible duplicate" in warning.inner_text()
