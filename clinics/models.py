import zoneinfo
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from ncc.phones import validate_e164
from ncc.validators import postcode_validator

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

ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def normalise_abn(value: str) -> str:
    return "".join(ch for ch in (value or "") if not ch.isspace())


def abn_is_valid(value: str) -> bool:
    """The ABR's check: subtract 1 from the first digit, weight the 11 digits, and the sum is a
    multiple of 89."""
    digits = normalise_abn(value)
    if len(digits) != 11 or not digits.isdigit():
        return False
    numbers = [int(d) for d in digits]
    numbers[0] -= 1
    return sum(w * n for w, n in zip(ABN_WEIGHTS, numbers, strict=True)) % 89 == 0


def validate_abn(value: str) -> None:
    if not abn_is_valid(value):
        raise ValidationError("That is not a valid ABN: 11 digits whose check sum works out, "
                              "e.g. 51 824 753 556.", code="invalid_abn")


def format_abn(value: str) -> str:
    d = normalise_abn(value)
    return f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}" if len(d) == 11 else value


provider_number_validator = RegexValidator(
    r"^\d{6}[0-9A-Z][A-Z]$", "A Medicare provider number looks like 2426011A: six digits, a "
    "location character, a check letter.")


class Practice(models.Model):
    """The business behind the clinics: what a tax invoice must show (name, ABN) and the terms
    printed on it. One row (Practice.current())."""

    name = models.CharField("practice name", max_length=150)
    legal_name = models.CharField(max_length=150, blank=True,
                                  help_text="If different from the practice name, e.g. "
                                            "'Walk Easy Podiatry Pty Ltd'.")
    abn = models.CharField("ABN", max_length=14, validators=[validate_abn],
                           help_text="11 digits, e.g. 51 824 753 556.")
    logo = models.ImageField(upload_to="practice/", blank=True,
                             help_text="Printed at the top of invoices and receipts (PNG or "
                                       "JPEG).")
    email = models.EmailField(blank=True, help_text="Shown on invoices; replies go here.")
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    website = models.CharField(max_length=120, blank=True)
    invoice_terms = models.TextField(
        blank=True, default="Payment is due on the day of your appointment unless agreed "
                            "otherwise.",
        help_text="Printed at the foot of each invoice: payment terms, bank details.")
    receipt_note = models.TextField(blank=True, help_text="Printed at the foot of receipts.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.abn = normalise_abn(self.abn)
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "Practice | None":
        return cls.objects.order_by("pk").first()

    @property
    def abn_display(self) -> str:
        return format_abn(self.abn)


class Clinic(models.Model):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(
        max_length=40, help_text="Shown in the clinic switcher and in SMS, e.g. 'Sydney CBD'."
    )
    address_line = models.CharField("street address", max_length=200)
    suburb = models.CharField(max_length=80)
    state = models.CharField(max_length=3, choices=STATE_CHOICES)
    postcode = models.CharField(max_length=4, validators=[postcode_validator])
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
        max_length=8, blank=True, validators=[provider_number_validator],
        help_text="Used where no number is set for a clinic (provider numbers are per location).",
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

    def provider_number_at(self, clinic) -> str:
        """The provider number for this location, else the clinician's general one."""
        for row in self.provider_numbers.all():
            if row.clinic_id == getattr(clinic, "pk", clinic):
                return row.number
        return self.provider_number


class ProviderNumber(models.Model):
    """A clinician's Medicare provider number at one clinic: the number is issued per location,
    and the invoice of a visit shows the one for the clinic where it took place."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE,
                                  related_name="provider_numbers")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="provider_numbers")
    number = models.CharField(max_length=8, validators=[provider_number_validator])

    class Meta:
        ordering = ["clinician", "clinic"]
        constraints = [
            models.UniqueConstraint(fields=["clinician", "clinic"],
                                    name="provider_number_one_per_clinic"),
            models.UniqueConstraint(fields=["number"], name="provider_number_unique"),
        ]

    def __str__(self):
        return f"{self.clinician} at {self.clinic.short_name}: {self.number}"
