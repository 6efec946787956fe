"""In the browser: connect to the fake Xero, map an appointment type, sync a patient and see the
synced badge in the patients list. Screenshots of the pages at desktop and tablet width."""

import os

import pytest

from conftest import browser_login
from ncc import testing

SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "var", "screenshots")


def _shots(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    for label, size in (("desktop", (1366, 900)), ("tablet", (820, 1180))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        page.screenshot(path=os.path.join(SHOTS, f"xero-{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.browser
def test_connect_map_sync_and_see_badge(page, live_server, fake_xero, settings, sam_owner,
                                        review_type, john_smith):
    settings.XERO_REDIRECT_URI = live_server.url + "/xero/callback/"
    browser_login(page, sam_owner.email)

    page.goto("/settings/")
    page.get_by_role("link", name="Xero").click()
    page.get_by_role("link", name="Connect to Xero").click()
    page.get_by_role("button", name="Allow access").click()  # on the fake Xero's consent page
    # Three server-to-server calls happen behind this redirect; allow for a busy CI machine.
    page.wait_for_url("**/xero/", timeout=30_000)
    page.get_by_text("Connected to Xero organisation Walk Easy Podiatry (Demo)").wait_for(
        timeout=30_000)
    _shots(page, "settings")

    page.get_by_role("link", name="Mappings").click()
    page.get_by_label("Xero item for Review").select_option("POD-REV")
    page.get_by_label("Tax for Review").select_option("EXEMPTOUTPUT")
    page.get_by_role("button", name="Save mappings").click()
    page.get_by_text("Xero mappings saved.").wait_for()
    _shots(page, "mappings")

    page.goto(f"/patients/{john_smith.pk}/")
    page.get_by_role("button", name="Sync to Xero").click()
    panel = page.locator("#xero-panel")
    panel.get_by_text("Synced", exact=True).wait_for()
    assert "Open the contact in Xero" in panel.inner_text()
    _shots(page, "patient-panel")

    page.goto("/patients/?q=Smith")
    page.locator(".tag-ok", has_text="Xero").first.wait_for()
    assert len(fake_xero.contacts()) == 1

    # Bulk: one patient with legacy bad data fails alone; the page says why, in words.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    for i in range(3):
        testing.make_patient(john_smith.home_clinic, "Ada", f"Bulk{i}")
    bad = testing.make_patient(john_smith.home_clinic, "Legacy", "Record")
    type(bad).objects.filter(pk=bad.pk).update(email="legacy@@record")
    fake_xero.inject("503", method="POST", path="/Contacts", times=1)
    page.goto("/xero/")
    page.get_by_role("button", name="Sync all changed patients").click()
    page.get_by_text("3 synced, 1 failed").wait_for()
    page.get_by_text("Xero had a temporary problem (HTTP 503); we tried again.").wait_for()
    page.get_by_role("link", name="Legacy Record").wait_for()  # listed with its reason
    _shots(page, "settings-after-bulk")
    page.goto(f"/patients/{bad.pk}/")
    page.get_by_text("Xero refused this contact: Email address must be valid.").wait_for()
    _shots(page, "patient-panel-failed")
