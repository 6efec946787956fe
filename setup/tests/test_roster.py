"""The roster editor: spans with breaks, alternating weeks, time off with a reason; a change that
would orphan booked appointments lists them first."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ncc import testing
from scheduling.models import RosterWeek, TimeOff, WorkingHours, roster_week_of
from scheduling.queries import working_intervals
from scheduling.roster import parse_spans
from scheduling.tests.factories import at, future_monday

pytestmark = pytest.mark.django_db


def test_spans_are_read_the_way_people_type_them():
    assert parse_spans("8:30-12:30, 1:30pm-5") == [(time(8, 30), time(12, 30)),
                                                   (time(13, 30), time(17))]
    assert parse_spans("9am to 1pm") == [(time(9), time(13))]
    assert parse_spans("") == []
    for bad in ("9-8", "9-12, 11-3", "lunch", "25:00-26:00"):
        with pytest.raises(ValidationError):
            parse_spans(bad)


def _roster_post(pattern="every", **days):
    data = {"pattern": pattern}
    for week in (0, 1, 2):
        for d in range(7):
            data[f"w{week}_d{d}"] = ""
    data.update(days)
    return data


def test_a_break_and_alternate_weeks_shape_the_working_day(sam_client, sydney_cbd, ben_clinician):
    url = reverse("setup:roster", args=[ben_clinician.pk])
    response = sam_client.post(url, _roster_post("alternate", w1_d0="8:00-12:00, 13:00-17:00",
                                                 w2_d0="", w1_d2="9-3", w2_d2="9-3"))
    assert response.status_code == 302
    monday = future_monday()
    a_monday = monday if roster_week_of(monday) == RosterWeek.A else monday + timedelta(days=7)
    spans = [(s.time(), e.time()) for s, e in working_intervals(ben_clinician, sydney_cbd,
                                                                a_monday)]
    assert spans == [(time(8), time(12)), (time(13), time(17))]
    assert working_intervals(ben_clinician, sydney_cbd, a_monday + timedelta(days=7)) == []
    assert WorkingHours.objects.filter(clinician=ben_clinician, week=RosterWeek.EVERY).count() == 0


def test_bad_span_is_shown_beside_its_day_and_nothing_changes(sam_client, ben_clinician):
    url = reverse("setup:roster", args=[ben_clinician.pk])
    response = sam_client.post(url, _roster_post(w0_d1="9-8"))
    assert response.status_code == 200
    assert "ends before it starts" in response.content.decode()
    assert not WorkingHours.objects.exists()


def test_first_roster_at_one_clinic_keeps_the_opening_hours_of_the_others(
        sam_client, sydney_cbd, brisbane, ben_clinician):
    ben_clinician.clinics.add(brisbane)
    sam_client.post(reverse("setup:roster", args=[ben_clinician.pk]) + f"?clinic={sydney_cbd.pk}",
                    _roster_post(w0_d0="9-12"))
    monday = future_monday()
    assert working_intervals(ben_clinician, brisbane, monday)  # still works there
    assert [(s.time(), e.time()) for s, e in
            working_intervals(ben_clinician, sydney_cbd, monday)] == [(time(9), time(12))]


def test_roster_change_that_orphans_appointments_lists_them_first(
        sam_client, sydney_cbd, ben_clinician, john_smith, review_type):
    monday = future_monday()
    visit = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                     at(sydney_cbd, monday, 15))
    url = reverse("setup:roster", args=[ben_clinician.pk])
    first = sam_client.post(url, _roster_post(w0_d0="8-12"))
    page = first.content.decode()
    assert first.status_code == 200 and "John Smith" in page and "Save anyway" in page
    assert f"focus={visit.pk}" in page
    assert not WorkingHours.objects.exists()
    confirmed = sam_client.post(url, {**_roster_post(w0_d0="8-12"), "confirm": "1"})
    assert confirmed.status_code == 302
    assert WorkingHours.objects.filter(clinician=ben_clinician).count() == 1


def test_time_off_needs_a_reason_and_lists_the_visits_it_covers(
        sam_client, sydney_cbd, ben_clinician, john_smith, review_type):
    monday = future_monday()
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             at(sydney_cbd, monday, 10))
    url = reverse("setup:time_off_add", args=[ben_clinician.pk])
    day = monday.isoformat()
    no_reason = sam_client.post(url, {"starts": f"{day}T08:00", "ends": f"{day}T18:00",
                                      "reason": "", "clinic": sydney_cbd.pk})
    assert "This field is required." in no_reason.content.decode()
    covered = sam_client.post(url, {"starts": f"{day}T08:00", "ends": f"{day}T18:00",
                                    "reason": "Training", "clinic": sydney_cbd.pk})
    assert "John Smith" in covered.content.decode() and not TimeOff.objects.exists()
    sam_client.post(url, {"starts": f"{day}T08:00", "ends": f"{day}T18:00",
                          "reason": "Training", "clinic": sydney_cbd.pk, "confirm": "1"})
    away = TimeOff.objects.get()
    assert away.reason == "Training"
    assert away.starts_at == datetime.combine(monday, time(8), tzinfo=sydney_cbd.tz)


def test_a_clinician_not_rostered_that_day_gets_a_narrow_column(sam_client, sydney_cbd,
                                                                ben_clinician, ana_clinician):
    sam_client.post(reverse("setup:roster", args=[ben_clinician.pk]), _roster_post(w0_d0="9-5"))
    tuesday = future_monday() + timedelta(days=1)
    page = sam_client.get(f"/book/?date={tuesday.isoformat()}").content.decode()
    assert f'class="book-col off" data-clinician="{ben_clinician.pk}"' in page
    assert f'class="book-col" data-clinician="{ana_clinician.pk}"' in page
    assert "not rostered today" in page
    monday = sam_client.get(f"/book/?date={future_monday().isoformat()}").content.decode()
    assert 'class="book-col off"' not in monday
