import secrets
import uuid
from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from ncc.phones import display as display_phone
from ncc.phones import validate_e164

sender_validator = RegexValidator(
    r"^[A-Za-z0-9 ]{1,11}$",
    "A sender name is at most 11 letters, digits or spaces (spaces are left out when sending).",
)


def new_ref() -> str:
    """Our reference sent with each message (SMS Broadcast allows up to 20 characters)."""
    return secrets.token_hex(8)  # 16 hex characters: unique enough, safe in any URL


class ClinicSMSSettings(models.Model):
    """How one clinic texts its patients. A missing row means the defaults below."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE,
                                  related_name="sms_settings")
    enabled = models.BooleanField("send SMS for this clinic", default=True)
    sender = models.CharField(
        "sender name", max_length=11, default="Walk Easy", validators=[sender_validator],
        help_text="Up to 11 letters or digits. Patients cannot reply to a name.",
    )
    reply_number = models.CharField(
        "dedicated reply number", max_length=16, blank=True, validators=[validate_e164],
        help_text="A mobile number rented from SMS Broadcast. When set, messages are sent from it "
                  "so that patients can reply Y, N or STOP.",
    )
    segment_limit = models.PositiveSmallIntegerField(
        "longest message (SMS parts)", default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Each part of 153 characters (67 with emoji or accents) costs one credit.",
    )
    quiet_from = models.TimeField("no reminders after", default=time(20, 0))
    quiet_until = models.TimeField("no reminders before", default=time(8, 0))
    no_reply_cancels = models.BooleanField(
        "a reply N cancels the appointment", default=False,
        help_text="Otherwise the appointment is flagged for reception to call the patient.",
    )
    low_balance_warning = models.PositiveIntegerField("warn below (credits)", default=200)

    class Meta:
        verbose_name = "clinic SMS settings"
        verbose_name_plural = "clinic SMS settings"
        constraints = [
            models.CheckConstraint(condition=Q(segment_limit__gte=1, segment_limit__lte=5),
                                   name="sms_settings_segment_limit_1_5"),
        ]

    def __str__(self):
        return f"SMS settings for {self.clinic}"

    @property
    def from_value(self) -> str:
        """What goes in SMS Broadcast's `from`: the reply number (digits) or the sender name."""
        if self.reply_number:
            return self.reply_number.lstrip("+")
        return self.sender.replace(" ", "")

    @property
    def can_receive_replies(self) -> bool:
        return bool(self.reply_number)


class SMSTemplate(models.Model):
    """A message with placeholders: {first_name} {clinic} {clinician} {date} {time} {address}
    {clinic_phone}."""

    name = models.CharField(max_length=80, unique=True)
    body = models.TextField()
    is_reminder = models.BooleanField("used for reminders", default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SMS template"

    def __str__(self):
        return self.name


class ReminderRule(models.Model):
    class Kind(models.TextChoices):
        DAY_BEFORE = "day_before", "The day before, at a set time"
        HOURS_BEFORE = "hours_before", "A number of hours before"

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE,
                               related_name="reminder_rules")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DAY_BEFORE)
    send_at = models.TimeField("send at (clinic time)", default=time(9, 0))
    hours_before = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1), MaxValueValidator(168)])
    template = models.ForeignKey(SMSTemplate, on_delete=models.PROTECT, related_name="+")
    excluded_types = models.ManyToManyField(
        "scheduling.AppointmentType", blank=True, related_name="+",
        verbose_name="no reminder for these appointment types",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["clinic", "kind", "send_at"]
        constraints = [
            models.CheckConstraint(condition=Q(hours_before__gte=1, hours_before__lte=168),
                                   name="reminder_rule_hours_1_168"),
        ]

    def __str__(self):
        return f"{self.clinic.short_name}: {self.describe()}"

    def describe(self) -> str:
        if self.kind == self.Kind.DAY_BEFORE:
            return f"the day before at {self.send_at:%H:%M}"
        return f"{self.hours_before} hour{'s' if self.hours_before != 1 else ''} before"


class SMSStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"
    UNKNOWN = "unknown", "Unknown: check before resending"
    RECEIVED = "received", "Received"


class SMSMessage(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "out", "Sent to patient"
        INBOUND = "in", "Reply from patient"

    class Kind(models.TextChoices):
        MANUAL = "manual", "Written by staff"
        REMINDER = "reminder", "Reminder"
        REPLY = "reply", "Reply"

    class Action(models.TextChoices):
        NONE = "", "Needs reading"
        CONFIRMED = "confirmed", "Confirmed the appointment"
        CALL_BACK = "call_back", "Asked to cancel: call the patient"
        CANCELLED = "cancelled", "Cancelled the appointment"
        OPTED_OUT = "opted_out", "Opted out of SMS"
        NO_APPOINTMENT = "no_appointment", "Replied, but no appointment to act on"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ref = models.CharField("our reference", max_length=20, unique=True, default=new_ref,
                           editable=False)
    direction = models.CharField(max_length=3, choices=Direction.choices,
                                 default=Direction.OUTBOUND)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    patient = models.ForeignKey("patients.Patient", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="sms_messages")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="sms_messages")
    clinic = models.ForeignKey("clinics.Clinic", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sms_messages")
    number = models.CharField("mobile", max_length=16)
    sender = models.CharField(max_length=16, blank=True)
    body = models.TextField()
    segments = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=SMSStatus.choices, default=SMSStatus.QUEUED)
    gateway_ref = models.CharField("SMS Broadcast reference", max_length=40, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True,
                                      help_text="When a worker took it to send.")
    # The worker's claim: only the holder of this token may move the row on from `sending`.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    in_reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="replies")
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="resends")
    action = models.CharField("what the reply did", max_length=16, choices=Action.choices,
                              blank=True, default="")
    read = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SMS message"
        indexes = [
            models.Index(fields=["patient", "created_at"], name="sms_patient_created_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="sms_status_next_idx"),
            models.Index(fields=["gateway_ref"], name="sms_gateway_ref_idx"),
            models.Index(fields=["number", "created_at"], name="sms_number_created_idx"),
            models.Index(fields=["direction", "read"], name="sms_direction_read_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(segments__gte=0, segments__lte=10),
                                   name="sms_segments_range"),
        ]

    def __str__(self):
        return f"SMS {self.get_direction_display().lower()} {self.number} ({self.status})"

    @property
    def number_display(self) -> str:
        return display_phone(self.number)

    @property
    def is_inbound(self) -> bool:
        return self.direction == self.Direction.INBOUND

    @property
    def can_mark_delivered(self) -> bool:
        return self.direction == self.Direction.OUTBOUND and self.status == SMSStatus.UNKNOWN

    @property
    def can_resend(self) -> bool:
        return (self.direction == self.Direction.OUTBOUND
                and self.status in (SMSStatus.UNKNOWN, SMSStatus.FAILED, SMSStatus.EXPIRED)
                and not self.resends.exists())


class Reminder(models.Model):
    """One reminder per appointment, rule and start time: the row that makes the sweep idempotent.

    A moved appointment has a new start time, so it gets a new reminder with the new time; the
    unique constraint makes a second reminder for the same time impossible even when two sweeps
    run at once."""

    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.CASCADE,
                                    related_name="sms_reminders")
    rule = models.ForeignKey(ReminderRule, on_delete=models.CASCADE, related_name="reminders")
    starts_at = models.DateTimeField()
    message = models.OneToOneField(SMSMessage, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="reminder")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "rule", "starts_at"],
                                    name="reminder_once_per_start"),
        ]

    def __str__(self):
        return f"Reminder for {self.appointment_id} at {self.starts_at:%Y-%m-%d %H:%M}"
