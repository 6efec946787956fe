import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from clinics.models import WEEKDAY_CHOICES, colour_validator
from ncc.tax import TaxTreatment
from ncc.validators import MAX_DURATION_MINUTES


class AppointmentType(models.Model):
    name = models.CharField(max_length=80, unique=True)
    duration_minutes = models.PositiveSmallIntegerField(
        "default duration (minutes)",
        validators=[MinValueValidator(5), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))],
        help_text="AUD, including GST where GST applies.",
    )
    colour = models.CharField(max_length=7, default="#60a5fa", validators=[colour_validator])
    active = models.BooleanField(default=True)
    # Podiatry care is a GST-free health service (GST Act s38-10); a type that sells something
    # taxable (e.g. a shoe fitting with off-the-shelf footwear) says so here.
    tax_treatment = models.CharField(max_length=12, choices=TaxTreatment.choices,
                                     default=TaxTreatment.GST_FREE, db_default="gst_free")
    item_number = models.CharField(
        max_length=12, blank=True, default="", db_default="",
        help_text="The service item number health funds recognise, printed on invoices "
                  "(e.g. F1205 for a podiatry consultation, 10962 for Medicare).")
    # Who may be booked for it (a surgical review only with the surgeon); nobody chosen: anyone.
    clinicians = models.ManyToManyField(
        "clinics.Clinician", blank=True, related_name="appointment_types",
        help_text="Leave all unticked when any clinician may be booked for this type.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gte=5),
                                   name="appointment_type_duration_min_5"),
            models.CheckConstraint(condition=Q(duration_minutes__lte=MAX_DURATION_MINUTES),
                                   name="appointment_type_duration_max_12h"),
            models.CheckConstraint(condition=Q(price__gte=0), name="appointment_type_price_nonneg"),
            models.CheckConstraint(condition=Q(tax_treatment__in=TaxTreatment.values),
                                   name="appointment_type_tax_treatment_valid"),
        ]

    def __str__(self):
        return self.name

    def may_be_booked_with(self, clinician) -> bool:
        """Nobody listed: any clinician; else only those listed."""
        if self.pk is None:
            return True
        allowed = [c.pk for c in self.clinicians.all()]
        return not allowed or clinician.pk in allowed

    def price_at(self, clinic) -> Decimal:
        """The clinic's own price for this type if it has one, else the type's price."""
        clinic_id = getattr(clinic, "pk", clinic)
        for row in self.clinic_prices.all():
            if row.clinic_id == clinic_id:
                return row.price
        return self.price


class AppointmentTypePrice(models.Model):
    """A clinic that charges differently for a type (a CBD clinic costs more to run)."""

    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE,
                                         related_name="clinic_prices")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE,
                               related_name="appointment_type_prices")
    price = models.DecimalField(max_digits=8, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.00"))],
                                help_text="AUD, including GST where GST applies.")

    class Meta:
        ordering = ["appointment_type", "clinic"]
        constraints = [
            models.UniqueConstraint(fields=["appointment_type", "clinic"],
                                    name="appointment_type_price_one_per_clinic"),
            models.CheckConstraint(condition=Q(price__gte=0),
                                   name="appointment_type_clinic_price_nonneg"),
        ]

    def __str__(self):
        return f"{self.appointment_type} at {self.clinic.short_name}: ${self.price}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


class EmailStatus(models.TextChoices):
    NONE = "", "Not sent"
    PENDING = "pending", "Sending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    clinician = models.ForeignKey(
        "clinics.Clinician", on_delete=models.PROTECT, related_name="appointments"
    )
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT,
                               related_name="appointments")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    reason = models.CharField("reason for visit", max_length=200, blank=True)
    notes = models.TextField(blank=True)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    is_paid = models.BooleanField(default=False)
    # Written by the SMS app (as is_paid by billing) so the book reads it with the appointment:
    # "sent" = a reminder went out and nothing came back; "replied"; "call_back" = replied N.
    reminder_state = models.CharField(max_length=10, blank=True, default="", db_default="",
                                      choices=[("", "No reminder"), ("sent", "Reminded, no reply"),
                                               ("replied", "Replied"),
                                               ("call_back", "Asked to cancel: call back")])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # The last confirmation email (booked, moved or cancelled): what happened to it, so staff
    # can see that a patient without an email address was not told.
    confirmation_email_status = models.CharField(
        max_length=8, choices=EmailStatus.choices, default=EmailStatus.NONE, blank=True
    )
    confirmation_email_detail = models.CharField(max_length=200, blank=True)
    confirmation_email_at = models.DateTimeField(null=True, blank=True)
    # Automatic retries of a failed email (tasks.retry_failed_confirmations): which email it
    # was, how many sends have failed in a row, and when the sweep may try again (null: never).
    # Database defaults too: rows inserted in SQL (imports, the benchmark) need no change.
    confirmation_email_kind = models.CharField(max_length=10, blank=True, default="",
                                               db_default="")
    confirmation_email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)
    confirmation_email_retry_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every move or cancel: the SEQUENCE of the .ics so calendars replace the event.
    sequence = models.PositiveIntegerField(default=0)
    # Brought in by an import (scheduling/importer.py): "system:id" in the other system, and
    # the job, so undo removes exactly what it created.
    source_id = models.CharField(max_length=90, blank=True, default="", db_default="",
                                 db_index=True)
    import_job = models.ForeignKey("patients.PatientImport", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="appointments")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appt_clinic_start_idx"),
            models.Index(fields=["clinician", "starts_at"], name="appt_clinician_start_idx"),
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                   name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | ~Q(cancellation_reason=""),
                name="appointment_cancel_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.patient.full_name} {self.starts_at:%Y-%m-%d %H:%M} with {self.clinician}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == AppointmentStatus.CANCELLED

    @property
    def local_starts_at(self):
        return self.starts_at.astimezone(self.clinic.tz)

    @property
    def local_ends_at(self):
        return self.ends_at.astimezone(self.clinic.tz)


class RosterWeek(models.IntegerChoices):
    EVERY = 0, "Every week"
    A = 1, "Week A"
    B = 2, "Week B"


ROSTER_EPOCH = date(2024, 1, 1)  # a Monday: week A is an even number of weeks after it


def roster_week_of(day: date) -> int:
    """Week A or B of an alternating roster (steady across New Year, unlike ISO week parity)."""
    return RosterWeek.A if ((day - ROSTER_EPOCH).days // 7) % 2 == 0 else RosterWeek.B


class WorkingHours(models.Model):
    """A span a clinician works at a clinic on a weekday, in the clinic's time zone. Several spans
    on one day leave breaks between them; `week` A/B rows make a fortnightly roster.

    A clinician with no rows at all works the opening hours of each of their clinics (so a new
    clinician is bookable at once); once any row exists, only the rows count.
    """

    clinician = models.ForeignKey("clinics.Clinician", on_delete=models.CASCADE,
                                  related_name="working_hours")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE,
                               related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    week = models.PositiveSmallIntegerField(choices=RosterWeek.choices, default=RosterWeek.EVERY,
                                            db_default=0)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["clinician", "clinic", "week", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.UniqueConstraint(fields=["clinician", "clinic", "weekday", "week", "starts"],
                                    name="working_hours_one_start_per_day"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")),
                                   name="working_hours_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday_range"),
            models.CheckConstraint(condition=Q(week__lte=2), name="working_hours_week_range"),
        ]

    def applies_to(self, day: date) -> bool:
        return self.weekday == day.weekday() and self.week in (RosterWeek.EVERY,
                                                                roster_week_of(day))

    def __str__(self):
        return (f"{self.clinician} at {self.clinic.short_name} {self.get_weekday_display()} "
                f"{self.starts:%H:%M}-{self.ends:%H:%M}")


class TimeOff(models.Model):
    """A clinician away (leave, training): bookings inside it ask for confirmation."""

    clinician = models.ForeignKey("clinics.Clinician", on_delete=models.CASCADE,
                                  related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        indexes = [models.Index(fields=["clinician", "starts_at"], name="timeoff_clinician_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                   name="time_off_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.clinician} away {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%Y-%m-%d %H:%M}"
