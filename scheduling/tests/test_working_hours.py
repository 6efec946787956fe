"""Working hours shade the book; a clinician with no rows works the clinic's opening hours."""

from datetime import time, timedelta

from scheduling.models import TimeOff, WorkingHours
from scheduling.queries import day_book, working_intervals

from .factories import at, future_monday


def test_without_rows_a_clinician_works_opening_hours(sydney_cbd, ben_clinician):
    monday = future_monday()
    assert [(s.time(), e.time()) for s, e in working_intervals(ben_clinician, sydney_cbd, monday)
            ] == [(time(8), time(18))]
    book = day_book(sydney_cbd, monday)
    assert book["columns"][0].shades == []


def test_rows_and_time_off_shade_the_day(sydney_cbd, ben_clinician, ana_clinician):
    monday = future_monday()
    WorkingHours.objects.create(clinician=ben_clinician, clinic=sydney_cbd, weekday=0,
                                starts=time(9), ends=time(13))
    TimeOff.objects.create(clinician=ana_clinician, starts_at=at(sydney_cbd, monday, 14),
                           ends_at=at(sydney_cbd, monday + timedelta(days=2), 9),
                           reason="Conference")
    book = day_book(sydney_cbd, monday)
    by_name = {c.clinician.pk: c for c in book["columns"]}
    ppm = book["grid"].px_per_min
    ben = [(s.kind, round(s.top / ppm), round(s.height / ppm)) for s in by_name[
        ben_clinician.pk].shades]
    assert ben == [("off", 0, 60), ("off", 300, 300)]  # 8-9 and 13-18 shaded
    ana = [(s.kind, s.label, round(s.top / ppm)) for s in by_name[ana_clinician.pk].shades]
    assert ana == [("away", "Conference", 360)]
    # Tuesday: Ben has rows, none on Tuesdays, so the whole day is shaded.
    tuesday = day_book(sydney_cbd, monday + timedelta(days=1))
    ben_tue = next(c for c in tuesday["columns"] if c.clinician.pk == ben_clinician.pk)
    assert [(s.kind, round(s.height / ppm)) for s in ben_tue.shades] == [("off", 600)]
