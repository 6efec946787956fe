import uuid
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from clinics.models import STATE_CHOICES
from ncc.phones import display as display_phone
from ncc.phones import validate_e164
from ncc.validators import postcode_validator

from .identifiers import (
    validate_dva_file_number,
    validate_medicare_irn,
    validate_medicare_number,
)

EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def validate_birth_date(value: date) -> None:
    from django.utils import timezone

    if value > timezone.localdate():
        raise ValidationError("Date of birth cannot be in the future.", code="dob_future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError("Date of birth must be in 1900 or later.", code="dob_too_early")


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNSPECIFIED = "unspecified", "Not stated"


class Gender(models.TextChoices):
    # The ABS Standard for Sex, Gender, Variations of Sex Characteristics and Sexual Orientation.
    WOMAN = "woman", "Woman or female"
    MAN = "man", "Man or male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Uses a different term"
    NOT_STATED = "not_stated", "Not stated"


class DVACardColour(models.TextChoices):
    GOLD = "gold", "Gold (all conditions)"
    WHITE = "white", "White (specific conditions)"
    ORANGE = "orange", "Orange (pharmaceuticals only)"


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveIntegerField(
        unique=True, editable=False, help_text="Short number staff can read out over the phone."
    )
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    # Required on the form; empty only for an imported patient whose file gave no usable date
    # (the original text is then in `to_check`).
    date_of_birth = models.DateField(null=True, validators=[validate_birth_date])
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.UNSPECIFIED)
    gender = models.CharField(max_length=12, choices=Gender.choices, default=Gender.NOT_STATED)
    email = models.EmailField(blank=True)
    mobile = models.CharField(
        max_length=16, blank=True, validators=[validate_e164], help_text="Stored in E.164."
    )
    address_line = models.CharField("street address", max_length=200, blank=True)
    suburb = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=3, choices=STATE_CHOICES, blank=True)
    postcode = models.CharField(
        max_length=4, blank=True, validators=[postcode_validator]
    )
    medicare_number = models.CharField(
        max_length=10, blank=True, validators=[validate_medicare_number],
        help_text="10 digits as on the card, e.g. 2123 45670 1.",
    )
    medicare_irn = models.PositiveSmallIntegerField(
        "Medicare IRN", null=True, blank=True, validators=[validate_medicare_irn],
        help_text="The number beside the patient's name on the card (1-9).",
    )
    dva_file_number = models.CharField("DVA file number", max_length=9, blank=True,
                                       validators=[validate_dva_file_number])
    dva_card_colour = models.CharField("DVA card colour", max_length=6, blank=True,
                                       choices=DVACardColour.choices)
    health_fund = models.CharField("private health fund", max_length=80, blank=True)
    health_fund_member_number = models.CharField("health fund member number", max_length=20,
                                                 blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField("relationship", max_length=60, blank=True)
    emergency_contact_phone = models.CharField(
        max_length=16, blank=True, validators=[validate_e164], help_text="Stored in E.164."
    )
    referring_gp = models.CharField(
        "referring GP", max_length=200, blank=True,
        help_text="Name and practice, e.g. Dr Jane Lee, Harbour Medical Centre.",
    )
    alerts = models.TextField(
        blank=True, help_text="Shown in red on the book and the patient page, e.g. 'Diabetic'."
    )
    notes = models.TextField(blank=True)
    home_clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, related_name="patients"
    )
    sms_consent = models.BooleanField("agrees to SMS", default=True)
    sms_opted_out_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the patient replied STOP; no SMS after this."
    )
    archived = models.BooleanField(default=False)
    # Brought by imports from other systems (patients/importer.py).
    title = models.CharField(max_length=20, blank=True)
    middle_name = models.CharField(max_length=80, blank=True)
    home_phone = models.CharField("home phone", max_length=16, blank=True,
                                  validators=[validate_e164])
    work_phone = models.CharField("work phone", max_length=16, blank=True,
                                  validators=[validate_e164])
    email_consent = models.BooleanField("agrees to email", default=True)
    consent_source = models.CharField(
        max_length=10, blank=True, default="",
        choices=[("", "Recorded here"), ("file", "From the imported file"),
                 ("unknown", "Not known: the imported file did not say")])
    deceased = models.BooleanField(default=False)
    registered_on = models.DateField("registered", null=True, blank=True)
    source_system = models.CharField(max_length=20, blank=True)
    source_id = models.CharField("ID in the source system", max_length=64, blank=True)
    # {field: {"value": the text in the file, "reason": why it was not used}}: kept aside by
    # an import for a person to check, listed on the "needs checking" page.
    to_check = models.JSONField(default=dict, blank=True)
    import_job = models.ForeignKey("PatientImport", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="patients")
    # Lower-cased names, email and phone digits in one column, so one trigram index serves the
    # search box (PostgreSQL: GIN gin_trgm_ops, see migration 0002).
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="patient_name_idx"),
            models.Index(fields=["date_of_birth"], name="patient_dob_idx"),
            models.Index(fields=["mobile"], name="patient_mobile_idx"),
            models.Index(fields=["home_clinic", "archived"], name="patient_clinic_idx"),
        ]
        permissions = [
            ("import_patients", "Can import patients from CSV"),
            ("export_patients", "Can export patients to CSV"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="patient_dob_after_1900"
            ),
            models.UniqueConstraint(fields=["source_system", "source_id"],
                                    condition=~Q(source_id=""), name="patient_source_id_unique"),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^\+[1-9][0-9]{6,14}$"),
                name="patient_mobile_e164",
            ),
            models.CheckConstraint(condition=~Q(first_name=""), name="patient_first_name_set"),
            models.CheckConstraint(condition=~Q(last_name=""), name="patient_last_name_set"),
            models.CheckConstraint(
                condition=Q(medicare_number="") | Q(medicare_number__regex=r"^[2-6][0-9]{9}$"),
                name="patient_medicare_digits",
            ),
            models.CheckConstraint(
                condition=Q(medicare_irn__isnull=True)
                | Q(medicare_irn__gte=1, medicare_irn__lte=9),
                name="patient_medicare_irn_1_9",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} (#{self.number})"

    def get_absolute_url(self):
        return reverse("patients:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.medicare_number and self.medicare_irn is None:
            errors["medicare_irn"] = "Enter the IRN too: the number beside the patient's name."
        if self.medicare_irn is not None and not self.medicare_number:
            errors["medicare_number"] = "Enter the Medicare card number the IRN belongs to."
        if self.dva_file_number and not self.dva_card_colour:
            errors["dva_card_colour"] = "Choose the colour of the DVA card."
        if self.dva_card_colour and not self.dva_file_number:
            errors["dva_file_number"] = "Enter the DVA file number of this card."
        if self.health_fund_member_number and not self.health_fund:
            errors["health_fund"] = "Enter the health fund this member number belongs to."
        if errors:
            raise ValidationError(errors)

    @property
    def medicare_display(self) -> str:
        """'2123 45670 1 / 1' as printed on the card, with the IRN."""
        n = self.medicare_number
        if not n:
            return ""
        shown = f"{n[:4]} {n[4:9]} {n[9:]}"
        return f"{shown} / {self.medicare_irn}" if self.medicare_irn else shown

    @property
    def emergency_contact_phone_display(self) -> str:
        return display_phone(self.emergency_contact_phone)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        """'John (Jack) Smith' when a preferred name is set."""
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} ({self.preferred_name}) {self.last_name}"
        return self.full_name

    @property
    def called(self) -> str:
        return self.preferred_name or self.first_name

    @property
    def mobile_display(self) -> str:
        return display_phone(self.mobile)

    @property
    def can_receive_sms(self) -> bool:
        return bool(self.mobile) and self.sms_consent and self.sms_opted_out_at is None

    def age_on(self, day: date) -> int | None:
        dob = self.date_of_birth
        if dob is None:
            return None
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def build_search_text(self) -> str:
        parts = [self.first_name, self.last_name, self.preferred_name, self.email]
        if self.mobile:
            digits = self.mobile.lstrip("+")
            parts.append(digits)
            if self.mobile.startswith("+61"):
                parts.append("0" + self.mobile[3:])
        return " ".join(p.lower() for p in parts if p)

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"search_text", "updated_at"}
        super().save(*args, **kwargs)


class PatientImport(models.Model):
    """One import job: the uploaded file, what it was checked to do, and what it did.

    Kept from the check to the import so the person confirms what they saw; every row it
    creates points back at it (`import_job`), so undo removes exactly those rows."""

    class Kind(models.TextChoices):
        PATIENTS = "patients", "Patients"
        APPOINTMENTS = "appointments", "Appointments"
        INVOICES = "invoices", "Invoices and payments"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "Checked, not imported"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PATIENTS)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    preset = models.CharField("exported from", max_length=12, blank=True)
    # Their header -> our field ("" = not imported, "notes" = added to the notes).
    mapping = models.JSONField(default=dict, blank=True)
    # Appointments: their clinician/type/clinic names -> our ids.
    options = models.JSONField(default=dict, blank=True)
    home_clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    skip_duplicates = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    # Rows not imported as they were: [{"line", "outcome", "reason"}], the downloadable report.
    skipped = models.JSONField(default=list, blank=True)
    # Patients this job changed: {pk: {field: value before}}, so undo can put them back.
    before = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey("accounts.User", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
