"""Faults and headers: patient data is never cached, the API says JSON 503 when the database is
away, and a development checkout has its own random SECRET_KEY."""

import json

import pytest
from django.conf import settings

from .test_production_settings import run_python


@pytest.mark.django_db
def test_patient_pages_and_the_api_are_no_store(mia_client, john_smith):
    for url in (f"/patients/{john_smith.pk}/", "/api/v1/patients/", "/book/"):
        assert "no-store" in mia_client.get(url)["Cache-Control"]


def test_the_api_answers_json_503_when_the_database_is_away():
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="ncc.settings", DEBUG="true",
               DATABASE_URL="postgres://ncc@127.0.0.1:9/ncc?connect_timeout=2")
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client(raise_request_exception=False, HTTP_COOKIE='sessionid=kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk')"
            ".get('/api/v1/patients/'); "
            "print(r.status_code, r['Content-Type'], r.get('Retry-After'), r.content.decode())")
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    status, ctype, retry, body = result.stdout.strip().split(" ", 3)
    assert (status, ctype, retry) == ("503", "application/json", "30")
    assert json.loads(body)["code"] == "database_unavailable"


def test_the_development_secret_key_is_random_per_checkout_and_not_in_the_source():
    key_file = settings.VAR_DIR / "secret_key"
    assert key_file.exists() and key_file.read_text().strip() == settings.SECRET_KEY
    assert len(settings.SECRET_KEY) >= 50
    source = (settings.BASE_DIR / "ncc" / "settings.py").read_text()
    assert settings.SECRET_KEY not in source
