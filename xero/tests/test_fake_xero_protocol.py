"""The fake Xero keeps Xero's rules, so that our tests mean something: spec-checked bodies,
rate limits with Xero's headers, the Idempotency-Key window, unique names, granular scopes."""

import httpx
import pytest

from xero.fake import FakeXero
from xero.fake import spec as fake_spec


@pytest.fixture
def api(fake_xero, xero_connection):
    token = xero_connection.access_token
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": xero_connection.tenant_id,
               "Accept": "application/json"}
    with httpx.Client(base_url=fake_xero.url + "/api.xro/2.0", headers=headers) as http:
        yield http


@pytest.mark.skipif(not fake_spec.available(), reason="../shared/specs/xero is not present")
def test_bodies_that_break_the_openapi_schema_are_refused(api):
    reply = api.post("/Contacts", json={"Contacts": [{"Name": "X", "Phones": [
        {"PhoneType": "CARRIER-PIGEON"}]}]})
    assert reply.status_code == 400
    assert "PhoneType" in reply.json()["Message"] or "CARRIER-PIGEON" in reply.json()["Message"]


def test_rate_limit_headers_and_429_after_sixty_calls_a_minute(fake_xero, api):
    first = api.get("/Accounts")
    assert first.status_code == 200
    minute_left = int(first.headers["X-MinLimit-Remaining"])
    assert int(first.headers["X-DayLimit-Remaining"]) > 0
    assert int(first.headers["X-AppMinLimit-Remaining"]) > 0
    fake_xero.clock.speed = 0.0001  # hold the clock still while we use up the minute
    for _ in range(minute_left):
        assert api.get("/Accounts").status_code == 200
    refused = api.get("/Accounts")
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["Status"] == 429


def test_idempotency_key_is_remembered_for_six_minutes_only(fake_xero, api):
    body = {"Contacts": [{"Name": "Ida Key"}]}
    key = {"Idempotency-Key": "contact:1"}
    one = api.post("/Contacts?summarizeErrors=false", json=body, headers=key).json()
    two = api.post("/Contacts?summarizeErrors=false", json=body, headers=key).json()
    assert one["Contacts"][0]["ContactID"] == two["Contacts"][0]["ContactID"]
    assert len(fake_xero.contacts()) == 1
    changed = api.post("/Contacts", json={"Contacts": [{"Name": "Other"}]}, headers=key)
    assert changed.status_code == 400
    fake_xero.clock.advance(7 * 60)
    late = api.post("/Contacts?summarizeErrors=false", json=body, headers=key).json()
    assert late["Contacts"][0]["StatusAttributeString"] == "ERROR"  # the name is now taken
    assert "already assigned" in late["Contacts"][0]["ValidationErrors"][0]["Message"]


def test_summarize_errors_true_fails_the_call_but_saves_the_valid_ones(fake_xero, api):
    reply = api.post("/Contacts", json={"Contacts": [{"Name": "Good"}, {"Name": ""}]})
    assert reply.status_code == 400
    assert reply.json()["Type"] == "ValidationException"
    assert [c["Name"] for c in fake_xero.contacts()] == ["Good"]


def test_broad_scopes_are_refused_for_a_new_app(fake_xero, sam_client, settings):
    settings.XERO_SCOPES = "openid offline_access accounting.transactions accounting.contacts"
    to_xero = sam_client.get("/xero/connect/")
    reply = httpx.get(to_xero.url + "&allow=1")
    back = httpx.URL(reply.headers["location"])
    assert back.params["error"] == "invalid_scope"
    page = sam_client.get(f"/xero/callback/?{back.query.decode()}", follow=True)
    assert "Xero refused the permissions we asked for" in page.content.decode()


def test_missing_tenant_header_is_forbidden(fake_xero, xero_connection):
    reply = httpx.get(fake_xero.url + "/api.xro/2.0/Contacts", headers={
        "Authorization": f"Bearer {xero_connection.access_token}", "Accept": "application/json"})
    assert reply.status_code == 403
    assert reply.json()["Detail"] == "AuthenticationUnsuccessful"


def test_fake_runs_standalone_and_serves_several_organisations():
    with FakeXero(org_names=("Practice A", "Practice B")) as fake:
        assert len(fake.orgs) == 2
        assert httpx.get(fake.url + "/connections").status_code == 401
