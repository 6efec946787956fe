"""The Xero connection (tokens encrypted at rest), mappings, contact links, the call log and bulk
sync jobs. HTTP lives in client.py; rules that span rows live in services.py."""

import base64
import hashlib
import uuid

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _fernet() -> Fernet:
    """FIELD_ENCRYPTION_KEY if it is a Fernet key; else a key derived from it (or from
    SECRET_KEY when unset), so any long random string works."""
    key = settings.FIELD_ENCRYPTION_KEY
    if key:
        try:
            return Fernet(key)
        except ValueError:
            pass
    secret = key or settings.SECRET_KEY
    digest = hashlib.sha256(("xero-tokens:" + secret).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        # The key changed: the token is unreadable, so the practice must connect again.
        return ""


class XeroConnection(models.Model):
    class Status(models.TextChoices):
        CHOOSING = "choosing", "Choose an organisation"
        ACTIVE = "active", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs reconnecting"
        DISCONNECTED = "disconnected", "Disconnected"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHOOSING)
    tenant_id = models.CharField(max_length=64, blank=True)
    tenant_name = models.CharField(max_length=255, blank=True)
    xero_connection_id = models.CharField(max_length=64, blank=True)
    auth_event_id = models.CharField(max_length=64, blank=True)
    # Organisations the consent reached, for the choice when there are several.
    available_tenants = models.JSONField(default=list, blank=True)
    scopes = models.TextField(blank=True)
    xero_user_email = models.CharField(max_length=255, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_issued_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    connected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-connected_at"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="active"),
                                    name="xero_one_active_connection"),
        ]

    def __str__(self):
        return self.tenant_name or "Xero connection"

    @classmethod
    def current(cls) -> "XeroConnection | None":
        """The practice's connection that is in use or needs attention, newest first."""
        return cls.objects.exclude(status=cls.Status.DISCONNECTED).first()

    @property
    def access_token(self) -> str:
        return decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = encrypt(value)

    @property
    def refresh_token(self) -> str:
        return decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = encrypt(value)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def token_health(self) -> tuple[str, str]:
        """(css class, words) for the settings page."""
        now = timezone.now()
        if self.status == self.Status.NEEDS_REAUTH:
            return "tag-alert", "Xero no longer accepts our sign-in: reconnect Xero."
        if self.status != self.Status.ACTIVE:
            return "tag-warn", self.get_status_display()
        if not self.refresh_token_encrypted:
            return "tag-warn", "No refresh token: background sync cannot run (ask for offline_access)."
        issued = self.refresh_token_issued_at or self.connected_at
        days_left = 60 - (now - issued).days
        if self.access_expires_at and self.access_expires_at > now:
            mins = int((self.access_expires_at - now).total_seconds() // 60)
            left = f"{mins} more minutes" if mins > 1 else "about a minute more"
            return "tag-ok", (f"Healthy: access token valid for {left}; renewed "
                              f"automatically. The refresh token stays valid while used at least "
                              f"every 60 days ({days_left} days left).")
        return "tag-ok", ("Healthy: the access token is renewed on the next call. The refresh "
                          f"token stays valid while used at least every 60 days ({days_left} "
                          "days left).")


class XeroAccountMapping(models.Model):
    """Practice-wide accounts: where sales go by default and which bank account takes payments."""

    class Purpose(models.TextChoices):
        SALES = "sales", "Default sales account"
        PAYMENTS = "payments", "Bank account for payments"

    purpose = models.CharField(max_length=16, choices=Purpose.choices, unique=True)
    account_code = models.CharField(max_length=10)
    account_name = models.CharField(max_length=150, blank=True)

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.account_code}"


class XeroItemMapping(models.Model):
    """Appointment type -> Xero item code or account code, with the tax type for its lines."""

    appointment_type = models.OneToOneField("scheduling.AppointmentType", on_delete=models.CASCADE,
                                            related_name="xero_mapping")
    item_code = models.CharField(max_length=30, blank=True)
    account_code = models.CharField(max_length=10, blank=True)
    tax_type = models.CharField(max_length=30, default="OUTPUT",
                                help_text="Xero TaxType, e.g. OUTPUT (GST on Income).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(item_code="") | ~Q(account_code=""),
                                   name="xero_item_mapping_item_or_account"),
        ]

    def __str__(self):
        return f"{self.appointment_type}: {self.item_code or self.account_code} ({self.tax_type})"


class XeroTrackingMapping(models.Model):
    """Clinic -> a Xero tracking category option (e.g. Location: Sydney CBD)."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.CASCADE,
                                  related_name="xero_tracking")
    category_id = models.CharField(max_length=64)
    category_name = models.CharField(max_length=100)
    option_id = models.CharField(max_length=64)
    option_name = models.CharField(max_length=100)

    def __str__(self):
        return f"{self.clinic}: {self.category_name} / {self.option_name}"


class XeroContactLink(models.Model):
    """A patient's Xero contact. `contact_id` is blank until Xero has confirmed it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Sending"
        SYNCED = "synced", "Synced"
        FAILED = "failed", "Failed"

    patient = models.OneToOneField("patients.Patient", on_delete=models.CASCADE,
                                   related_name="xero_link")
    contact_id = models.CharField(max_length=64, blank=True, db_index=True)
    contact_number = models.CharField(max_length=50, db_index=True)
    contact_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # A write went out and no reply came back: settle by lookup before sending again.
    outcome_unknown = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact_id"], condition=~Q(contact_id=""),
                                    name="xero_contact_linked_once"),
        ]

    def __str__(self):
        return f"{self.patient_id} -> {self.contact_id or '(not yet)'}"

    @property
    def xero_url(self) -> str:
        if not self.contact_id:
            return ""
        return f"https://go.xero.com/Contacts/View/{self.contact_id}"


class XeroApiCall(models.Model):
    """One HTTP call to Xero and its outcome; the settings page shows the recent failures."""

    connection = models.ForeignKey(XeroConnection, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="calls")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=8)
    endpoint = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    min_remaining = models.IntegerField(null=True, blank=True)
    day_remaining = models.IntegerField(null=True, blank=True)
    app_min_remaining = models.IntegerField(null=True, blank=True)
    rate_problem = models.CharField(max_length=20, blank=True)
    retry_after = models.PositiveIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=128, blank=True)
    error = models.TextField(blank=True, help_text="In words, for staff.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.method} {self.endpoint} -> {self.status}"

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400 and not self.error


class XeroSyncJob(models.Model):
    """A bulk contact sync and its progress, shown in the interface and the command line."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused (Xero's daily limit)"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    total = models.PositiveIntegerField(default=0)
    synced = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    resume_at = models.DateTimeField(null=True, blank=True)
    # Moved on every batch: a running job whose heartbeat stops has lost its worker.
    heartbeat_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Contact sync {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    @property
    def done(self) -> int:
        return self.synced + self.failed

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


# -- billing's records in Xero -------------------------------------------------------------------
# These began in billing and keep their billing_* tables (moved by state-only migrations, no copy):
# billing is NCC's own record and never imports xero; the xero app keeps what Xero holds of it.

class XeroWriteLink(models.Model):
    """What every record of a write to Xero keeps (invoice, payment, credit note): its status,
    whether a write went out without a usable reply (`outcome_unknown`: look it up by our own
    number before anything is sent again, as Xero forgets an Idempotency-Key after minutes),
    Xero's error in words, and the number of attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Sending to Xero"
        SYNCED = "synced", "In Xero"
        FAILED = "failed", "Failed to sync"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    outcome_unknown = models.BooleanField(default=False)
    # When the write whose outcome is unknown went out: a lookup that finds nothing settles it
    # only once Xero's visibility delay (XERO_SETTLE_SECONDS) has passed since.
    sent_at = models.DateTimeField(null=True, blank=True)
    # The claim of the worker that is pushing this row: nobody else (task, sweep, button) sends
    # it until the lease runs out (XERO_CLAIM_SECONDS, renewed before every write).
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class XeroInvoiceLink(XeroWriteLink):
    """An invoice's copy in Xero. `xero_invoice_id` is blank until Xero has confirmed it.

    `outcome_unknown` is set before a write goes out and cleared by the reply: while it is set,
    the invoice is looked up in Xero by our number before anything is sent again, because Xero
    forgets an Idempotency-Key after minutes.
    """

    invoice = models.OneToOneField("billing.Invoice", on_delete=models.CASCADE, related_name="xero_link")
    xero_invoice_id = models.CharField(max_length=64, blank=True, db_index=True)
    xero_status = models.CharField(max_length=20, blank=True)
    # What Xero last told us (push reply, sweep, webhook): the reconciliation compares these.
    xero_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    xero_amount_paid = models.DecimalField(max_digits=12, decimal_places=2, null=True,
                                           blank=True)

    class Meta:
        db_table = "billing_xeroinvoicelink"
        constraints = [
            models.UniqueConstraint(fields=["xero_invoice_id"], condition=~Q(xero_invoice_id=""),
                                    name="xero_invoice_linked_once"),
        ]

    def __str__(self):
        return f"{self.invoice_id} -> {self.xero_invoice_id or '(not yet)'}"

    @property
    def xero_url(self) -> str:
        if not self.xero_invoice_id:
            return ""
        return f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={self.xero_invoice_id}"


class XeroInvoiceSweep(models.Model):
    """One row: where the periodic check for invoices changed in Xero (payments made there)
    got to, so that the next sweep asks only for what changed since (If-Modified-Since)."""

    name = models.CharField(max_length=30, primary_key=True, default="payments")
    changed_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_calls = models.PositiveIntegerField(default=0)
    last_updated = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "billing_xeroinvoicesweep"

    def __str__(self):
        return f"{self.name} since {self.changed_since}"


class XeroPaymentLink(XeroWriteLink):
    """A payment taken in NCC (desk cash, card, transfer) and its copy in Xero. Payments that
    came from Xero have no link: they are never sent back. The reference we send
    ("NCC <payment id>") is how a write with an unknown outcome is found again."""

    payment = models.OneToOneField("billing.Payment", on_delete=models.CASCADE, related_name="xero_link")
    xero_payment_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        db_table = "billing_xeropaymentlink"
        constraints = [
            models.UniqueConstraint(fields=["xero_payment_id"], condition=~Q(xero_payment_id=""),
                                    name="xero_payment_linked_once"),
        ]

    def __str__(self):
        return f"{self.payment_id} -> {self.xero_payment_id or '(not yet)'}"

    @property
    def reference(self) -> str:
        return f"NCC {self.payment_id}"


class XeroCreditNoteLink(XeroWriteLink):
    """A credit note's copy in Xero and its allocation against the invoice; the same pattern as
    XeroInvoiceLink: `outcome_unknown` is set before a write and settled by looking the credit
    note up by CreditNoteNumber (or its allocations) before anything is sent again."""

    credit_note = models.OneToOneField("billing.CreditNote", on_delete=models.CASCADE,
                                       related_name="xero_link")
    xero_credit_note_id = models.CharField(max_length=64, blank=True)
    # Planned once, before the first write, from what the invoice still owed in Xero: at most
    # that is allocated to it (Xero refuses more); the rest goes back to the patient as a refund
    # payment on the credit note (ARCREDITPAYMENT) when the credit note has a refund method.
    allocation_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True,
                                            blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    allocated = models.BooleanField(default=False)
    xero_refund_payment_id = models.CharField(max_length=64, blank=True)
    refunded = models.BooleanField(default=False)

    class Meta:
        db_table = "billing_xerocreditnotelink"

    def __str__(self):
        return f"{self.credit_note_id} -> {self.xero_credit_note_id or '(not yet)'}"


class XeroOrphanInvoice(models.Model):
    """An ACCREC invoice in Xero numbered like ours (BILLING_INVOICE_PREFIX) that NCC has no
    invoice or link for, seen by the payment sweep; shown on the reconciliation page."""

    xero_invoice_id = models.CharField(max_length=64, unique=True)
    number = models.CharField(max_length=30)
    total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=20, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "billing_xeroorphaninvoice"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} (Xero only)"

    @property
    def xero_url(self) -> str:
        return f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={self.xero_invoice_id}"


class XeroPayerLink(models.Model):
    """A third-party payer's own Xero contact (DVA, an NDIS plan manager, an insurer): invoices
    billed to the payer go to this contact, not the patient's. Found again by its
    ContactNumber (NCC-PAYER-<id>) when a create's reply was lost."""

    payer = models.OneToOneField("billing.Payer", on_delete=models.CASCADE,
                                 related_name="xero_link")
    contact_id = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    def __str__(self):
        return f"{self.payer_id} -> {self.contact_id or '(not yet)'}"

    @property
    def contact_number(self) -> str:
        return f"NCC-PAYER-{self.payer_id}"
