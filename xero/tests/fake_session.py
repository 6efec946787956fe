"""A session with the fake Xero without Django: consent, code exchange, then an httpx client
with the Bearer token and tenant header — for tests of the fake itself (rules, faults, SDK)."""

import httpx

from xero.fake import FakeXero

SCOPES = ("openid profile email offline_access accounting.contacts accounting.invoices "
          "accounting.payments accounting.settings")
REDIRECT = "http://localhost/callback"


def grant(fake: FakeXero, scopes: str = SCOPES) -> dict:
    """The token reply (access_token, refresh_token, expires_in, ...) for a fresh consent."""
    consent = httpx.get(fake.url + "/identity/connect/authorize", params={
        "response_type": "code", "client_id": fake.client_id, "redirect_uri": REDIRECT,
        "scope": scopes, "state": "s", "allow": "1"})
    code = httpx.URL(consent.headers["location"]).params["code"]
    reply = httpx.post(fake.url + "/connect/token", auth=(fake.client_id, fake.client_secret),
                       data={"grant_type": "authorization_code", "code": code,
                             "redirect_uri": REDIRECT})
    reply.raise_for_status()
    return reply.json()


def api(fake: FakeXero, timeout: float = 5.0, org=None) -> httpx.Client:
    token = grant(fake)["access_token"]
    return httpx.Client(base_url=fake.url + "/api.xro/2.0", timeout=timeout, headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": (org or fake.org).tenant_id,
        "Accept": "application/json"})
