"""Helpers for the book's tests: times in a clinic's zone on a day that is surely in the future."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def future_monday(weeks_ahead: int = 2) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks_ahead)


def at(clinic, day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=clinic.tz)
