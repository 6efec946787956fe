"""Reads of appointments that several views share."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from .models import Appointment


def local_day_bounds(clinic, day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which `day` starts and ends in the clinic's zone (23 or 25 hours long
    on DST change days)."""
    start = datetime.combine(day, time.min, tzinfo=clinic.tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clinic.tz)
    return start, end


def appointments_for_clinic_day(clinic, day: date, include_cancelled: bool = True) -> QuerySet:
    start, end = local_day_bounds(clinic, day)
    qs = Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
    if not include_cancelled:
        qs = qs.exclude(status="cancelled")
    return qs.select_related("patient", "clinician__user", "appointment_type").order_by(
        "starts_at"
    )
