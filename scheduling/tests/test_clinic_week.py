"""The week view of the whole clinic: one lane per clinician in each day, coloured by clinician
with initials, filterable to one clinician by the picker; drawn in the same few queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ncc import testing
from scheduling.queries import initials

from .factories import at, future_monday


@pytest.fixture
def busy_week(sydney_cbd, ben_clinician, ana_clinician, review_type):
    monday = future_monday()
    patients = [testing.make_patient(sydney_cbd, f"P{i}", "Busy", mobile="") for i in range(5)]
    for d in range(5):
        for clinician in (ben_clinician, ana_clinician):
            for i in range(4):
                testing.make_appointment(
                    patients[i], clinician, sydney_cbd, review_type,
                    at(sydney_cbd, monday + timedelta(days=d), 9) + timedelta(minutes=30 * i))
    return monday


def _week(client, monday, extra=""):
    return client.get(f"/book/?view=week&date={monday.isoformat()}{extra}")


def test_receptionist_sees_the_whole_clinic_by_default(mia_client, busy_week, ben_clinician,
                                                       ana_clinician):
    html = _week(mia_client, busy_week).content.decode()
    assert html.count('class="appt ') == 40
    assert html.count('class="book-col') == 7
    assert '<option value="all" selected>All clinicians</option>' in html
    # Every day has a lane per clinician, same order; blocks carry the clinician's initials.
    lanes = f'data-lanes="{ben_clinician.pk},{ana_clinician.pk}"' \
        if html.index(ben_clinician.display_name) < html.index(ana_clinician.display_name) \
        else f'data-lanes="{ana_clinician.pk},{ben_clinician.pk}"'
    assert html.count(lanes) == 7
    ben = initials(ben_clinician.display_name)
    assert html.count(f'class="appt-who" title="{ben_clinician.display_name}">{ben}<') == 20
    assert f"with {ben_clinician.display_name}" in html  # spoken by screen readers
    assert f"--c: {ben_clinician.colour}" in html
    assert 'class="book-legend"' in html


def test_picker_filters_to_one_clinician(mia_client, busy_week, ben_clinician):
    html = _week(mia_client, busy_week, f"&clinician={ben_clinician.pk}").content.decode()
    assert html.count('class="appt ') == 20
    assert "data-lanes" not in html and "appt-who" not in html
    assert f'<option value="{ben_clinician.pk}" selected>' in html
    # Navigation keeps the choice; "all" keeps the clinic.
    assert f"clinician={ben_clinician.pk}" in html.split('data-key="ArrowRight"')[0]
    html = _week(mia_client, busy_week, "&clinician=all").content.decode()
    assert html.count('class="appt ') == 40
    assert "clinician=all" in html.split('data-key="ArrowRight"')[0]


def test_clinician_sees_own_week_by_default_and_can_choose_the_clinic(ben_client, busy_week):
    assert _week(ben_client, busy_week).content.decode().count('class="appt ') == 20
    html = _week(ben_client, busy_week, "&clinician=all").content.decode()
    assert html.count('class="appt ') == 40


def test_clinic_week_reads_appointments_once(mia_client, busy_week,
                                             django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        _week(mia_client, busy_week, "&partial=1")
    with CaptureQueriesContext(connection) as ctx:
        _week(mia_client, busy_week)
    appointment_queries = [q for q in ctx.captured_queries
                           if 'FROM "scheduling_appointment"' in q["sql"]]
    assert len(appointment_queries) == 1


def test_clinic_week_query_count_does_not_grow_with_clinicians(mia_client, busy_week, sydney_cbd):
    with CaptureQueriesContext(connection) as before:
        _week(mia_client, busy_week, "&partial=1")
    for i in range(3):
        testing.make_clinician(f"Extra{i}", [sydney_cbd])
    with CaptureQueriesContext(connection) as after:
        html = _week(mia_client, busy_week, "&partial=1").content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)
    assert "Extra0" in html


def test_initials():
    assert initials("Ben Clinician") == "BC"
    assert initials("Dr Mary-Anne O'Brien") == "MO"
    assert initials("Ana") == "A"
