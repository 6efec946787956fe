"""Clinical records: note templates, treatment notes (signed, with addenda), attachments,
referrers and referrals, letters.

A note holds a copy of its template's questions (`schema`) next to its answers, so editing or
retiring a template never changes a note already written. A signed note is never changed again:
the service layer refuses, and on PostgreSQL a trigger refuses an UPDATE of its content
(migration 0002). Later facts are addenda, each with its author and time.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from ncc.phones import display as display_phone
from ncc.phones import validate_e164

QUESTION_KINDS = [
    ("text", "Text"),
    ("choice", "Choice (one)"),
    ("checkboxes", "Checkboxes (several)"),
    ("number", "Number with unit"),
    ("date", "Date"),
]
# A "left/right foot pair" is any of the kinds above asked once per foot (`per_foot`).
FEET = (("left", "Left"), ("right", "Right"))


class NoteTemplate(models.Model):
    """Sections of questions an admin edits in the app. `schema` is
    [{"title": str, "questions": [{"key", "label", "kind", "options": [str], "unit": str,
    "per_foot": bool, "help": str}]}]."""

    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    schema = models.JSONField(default=list)
    # Shipped templates have a slug so code (the diabetic risk calculator, letters) finds them.
    slug = models.SlugField(max_length=60, blank=True, default="")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def question_count(self) -> int:
        return sum(len(s.get("questions", [])) for s in self.schema)


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class Note(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="clinical_notes")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="clinical_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="clinical_notes")
    template = models.ForeignKey(NoteTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="notes")
    title = models.CharField(max_length=120)
    schema = models.JSONField(default=list)  # the template's questions as they were
    answers = models.JSONField(default=dict, blank=True)
    # The answers as plain text, for search within the patient and the timeline's excerpt.
    body_text = models.TextField(blank=True, default="")
    status = models.CharField(max_length=6, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # The clinical date: the visit's start, or when a note without a visit was begun.
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["patient", "-occurred_at"], name="note_patient_when_idx"),
            models.Index(fields=["author", "status"], name="note_author_status_idx"),
        ]
        constraints = [
            # One note per visit.
            models.UniqueConstraint(fields=["appointment"], condition=Q(appointment__isnull=False),
                                    name="note_one_per_appointment"),
            models.CheckConstraint(
                condition=Q(status=NoteStatus.DRAFT, signed_at__isnull=True)
                | Q(status=NoteStatus.SIGNED, signed_at__isnull=False),
                name="note_signed_has_time",
            ),
        ]
        permissions = [
            ("view_note_content", "Can read the content of clinical notes"),
        ]

    def __str__(self):
        return f"{self.title} for {self.patient.full_name} {self.occurred_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("clinical:note", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.status == NoteStatus.SIGNED


class Addendum(models.Model):
    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="addendum_has_text")]

    def __str__(self):
        return f"Addendum to {self.note_id} by {self.author} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    # Never the uploaded name (it may hold a patient's name or path tricks): a random key.
    return f"clinical/{instance.patient_id}/{uuid.uuid4().hex}{instance.extension}"


def thumbnail_path(instance, filename):
    return f"clinical/{instance.patient_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo"
        DOCUMENT = "document", "Document"
        LETTER = "letter", "Letter"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="clinical_attachments")
    note = models.ForeignKey(Note, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="attachments")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=200, blank=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=80)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="attachment_patient_idx")]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("clinical:attachment", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Referrer(models.Model):
    class Kind(models.TextChoices):
        GP = "gp", "General practitioner"
        SPECIALIST = "specialist", "Specialist"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, help_text="e.g. Dr Jane Lee")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GP)
    specialty = models.CharField(max_length=80, blank=True)
    provider_number = models.CharField(
        max_length=8, blank=True, help_text="Medicare provider number, e.g. 2123456A.")
    practice = models.CharField(max_length=120, blank=True)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    fax = models.CharField(max_length=16, blank=True, validators=[validate_e164])
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="referrer_name_idx")]

    def __str__(self):
        return f"{self.name}, {self.practice}" if self.practice else self.name

    @property
    def phone_display(self):
        return display_phone(self.phone)

    @property
    def fax_display(self):
        return display_phone(self.fax)


class Referral(models.Model):
    class Kind(models.TextChoices):
        PRIVATE = "private", "Private"
        MEDICARE_CDM = "cdm", "Medicare chronic disease management"
        DVA = "dva", "DVA"
        NDIS = "ndis", "NDIS"
        WORKCOVER = "workcover", "WorkCover"

    # Medicare allows five allied-health visits a calendar year under a CDM plan.
    CDM_VISITS_PER_YEAR = 5

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="referrals")
    referrer = models.ForeignKey(Referrer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="referrals")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    issued_on = models.DateField("date of referral")
    expires_on = models.DateField(null=True, blank=True)
    visits_allowed = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank: no limit. Medicare CDM: 5 a calendar year.")
    reference = models.CharField(max_length=60, blank=True,
                                 help_text="Claim, plan or approval number.")
    notes = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_on__isnull=True)
                                   | Q(expires_on__gte=models.F("issued_on")),
                                   name="referral_expires_after_issue"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} referral for {self.patient.full_name}"


class Letter(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        QUEUED = "queued", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="letters")
    note = models.ForeignKey(Note, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="letters")
    referrer = models.ForeignKey(Referrer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="letters")
    recipient_name = models.CharField(max_length=120)
    recipient_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.DRAFT)
    status_detail = models.CharField(max_length=300, blank=True)
    pdf = models.OneToOneField(Attachment, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="letter")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="letter_patient_idx")]

    def __str__(self):
        return f"{self.subject} to {self.recipient_name}"

    def get_absolute_url(self):
        return reverse("clinical:letter", args=[self.pk])
