import zoneinfo
from datetime import datetime, time

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from ncc.phones import validate_e164

TIME_ZONE_CHOICES = [
    ("Australia/Sydney", "Sydney, Canberra, Melbourne (AEST/AEDT)"),
    ("Australia/Brisbane", "Brisbane (AEST, no daylight saving)"),
    ("Australia/Adelaide", "Adelaide (ACST/ACDT)"),
    ("Australia/Darwin", "Darwin (ACST)"),
    ("Australia/Perth", "Perth (AWST)"),
    ("Australia/Hobart", "Hobart (AEST/AEDT)"),
    ("Australia/Melbourne", "Melbourne (AEST/AEDT)"),
]

STATE_CHOICES = [
    ("NSW", "NSW"), ("VIC", "VIC"), ("QLD", "QLD"), ("WA", "WA"),
    ("SA", "SA"), ("TAS", "TAS"), ("ACT", "ACT"), ("NT", "NT"),
]

WEEKDAY_CHOICES = [
    (0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
    (4, "Friday"), (5, "Saturday"), (6, "Sunday"),
]

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour like #3b82f6.")


class Clinic(models.Model):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(
        max_length=40, help_text="Shown in the clinic switcher and in SMS, e.g. 'Sydney CBD'."
    )
    address_line = models.CharField("street address", max_length=200)
    suburb = models.CharField(max_length=80)
    state = models.CharField(max_length=3, choices=STATE_CHOICES)
    postcode = models.CharField(max_length=4, validators=[RegexValidator(r"^\d{4}$")])
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=40, choices=TIME_ZONE_CHOICES)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_zone__in=[tz for tz, _ in TIME_ZONE_CHOICES]),
                name="clinic_time_zone_known",
            ),
            models.CheckConstraint(condition=~Q(short_name=""), name="clinic_short_name_set"),
        ]

    def __str__(self):
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def short_address(self) -> str:
        return f"{self.address_line}, {self.suburb}"

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz)

    def hours_on(self, weekday: int) -> tuple[time, time] | None:
        for h in self.opening_hours.all():
            if h.weekday == weekday:
                return h.opens, h.closes
        return None


class OpeningHours(models.Model):
    """When a clinic is open on a weekday, in the clinic's own time zone. No row: closed."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["clinic", "weekday"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "weekday"], name="opening_hours_one_per_day"),
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")),
                                   name="opening_hours_close_after_open"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_range"),
        ]

    def __str__(self):
        return f"{self.clinic} {self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Clinician(models.Model):
    """The clinical profile of a staff user who sees patients."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician"
    )
    clinics = models.ManyToManyField(Clinic, related_name="clinicians")
    title = models.CharField(max_length=20, blank=True, help_text="e.g. Dr")
    profession = models.CharField(max_length=60, default="Podiatrist")
    provider_number = models.CharField(
        max_length=8, blank=True,
        validators=[RegexValidator(r"^\d{6}[0-9A-Z][A-Z]$", "A Medicare provider number looks "
                                   "like 2426011A: six digits, a location character, a check letter.")],
    )
    colour = models.CharField(max_length=7, default="#3b82f6", validators=[colour_validator])
    active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "user__first_name", "user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_number"], condition=~Q(provider_number=""),
                name="clinician_provider_number_unique",
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"),
                                   name="clinician_colour_hex"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.user.get_full_name()
        return f"{self.title} {name}".strip() if self.title else name
