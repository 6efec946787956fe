"""Two-factor login (django-otp): required for admins, for everyone by the practice setting,
enrolment from the user's own account page, recovery codes that work once."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from ncc import testing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.MFA_ENFORCED = True


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _log_in(client, user):
    return client.post("/accounts/login/", {"username": user.email, "password": testing.PASSWORD})


def _enrol(client, user) -> list[str]:
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/accounts/two-factor/", {"code": _code(device)})
    assert response.status_code == 200, response.content
    return response.context["codes"]


def test_an_admin_must_set_up_two_factor_before_anything_else(sam_owner):
    client = Client()
    _log_in(client, sam_owner)
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/patients/").status_code == 403


def test_an_admin_enrols_then_logs_in_with_a_code(sam_owner):
    client = Client()
    _log_in(client, sam_owner)
    codes = _enrol(client, sam_owner)
    assert len(codes) == 10
    assert client.get("/patients/").status_code == 200
    client.post("/accounts/logout/")
    _log_in(client, sam_owner)
    assert client.get("/patients/")["Location"].startswith("/accounts/verify/")
    wrong = client.post("/accounts/verify/", {"code": "000000", "next": "/patients/"})
    assert "not right" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=sam_owner, confirmed=True)
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1
    device.save()
    ok = client.post("/accounts/verify/", {"code": _code(device), "next": "/patients/"})
    assert ok.status_code == 302 and ok["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa", object_id=str(sam_owner.pk)).count() >= 2


def test_a_recovery_code_logs_in_once(sam_owner):
    client = Client()
    _log_in(client, sam_owner)
    codes = _enrol(client, sam_owner)
    client.post("/accounts/logout/")
    _log_in(client, sam_owner)
    assert client.post("/accounts/verify/", {"code": codes[0]}).status_code == 302
    client.post("/accounts/logout/")
    _log_in(client, sam_owner)
    again = client.post("/accounts/verify/", {"code": codes[0]})
    assert again.status_code == 200 and "not right" in again.content.decode()


def test_a_receptionist_is_not_asked_unless_the_practice_requires_it(mia_receptionist, settings):
    client = Client()
    _log_in(client, mia_receptionist)
    assert client.get("/patients/").status_code == 200
    settings.MFA_REQUIRED_FOR_ALL = True
    assert client.get("/patients/")["Location"].startswith("/accounts/two-factor/")


def test_anyone_can_turn_it_on_from_their_account_page(mia_receptionist):
    client = Client()
    _log_in(client, mia_receptionist)
    assert "Set up two-factor login" in client.get("/accounts/me/").content.decode()
    _enrol(client, mia_receptionist)
    assert "Turn off" in client.get("/accounts/me/").content.decode()
