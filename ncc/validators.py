"""Bounds every app shares: dates a person can mean, ASCII digits, appointment lengths."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_DURATION_MINUTES = 12 * 60  # an appointment or a type longer than a working day is a typo


def validate_sane_date(value) -> None:
    """Dates between 1900 and 2100: 0001-01-01 and 9999-12-31 are typos or probes, and one day
    either side of them overflows Python's date arithmetic."""
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not (EARLIEST_DATE <= day <= LATEST_DATE):
        raise ValidationError("Enter a date between 1900 and 2100.", code="date_out_of_range")


def sane_date_or_none(value: str | None) -> date | None:
    """A YYYY-MM-DD string from a query string as a date in range, else None."""
    try:
        day = date.fromisoformat(value or "")
    except (TypeError, ValueError):
        return None
    return day if EARLIEST_DATE <= day <= LATEST_DATE else None


# \d in Python matches any Unicode digit (full-width １２３, Arabic-Indic...): spell out 0-9.
postcode_validator = RegexValidator(r"^[0-9]{4}\Z", "Enter the four-digit postcode.",
                                    code="invalid_postcode")


def install_form_date_bounds() -> None:
    """Every date and date-time field of every Django form and DRF serializer refuses dates
    outside 1900–2100, so no view does date arithmetic on year 1 or 9999 (called from
    NccConfig.ready; a per-form bound would be forgotten in the next form)."""
    from django import forms
    from rest_framework import fields

    for cls in (forms.DateField, forms.DateTimeField, fields.DateField, fields.DateTimeField):
        if validate_sane_date not in cls.default_validators:
            cls.default_validators = [*cls.default_validators, validate_sane_date]
