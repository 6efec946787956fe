"""Daylight saving: Sydney's clocks go back on the first Sunday of April (3 am -> 2 am) and
forward on the first Sunday of October (2 am -> 3 am); Brisbane has no daylight saving. The book
shows wall-clock times in the clinic's zone on those days, and stores the right UTC instants."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from scheduling import services
from scheduling.models import Appointment
from scheduling.queries import day_book, local_day_bounds

from .factories import at

APRIL_CHANGE = date(2027, 4, 4)  # first Sunday of April 2027
OCTOBER_CHANGE = date(2027, 10, 3)  # first Sunday of October 2027


def _book(clinic, clinician, patient, appt_type, start):
    return services.book_appointment(actor=None, patient=patient, clinician=clinician,
                                     clinic=clinic, appointment_type=appt_type, starts_at=start,
                                     confirm=True)


def _tops(html: str) -> list[int]:
    return [int(t) for t in re.findall(r'class="appt [^"]*"\s+style="top: (\d+)px', html)]


@pytest.mark.parametrize("day, utc_offset_hours, day_hours", [
    (APRIL_CHANGE, 10, 25), (OCTOBER_CHANGE, 11, 23),
])
def test_sydney_change_days_show_wall_clock_times(mia_client, sydney_cbd, ben_clinician,
                                                  john_smith, review_type, day,
                                                  utc_offset_hours, day_hours):
    start, end = local_day_bounds(sydney_cbd, day)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=day_hours)
    a = _book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, day, 9))
    a.refresh_from_db()
    expected_utc = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=9 - utc_offset_hours)
    assert a.starts_at == expected_utc
    # A normal day a week later, for comparison of the grid position.
    _book(sydney_cbd, ben_clinician, john_smith, review_type,
          at(sydney_cbd, day + timedelta(weeks=1), 9))
    html = mia_client.get(f"/book/?date={day.isoformat()}").content.decode()
    normal = mia_client.get(f"/book/?date={(day + timedelta(weeks=1)).isoformat()}").content
    assert "9:00–9:30 am" in html
    assert _tops(html) == _tops(normal.decode()) and len(_tops(html)) == 1


def test_sydney_day_view_keeps_neighbouring_days_out(sydney_cbd, ben_clinician, john_smith,
                                                     review_type):
    for day in (APRIL_CHANGE, OCTOBER_CHANGE):
        _book(sydney_cbd, ben_clinician, john_smith, review_type,
              at(sydney_cbd, day - timedelta(days=1), 17))
        _book(sydney_cbd, ben_clinician, john_smith, review_type,
              at(sydney_cbd, day + timedelta(days=1), 8))
        _book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, day, 8))
        _book(sydney_cbd, ben_clinician, john_smith, review_type, at(sydney_cbd, day, 17, 30))
        book = day_book(sydney_cbd, day)
        shown = [b.appointment.local_start.strftime("%H:%M") for c in book["columns"]
                 for b in c.blocks]
        assert shown == ["08:00", "17:30"]


def test_brisbane_is_unaffected(brisbane, john_smith, review_type):
    from ncc import testing
    liam = testing.make_clinician("Liam", [brisbane])
    for day in (APRIL_CHANGE, OCTOBER_CHANGE):
        a = _book(brisbane, liam, john_smith, review_type, at(brisbane, day, 9))
        assert a.starts_at.astimezone(UTC).hour == 23  # always UTC+10
        start, end = local_day_bounds(brisbane, day)
        assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
        book = day_book(brisbane, day)
        assert [b.appointment.local_start.hour for c in book["columns"] for b in c.blocks] == [9]


def test_weekly_series_keeps_the_same_wall_clock_time_across_the_change(
        sydney_cbd, ben_clinician, john_smith, review_type):
    results = services.book_recurring(
        every_weeks=1, times=3, starts_at=at(sydney_cbd, APRIL_CHANGE - timedelta(days=6), 9),
        clinic=sydney_cbd, actor=None, patient=john_smith, clinician=ben_clinician,
        appointment_type=review_type, confirm=True)
    assert all(r.booked for r in results)
    rows = Appointment.objects.order_by("starts_at")
    assert [a.local_starts_at.strftime("%H:%M") for a in rows] == ["09:00"] * 3
    assert [a.starts_at.astimezone(UTC).hour for a in rows] == [22, 23, 23]
