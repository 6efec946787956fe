"""Acceptance, in a browser: an admin sets up two-factor login, logs out and logs back in with a
code; a locked-out colleague sees why; the audit page shows every access the test made."""

import os
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from ncc import testing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "test-artefacts", "trust")


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    for width in (390, 768, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def _code(secret: str, steps_ahead: int = 0) -> str:
    # Within the app's tolerance of one step; the next step's code lets the test log in again
    # at once without reusing the code that set the app up (django-otp refuses a reused code).
    key = b32decode(secret.replace(" ", ""))
    totp = TOTP(key, step=30, t0=0, digits=6, drift=steps_ahead)
    return f"{totp.token():06d}"


def _log_in(page, email, password=testing.PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_admin_enrols_totp_logs_in_with_a_code_and_audits_a_lockout(
        page, live_server, settings, sam_owner, mia_receptionist, john_smith):
    settings.MFA_ENFORCED = True
    _log_in(page, sam_owner.email)
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    _shot(page, "two-factor-setup")
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_role("textbox", name="Code").fill(_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    _shot(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them").click()

    page.goto(f"/patients/{john_smith.pk}/")
    expect(page.get_by_role("heading", name="John Smith")).to_be_visible()
    page.locator("header").get_by_role("button", name="Log out").click()

    _log_in(page, sam_owner.email)
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    _shot(page, "verify")
    page.get_by_role("textbox", name="Code").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Two-factor login")).to_have_count(0)

    other = page.context.browser.new_context(base_url=live_server.url)
    colleague = other.new_page()
    for _ in range(5):
        _log_in(colleague, mia_receptionist.email, "not-her-password-1")
    _log_in(colleague, mia_receptionist.email)
    expect(colleague.get_by_test_id("locked-out")).to_contain_text("Too many failed logins")
    _shot(colleague, "locked-out")
    other.close()

    page.goto("/accounts/me/")
    expect(page.locator("#two-factor")).to_contain_text("On")
    _shot(page, "account")
    page.goto("/audit/")
    table = page.get_by_test_id("audit-table")
    for text in ("Set up two-factor login", "Passed two-factor login", "Logged in from",
                 f"Viewed {john_smith.full_name}", f"Failed login as {mia_receptionist.email}",
                 "Logged out"):
        expect(table).to_contain_text(text)
    _shot(page, "audit")
    page.get_by_label("Patient number").fill(str(john_smith.number))
    page.get_by_role("button", name="Filter").click()
    expect(table).not_to_contain_text(f"Failed login as {mia_receptionist.email}")
    expect(table).to_contain_text(f"Viewed {john_smith.full_name}")
