"""Hostile input, generated from the URLconf: every GET parameter that a page's code reads is sent
out-of-range dates, non-numeric and oversized ids, full-width digits and a NUL, one at a time;
no answer may be a 5xx. The parameter names are read from each view's module (request.GET,
query_params, the app's forms and the viewset's filters), so a new parameter is covered the day
it is written."""

import inspect
import re

import pytest
from django.test import Client
from django.urls import resolve

from .urlconf_cases import make_world, project_routes, url_for

# Sent to all of a page's parameters at once; the first two also to each parameter alone (a
# form refusing one field can hide what another would have done).
HOSTILE_VALUES = ["abc", "9999-12-31", "0001-01-01", "-1", "9223372036854775808", "４０００",
                  "x\x00y", "2026-02-30", "a" * 3000]
ONE_AT_A_TIME = HOSTILE_VALUES[:2]
ALWAYS = ["page", "q", "date", "clinic", "next", "format"]
PARAM_PATTERNS = [
    r"""(?:GET|query_params|src|q|params|data)\.get\(\s*["'](\w+)["']""",
    r"""(?:GET|query_params|q)\[\s*["'](\w+)["']\s*\]""",
]


def _params_of(view) -> list[str]:
    func = getattr(view, "view_class", None) or getattr(view, "cls", None) or view
    names = set(ALWAYS)
    module = inspect.getmodule(inspect.unwrap(func))
    try:
        source = inspect.getsource(module)
    except (TypeError, OSError):
        source = ""
    for pattern in PARAM_PATTERNS:
        names.update(re.findall(pattern, source))
    app = module.__name__.split(".")[0] if module else ""
    try:
        forms = __import__(f"{app}.forms", fromlist=["*"])
    except ImportError:
        forms = None
    for obj in vars(forms).values() if forms else []:
        if isinstance(obj, type) and hasattr(obj, "base_fields"):
            names.update(obj.base_fields)
    cls = getattr(view, "cls", None)
    if cls is not None:
        fields = getattr(cls, "filterset_fields", None) or {}
        if isinstance(fields, dict):
            for field, lookups in fields.items():
                names.update(field if lk == "exact" else f"{field}__{lk}" for lk in lookups)
        else:
            names.update(fields)
        names.update(["search", "ordering"])
    return sorted(names)


@pytest.mark.django_db
def test_no_page_answers_5xx_to_hostile_query_strings(settings, capsys):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    users, by_name, extra = make_world()
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    errors, cases, urls = [], 0, 0
    for route in project_routes():
        if route.name in ("accounts:logout",):
            continue
        url = url_for(route, by_name, extra)
        urls += 1
        names = _params_of(resolve(url).func)
        queries = [dict.fromkeys(names, value) for value in HOSTILE_VALUES]
        queries += [{name: value} for value in ONE_AT_A_TIME for name in names]
        for query in queries:
            response = client.get(url, query)
            cases += 1
            if response.status_code >= 500:
                shown = query if len(query) == 1 else f"all of {sorted(query)}"
                errors.append(f"GET {url} {shown}={next(iter(query.values()))[:20]!r}: "
                              f"{response.status_code}")
    with capsys.disabled():
        print(f"\nhostile query strings: {cases} requests to {urls} URLs")
    assert not errors, "\n".join(errors)


@pytest.mark.django_db
def test_api_detail_urls_answer_404_to_ids_that_are_not_ids(sam_client):
    for prefix in ("clinics", "clinicians", "patients", "appointment-types", "appointments",
                   "invoices", "payments"):
        for bad in ("abc", "9223372036854775808", "-1", "１"):
            response = sam_client.get(f"/api/v1/{prefix}/{bad}/")
            assert response.status_code == 404, (prefix, bad, response.status_code)
