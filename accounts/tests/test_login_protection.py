"""Login protection: lockout per account and address, passwords of 12+, the change-password page
and its email, throttled reset emails, idle timeout and absolute lifetime."""

import time

import pytest
from axes.utils import reset as axes_reset
from django.core import mail
from django.test import Client

from accounts.middleware import LAST_SEEN, STARTED
from audit.models import AuditEvent
from ncc import testing

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def _try(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def test_sixty_wrong_passwords_then_the_right_one_does_not_log_in(mia_receptionist):
    client = Client()
    for _ in range(60):
        _try(client, mia_receptionist.email, "wrong-password-123")
    response = _try(client, mia_receptionist.email, testing.PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_account_is_locked_whatever_address_the_attempts_come_from(mia_receptionist):
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(LOGIN, {"username": mia_receptionist.email,
                                                       "password": "nope-nope-nope"})
    response = Client(REMOTE_ADDR="10.0.0.99").post(
        LOGIN, {"username": mia_receptionist.email, "password": testing.PASSWORD})
    assert response.status_code == 429


def test_an_address_is_locked_whatever_accounts_it_tries(mia_receptionist):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        _try(attacker, f"guess{n}@walkeasy.example", "password-guess")
    assert _try(attacker, mia_receptionist.email, testing.PASSWORD).status_code == 429
    # Mia at her own desk is not locked out by the attacker's address.
    assert _try(Client(REMOTE_ADDR="10.1.1.1"), mia_receptionist.email,
                testing.PASSWORD).status_code == 302


def test_api_basic_auth_is_locked_out_like_the_form(mia_receptionist):
    import base64

    def basic(password):
        token = base64.b64encode(f"{mia_receptionist.email}:{password}".encode()).decode()
        return Client().get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Basic {token}")

    for _ in range(6):
        basic("wrong-password-123")
    assert basic(testing.PASSWORD).status_code in (401, 403, 429)


def test_an_admin_unlocks_a_locked_account(mia_receptionist):
    client = Client()
    for _ in range(6):
        _try(client, mia_receptionist.email, "wrong-password-123")
    axes_reset(username=mia_receptionist.email)  # what Django admin's delete of the attempts does
    assert _try(client, mia_receptionist.email, testing.PASSWORD).status_code == 302


def test_failed_and_successful_logins_are_audited(mia_receptionist):
    client = Client()
    _try(client, mia_receptionist.email, "wrong-password-123")
    _try(client, mia_receptionist.email, testing.PASSWORD)
    actions = list(AuditEvent.objects.filter(object_id=str(mia_receptionist.pk))
                   .values_list("action", flat=True))
    assert "login_fail" in actions and "login" in actions


def test_passwords_shorter_than_twelve_characters_are_refused(mia_client):
    response = mia_client.post("/accounts/password/", {
        "old_password": testing.PASSWORD, "new_password1": "Sh0rt-pass!",
        "new_password2": "Sh0rt-pass!"})
    assert "at least 12 characters" in response.content.decode()


def test_changing_the_password_emails_the_account(mia_client, mia_receptionist):
    response = mia_client.post("/accounts/password/", {
        "old_password": testing.PASSWORD, "new_password1": "plum-orbit-canvas-42",
        "new_password2": "plum-orbit-canvas-42"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[mia_receptionist.email]]
    assert "was just changed" in mail.outbox[0].body
    assert mia_client.get("/accounts/me/").status_code == 200  # still signed in


def test_password_reset_emails_are_throttled(mia_receptionist):
    from django.core.cache import cache

    cache.clear()
    client = Client()
    for _ in range(11):
        client.post("/accounts/password-reset/", {"email": mia_receptionist.email})
    assert len(mail.outbox) == 3


def _age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_idle_session_is_signed_out_after_thirty_minutes(mia_client):
    assert mia_client.get("/patients/").status_code == 200
    _age_session(mia_client, ncc_last_seen=31 * 60)
    response = mia_client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in mia_client.session


def test_a_busy_session_still_ends_after_its_absolute_lifetime(mia_client):
    mia_client.get("/patients/")
    _age_session(mia_client, ncc_started=13 * 3600, ncc_last_seen=60)
    assert mia_client.get("/patients/").status_code == 302


def test_an_active_session_carries_on(mia_client):
    mia_client.get("/patients/")
    _age_session(mia_client, ncc_started=3600, ncc_last_seen=10 * 60)
    assert mia_client.get("/patients/").status_code == 200
    assert LAST_SEEN in mia_client.session and STARTED in mia_client.session
