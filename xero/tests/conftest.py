"""The fake Xero as a fixture: a real HTTP server on a free loopback port, with the app's
settings pointed at it, tiny backoffs and an accelerated clock so rate limits pass in seconds."""

import pytest
from django.utils import timezone

from xero import oauth, services
from xero.fake import FakeXero
from xero.models import XeroConnection, XeroItemMapping, XeroTrackingMapping

SPEED = 600.0  # a simulated minute passes in 0.1 s


def serve_to_app(fake: FakeXero, settings):
    """Start `fake` and point the app's settings at it (tiny backoffs, its clock's speed)."""
    fake.start()
    for key, value in fake.settings().items():
        setattr(settings, key, value)
    settings.XERO_CLOCK_SPEED = fake.clock.speed
    settings.XERO_BACKOFF_SECONDS = 0.001
    settings.XERO_TIMEOUT_SECONDS = 2.0
    # Xero's visibility delay, scaled down: a write not found 0.5 s after it went out was not
    # applied (the fault tests delay their slow writes less than that past the timeout).
    settings.XERO_SETTLE_SECONDS = 0.5
    settings.XERO_SETTLE_WAIT_SECONDS = 10.0
    settings.XERO_REDIRECT_URI = "http://testserver/xero/callback/"
    return fake


@pytest.fixture
def fake_xero(settings):
    fake = serve_to_app(FakeXero(speed=SPEED), settings)
    yield fake
    fake.stop()


@pytest.fixture
def fake():
    """A fake Xero on its own, for tests of the fake (no Django settings touched)."""
    with FakeXero() as fake:
        yield fake


@pytest.fixture
def api(fake):
    """An httpx client of the fake's Accounting API, consented and with the tenant header."""
    from .fake_session import api as session

    with session(fake) as client:
        yield client


def connect(fake: FakeXero, user=None) -> XeroConnection:
    """Walk the OAuth flow against the fake without a browser: authorize, exchange, connect."""
    import httpx
    from django.conf import settings

    from xero import client

    url = client.authorize_url({"response_type": "code", "client_id": settings.XERO_CLIENT_ID,
                                "redirect_uri": settings.XERO_REDIRECT_URI,
                                "scope": settings.XERO_SCOPES, "state": "s1"})
    reply = httpx.get(url + "&allow=1")
    assert reply.status_code == 302, reply.text
    location = httpx.URL(reply.headers["location"])
    assert location.params["state"] == "s1"
    return services.complete_connection(actor=user, code=location.params["code"])


@pytest.fixture
def xero_connection(fake_xero, sam_owner):
    conn = connect(fake_xero, sam_owner)
    assert conn.status == XeroConnection.Status.ACTIVE
    return conn


def make_patients(clinic, count: int, **kw):
    """Many patients with distinct names, in one insert (numbers from the shared sequence)."""
    first = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack",
             "Kate", "Liam", "Mia", "Noah", "Olive", "Pete", "Quinn", "Ruby", "Sam", "Tara"]
    last = ["Adams", "Brown", "Clark", "Davis", "Evans", "Fox", "Green", "Hill", "Irwin", "Jones",
            "King", "Lee", "Moore", "Nash", "Owen", "Price", "Quill", "Reid", "Scott", "Tran",
            "Upton"]
    from datetime import date

    from ncc.models import NumberSequence
    from patients.models import Patient
    from patients.services import FIRST_PATIENT_NUMBER, PATIENT_NUMBER_SEQUENCE

    numbers = NumberSequence.next_block(PATIENT_NUMBER_SEQUENCE, count,
                                        start=FIRST_PATIENT_NUMBER)
    rows = []
    for i, number in zip(range(count), numbers, strict=True):
        p = Patient(number=number, first_name=first[i % len(first)],
                    last_name=f"{last[(i // len(first)) % len(last)]}-{i // 420}",
                    date_of_birth=date(1970, 3, 12), home_clinic=clinic,
                    email=f"p{i}@example.com", mobile="+61412345678", **kw)
        p.search_text = p.build_search_text()
        rows.append(p)
    return Patient.objects.bulk_create(rows)


def expire_access_token(conn: XeroConnection) -> None:
    conn.access_expires_at = timezone.now() - timezone.timedelta(minutes=1)
    conn.save(update_fields=["access_expires_at"])


__all__ = ["connect", "make_patients", "expire_access_token", "oauth"]



@pytest.fixture
def xero_ready(fake_xero, xero_connection, review_type, sydney_cbd):  # noqa: F811
    """The fake Xero with invoices and payments, connected, the Review type and Sydney CBD
    mapped (account 200, GST on income; Location: Sydney CBD)."""
    XeroItemMapping.objects.create(appointment_type=review_type, account_code="200",
                                   tax_type="OUTPUT")
    category = fake_xero.org.tracking[0]
    option = next(o for o in category["Options"] if o["Name"] == "Sydney CBD")
    XeroTrackingMapping.objects.create(
        clinic=sydney_cbd, category_id=category["TrackingCategoryID"],
        category_name=category["Name"], option_id=option["TrackingOptionID"],
        option_name=option["Name"])
    return fake_xero


from billing.tests.fixtures import (  # noqa: E402, F401
    completed_visit,
    review_type,
    roles_applied,
    visit_start,
)
