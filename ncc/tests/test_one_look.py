"""One look across the app: styled error pages with a way back, one time format."""

import re
import uuid
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory

from ncc import error_views
from ncc.templatetags.ncc_time import clock, stamp


@pytest.mark.django_db
def test_forbidden_page_is_styled_with_the_menu_and_a_way_back(mia_client):
    response = mia_client.get("/settings/", HTTP_REFERER="http://testserver/book/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "You can&#x27;t open this page" in page
    assert 'class="sidebar"' in page and 'href="http://testserver/book/">Go back' in page


@pytest.mark.django_db
def test_missing_page_is_styled_and_ignores_a_foreign_referer(mia_client):
    response = mia_client.get(f"/patients/{uuid.uuid4()}/", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "evil.example" not in page
    assert "Go to today" in page


@pytest.mark.django_db
def test_missing_page_for_a_signed_out_visitor_offers_the_login(client):
    response = client.get("/no-such-page/")
    assert response.status_code in (302, 404)  # login required first, or not found
    if response.status_code == 404:
        assert "Log in" in response.content.decode()


def test_server_error_page_needs_no_database_or_context():
    response = error_views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and 'href="/"' in page


SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize("hour, minute, text", [(9, 15, "9:15 am"), (12, 0, "12:00 pm"),
                                                (0, 5, "12:05 am"), (17, 30, "5:30 pm")])
def test_clock_reads_like_nine_fifteen_am(hour, minute, text):
    assert clock(time(hour, minute)) == text
    assert clock(datetime(2026, 3, 5, hour, minute, tzinfo=SYDNEY)) == text


def test_stamp_joins_date_and_clock_in_the_current_zone(settings):
    settings.TIME_ZONE = "Australia/Sydney"
    utc = datetime(2026, 3, 4, 22, 15, tzinfo=ZoneInfo("UTC"))  # 9:15 am on the 5th in Sydney
    rendered = Template('{{ t|stamp }} / {{ t|stamp:"D j M" }} / {{ t|clock }}').render(
        Context({"t": utc}))
    assert rendered == "5 Mar 2026, 9:15 am / Thu 5 Mar, 9:15 am / 9:15 am"
    assert stamp(None) == "" and clock("") == ""


def test_no_template_writes_times_another_way():
    """"pm", "PM" and "p.m." on different pages: every template uses |clock or |stamp."""
    other_formats = re.compile(r'\|(date|time):"[^"]*[aAP][^"]*"')
    offenders = []
    roots = [Path(settings.BASE_DIR)]
    for root in roots:
        for path in root.glob("**/templates/**/*.html"):
            if ".venv" in path.parts or "site-packages" in path.parts:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if other_formats.search(line):
                    offenders.append(f"{path.relative_to(root)}:{n}")
    assert not offenders
