"""An anonymous visitor reaches nothing but the login page (and the health probes)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE = {"uuid": "8d3c4b9e-2f6a-4c1d-9a7e-5b0f1e2d3c4a", "int": "1", "slug": "x", "str": "x", "path": "x"}
PUBLIC_PREFIXES = ("/accounts/login/", "/accounts/password-reset/", "/accounts/reset/",
                   "/healthz", "/readyz", "/admin/login/", "/accounts/logout/", "/static/",
                   "/settings/invite/")  # a staff invitation: its one-time token is the key
# Endpoints that authenticate their callers by a signature or a secret token, not a login.
CALLBACK_PREFIXES = ("/xero/webhook", "/xero/callback", "/invoices/xero/webhook", "/sms/callback",
                     "/sms/inbound",
                     "/sms/receipt", "/messaging/callback", "/fake-")


def _concrete(pattern) -> str:
    """Turn a URL pattern into a URL by filling each converter with a sample value."""
    route = str(pattern.pattern)

    def fill(match):
        kind, name = match.group(1) or "str", match.group(2)
        return ".json" if name == "format" else SAMPLE.get(kind, "1")

    route = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    return route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + _concrete(p))
        elif isinstance(p, URLPattern):
            url = "/" + prefix + _concrete(p)
            if "(?P" in url or "[" in url:
                continue  # regex routes from the admin/DRF format suffixes
            yield url


ALL_URLS = sorted(set(walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_main_screens():
    for url in ("/patients/", "/book/", "/api/v1/patients/", "/admin/"):
        assert url in ALL_URLS


@pytest.mark.django_db
@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_visitor_is_sent_to_login_or_refused(client, url):
    if url.startswith(PUBLIC_PREFIXES):
        pytest.skip("public by design")
    response = client.get(url)
    if url.startswith(CALLBACK_PREFIXES):
        # Signed or token-protected callbacks: a bare visit is refused, never served.
        assert response.status_code in (302, 400, 401, 403, 404, 405), (url, response.status_code)
        return
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), url
    else:
        assert response.status_code == 302, (url, response.status_code)
        assert "/login/" in response["Location"], (url, response["Location"])
