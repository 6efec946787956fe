"""The production configuration (DEBUG off) passes Django's deployment checks and serves the
probes that Cloud Run sends, whatever Host header they carry."""

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from ncc.logging import ERROR_EVENT_TYPE, CloudLoggingFormatter

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update({
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "clinic.walkeasy.example,ncc-web-abc123-ts.a.run.app",
        "SITE_URL": "https://clinic.walkeasy.example",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "ncc.settings",
    })
    env.update(extra)
    return env


def run_python(code, env):
    return subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=60)


def test_check_deploy_with_production_settings_reports_no_issues():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                             "WARNING"], cwd=BASE_DIR, env=production_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_to_start_with_the_development_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


CLOUD_SQL_URL = "postgres://ncc:s%40cret@%2Fcloudsql%2Fwalk-easy%3Aaustralia-southeast1%3Ancc-db/ncc"


@pytest.fixture(scope="module")
def production_settings():
    """The settings a Cloud Run process gets, read in a process of their own."""
    code = ("import django, json, sentry_sdk; django.setup(); from django.conf import settings; "
            "names = ['DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', "
            "'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
            "'CSRF_TRUSTED_ORIGINS', 'DATABASES', 'LOGGING']; "
            "values = {n: getattr(settings, n) for n in names}; "
            "values['sentry_active'] = sentry_sdk.get_client().is_active(); "
            "print(json.dumps(values, default=str))")
    result = run_python(code, production_env(DATABASE_URL=CLOUD_SQL_URL))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_are_hardened(production_settings):
    s = production_settings
    assert s["DEBUG"] is False
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://clinic.walkeasy.example"]
    assert s["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert s["sentry_active"] is False  # no SENTRY_DSN, no Sentry


def test_a_cloud_sql_socket_url_connects_through_the_socket_directory(production_settings):
    db = production_settings["DATABASES"]["default"]
    assert (db["HOST"], db["NAME"], db["USER"], db["PASSWORD"]) == (
        "/cloudsql/walk-easy:australia-southeast1:ncc-db", "ncc", "ncc", "s@cret")


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["clinic.walkeasy.example"])
def test_probes_answer_over_plain_http_whatever_the_host_header(client):
    # Cloud Run's probes come straight to the container: no TLS, the instance's address as Host.
    assert client.get("/healthz", HTTP_HOST="169.254.8.1:8080").json() == {"status": "ok"}
    assert client.get("/readyz", HTTP_HOST="169.254.8.1:8080").json() == {"status": "ready"}
    # Everything else still gets the host check and the HTTPS redirect.
    assert client.get("/accounts/login/", HTTP_HOST="169.254.8.1:8080").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="clinic.walkeasy.example").status_code == 301


def test_an_error_log_line_is_a_cloud_error_reporting_event_without_the_query_string(rf):
    request = rf.get("/patients/?q=smith")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
            ("/patients/",), sys.exc_info(), extra={"request": request, "status_code": 500})
    entry = json.loads(CloudLoggingFormatter().format(record))
    assert entry["severity"] == "ERROR"
    assert entry["@type"] == ERROR_EVENT_TYPE
    assert "RuntimeError: boom" in entry["message"]
    assert entry["httpRequest"] == {"requestMethod": "GET", "requestUrl": "/patients/",
                                    "status": 500}
    assert "smith" not in json.dumps(entry)


def test_readyz_says_unavailable_when_the_database_cannot_be_reached():
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/readyz'); print(r.status_code, json.dumps(r.json()))")
    result = run_python(code, production_env(
        DATABASE_URL="postgres://ncc@127.0.0.1:9/ncc?connect_timeout=2"))
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert (int(status), json.loads(body)) == (503, {"status": "unavailable",
                                                     "error": "OperationalError"})


def test_sentry_reports_errors_when_a_dsn_is_set_without_personal_data():
    code = ("import django, os, sentry_sdk; django.setup(); c = sentry_sdk.get_client(); "
            "print(c.is_active(), c.options['send_default_pii'], c.options['environment'], "
            "flush=True); os._exit(0)")  # skip Sentry's flush at exit: nothing was sent
    result = run_python(code, production_env(SENTRY_DSN="https://key@127.0.0.1:9/1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "production"]
