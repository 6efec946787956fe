"""The settings pages and JSON actions: connect with a checked state, choose an organisation,
disconnect, edit mappings from Xero's lists, sync a patient, sync all changed patients."""

import httpx
import pytest
from django.test import override_settings

from ncc import testing
from xero.models import (
    XeroApiCall,
    XeroConnection,
    XeroContactLink,
    XeroItemMapping,
    XeroSyncJob,
    XeroTrackingMapping,
)

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _connect_through_pages(client):
    to_xero = client.get("/xero/connect/")
    assert to_xero.status_code == 302
    back = httpx.get(to_xero.url + "&allow=1").headers["location"]
    path = httpx.URL(back)
    return client.get(f"{path.path}?{path.query.decode()}", follow=True)


def test_admin_connects_and_sees_organisation_user_scopes_and_health(fake_xero, sam_client,
                                                                     sam_owner):
    page = _connect_through_pages(sam_client).content.decode()
    assert "Connected to Xero organisation Walk Easy Podiatry (Demo)" in page
    assert "Token health" in page and "Healthy" in page
    assert "accounting.contacts" in page and "offline_access" in page
    assert sam_owner.email in page or sam_owner.get_full_name() in page
    conn = XeroConnection.current()
    assert conn.status == XeroConnection.Status.ACTIVE and conn.connected_by == sam_owner


def test_callback_with_a_forged_state_connects_nothing(fake_xero, sam_client):
    sam_client.get("/xero/connect/")
    page = sam_client.get("/xero/callback/?code=abc&state=forged", follow=True)
    assert "did not start here" in page.content.decode()
    assert XeroConnection.objects.count() == 0


def test_several_organisations_ask_which_one(fake_xero, sam_client):
    second = fake_xero.add_org("Walk Easy Holdings")
    page = _connect_through_pages(sam_client).content.decode()
    assert "choose the practice" in page and "Walk Easy Holdings" in page
    sam_client.post("/xero/tenant/", {"tenant_id": second.tenant_id})
    conn = XeroConnection.current()
    assert conn.status == "active" and conn.tenant_name == "Walk Easy Holdings"


def test_disconnect_revokes_the_token(fake_xero, sam_client, xero_connection):
    sam_client.post("/xero/disconnect/")
    xero_connection.refresh_from_db()
    assert xero_connection.status == XeroConnection.Status.DISCONNECTED
    assert xero_connection.refresh_token == ""
    assert all(g.revoked for g in fake_xero.grants.values())


def test_receptionist_cannot_open_xero_settings(mia_client, fake_xero):
    assert mia_client.get("/xero/").status_code == 403


def test_mappings_come_from_xero_and_save(fake_xero, sam_client, xero_connection, review_type,
                                          sydney_cbd):
    page = sam_client.get("/xero/mappings/").content.decode()
    assert "POD-REV" in page and "GST on Income" in page and "Location: Sydney CBD" in page
    option = fake_xero.org.tracking[0]["Options"][0]
    reply = sam_client.post("/xero/mappings/", {
        f"item-{review_type.pk}": "POD-REV", f"account-{review_type.pk}": "",
        f"tax-{review_type.pk}": "EXEMPTOUTPUT",
        f"tracking-{sydney_cbd.pk}": option["TrackingOptionID"]})
    assert reply.status_code == 302
    mapping = XeroItemMapping.objects.get(appointment_type=review_type)
    assert (mapping.item_code, mapping.tax_type) == ("POD-REV", "EXEMPTOUTPUT")
    tracking = XeroTrackingMapping.objects.get(clinic=sydney_cbd)
    assert (tracking.category_name, tracking.option_name) == ("Location", "Sydney CBD")
    listed = [c.endpoint for c in XeroApiCall.objects.all()]
    assert any(e.startswith("/TaxRates") for e in listed)


def test_json_sync_endpoint_returns_the_link(fake_xero, mia_client, xero_connection,
                                             john_smith):
    reply = mia_client.post(f"/xero/contacts/{john_smith.pk}/sync/",
                            HTTP_ACCEPT="application/json")
    assert reply.status_code == 200
    link = reply.json()["link"]
    assert link["status"] == "synced" and link["contact_number"] == f"P-{john_smith.number}"
    assert link["contact_id"] == fake_xero.contacts()[0]["ContactID"]


def test_json_sync_without_a_connection_says_connect(fake_xero, mia_client, john_smith):
    reply = mia_client.post(f"/xero/contacts/{john_smith.pk}/sync/",
                            HTTP_ACCEPT="application/json")
    assert reply.status_code == 409
    assert reply.json()["error"] == "Xero is not connected. An admin can connect it in Settings."


def test_clinician_may_not_sync(fake_xero, ben_client, john_smith):
    reply = ben_client.post(f"/xero/contacts/{john_smith.pk}/sync/",
                            HTTP_ACCEPT="application/json")
    assert reply.status_code == 403


def test_failed_contact_shows_its_error_on_the_patient_page(fake_xero, mia_client,
                                                            xero_connection, john_smith):
    type(john_smith).objects.filter(pk=john_smith.pk).update(email="bad@@address")
    mia_client.post(f"/xero/contacts/{john_smith.pk}/sync/")
    page = mia_client.get(f"/patients/{john_smith.pk}/").content.decode()
    assert "Xero refused this contact: Email address must be valid." in page


@pytest.mark.django_db(transaction=True)
def test_sync_all_changed_runs_in_the_background_and_reports_progress(fake_xero, sam_owner,
                                                                      client, sydney_cbd):
    from .conftest import connect

    connect(fake_xero, sam_owner)
    client.force_login(sam_owner)
    for i in range(3):
        testing.make_patient(sydney_cbd, "Pat", f"Number{i}")
    with override_settings(TASKS=IMMEDIATE):
        reply = client.post("/xero/contacts/sync-changed/", HTTP_ACCEPT="application/json")
    assert reply.status_code == 202
    job = XeroSyncJob.objects.get(pk=reply.json()["job"]["id"])
    assert (job.status, job.synced, job.total) == ("done", 3, 3)
    status = client.get(f"/xero/jobs/{job.pk}/").json()["job"]
    assert status["percent"] == 100
    assert XeroContactLink.objects.filter(status="synced").count() == 3


def test_patients_list_shows_synced_badge(fake_xero, mia_client, xero_connection, john_smith):
    mia_client.post(f"/xero/contacts/{john_smith.pk}/sync/")
    page = mia_client.get("/patients/?q=smith").content.decode()
    assert '<span class="tag tag-ok">Xero</span>' in page


def test_settings_page_lists_last_errors_in_words(fake_xero, sam_client, xero_connection,
                                                  john_smith):
    fake_xero.inject("503", path="/Contacts", times=1)
    from xero import services

    services.sync_patient(john_smith)
    page = sam_client.get("/xero/").content.decode()
    assert "Xero had a temporary problem (HTTP 503); we tried again." in page


def test_payments_account_must_take_payments(fake_xero, sam_client, xero_connection):
    from xero.models import XeroAccountMapping

    page = sam_client.post("/xero/mappings/", {"account-payments": "200",
                                               "account-sales": "200"}).content.decode()
    assert "Xero only takes payments into a bank account" in page
    sam_client.post("/xero/mappings/", {"account-payments": "090", "account-sales": "200"})
    assert dict(XeroAccountMapping.objects.values_list("purpose", "account_code")) == {
        "payments": "090", "sales": "200"}


def test_clinic_tracking_option_is_suggested_by_name(fake_xero, sam_client, xero_connection,
                                                     sydney_cbd):
    page = sam_client.get("/xero/mappings/").content.decode()
    assert "Suggested: same name in Xero" in page


def test_admin_action_syncs_selected_patients(fake_xero, xero_connection, sam_owner, client,
                                              john_smith):
    sam_owner.is_staff = True
    sam_owner.is_superuser = True
    sam_owner.save()
    client.force_login(sam_owner)
    reply = client.post("/admin/patients/patient/", {"action": "sync_to_xero",
                                                     "_selected_action": [str(john_smith.pk)]},
                        follow=True)
    assert "1 synced to Xero, 0 failed" in reply.content.decode()
    assert len(fake_xero.contacts()) == 1


def test_reconnecting_to_another_organisation_forgets_old_links(fake_xero, sam_client,
                                                               xero_connection, john_smith):
    from xero import services

    services.sync_patient(john_smith)
    other = fake_xero.add_org("Another Practice")
    _connect_through_pages(sam_client)  # two organisations now: a choice
    sam_client.post("/xero/tenant/", {"tenant_id": other.tenant_id})
    assert not XeroContactLink.objects.exists()
    assert XeroConnection.current().tenant_name == "Another Practice"


def test_settings_page_asks_to_reconnect_after_invalid_grant(fake_xero, sam_client,
                                                             xero_connection, john_smith):
    from xero import client

    client.revoke_token(xero_connection.refresh_token)
    from .conftest import expire_access_token

    expire_access_token(xero_connection)
    reply = sam_client.post(f"/xero/contacts/{john_smith.pk}/sync/", follow=True)
    assert "reconnect Xero" in reply.content.decode()
    page = sam_client.get("/xero/").content.decode()
    assert "Reconnect Xero" in page and "Needs reconnecting" in page
    assert "Xero no longer accepts our sign-in" in page
