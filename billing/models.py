"""What was billed and paid: NCC's own record, complete without Xero."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from . import gst


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    PAID = "paid", "Paid"
    VOIDED = "voided", "Voided"


# The only status changes there are. Paid and voided are final: a paid invoice is corrected with a
# credit note, never reopened (Xero voids only AUTHORISED invoices without payments).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.AWAITING_PAYMENT, InvoiceStatus.VOIDED}),
    InvoiceStatus.AWAITING_PAYMENT: frozenset({InvoiceStatus.PAID, InvoiceStatus.VOIDED}),
    InvoiceStatus.PAID: frozenset(),
    InvoiceStatus.VOIDED: frozenset(),
}


def can_transition(old: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(old, frozenset())


MONEY = dict(max_digits=12, decimal_places=2, default=Decimal("0.00"))


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True,
                              help_text="Allocated before anything leaves NCC, e.g. INV-000123.")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="invoices")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="invoices")
    issue_date = models.DateField()
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.DRAFT)
    line_amount_type = models.CharField(max_length=10, choices=gst.LINE_AMOUNT_TYPES,
                                        default=gst.INCLUSIVE)
    subtotal = models.DecimalField("subtotal (before GST)", **MONEY)
    gst = models.DecimalField("GST", **MONEY)
    total = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY)
    amount_due = models.DecimalField(**MONEY)
    paid_on = models.DateField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    credited_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Set when credit notes cover everything paid: voided by credit.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issue_date", "-number"]
        indexes = [
            models.Index(fields=["clinic", "issue_date"], name="invoice_clinic_issue_idx"),
            models.Index(fields=["patient", "issue_date"], name="invoice_patient_issue_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total=F("subtotal") + F("gst")),
                                   name="invoice_total_is_subtotal_plus_gst"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0),
                                   name="invoice_amount_paid_nonneg"),
            models.CheckConstraint(condition=Q(amount_due=F("total") - F("amount_paid")),
                                   name="invoice_amount_due_is_total_less_paid"),
            models.CheckConstraint(condition=Q(amount_paid__lte=F("total")),
                                   name="invoice_not_overpaid"),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")),
                                   name="invoice_due_on_or_after_issue"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values),
                                   name="invoice_status_valid"),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:detail", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == InvoiceStatus.AWAITING_PAYMENT

    @property
    def is_voided(self) -> bool:
        return self.status == InvoiceStatus.VOIDED

    @property
    def prices_include_gst(self) -> bool:
        return self.line_amount_type == gst.INCLUSIVE

    def can_become(self, status: str) -> bool:
        return can_transition(self.status, status)

    def appointment_ids(self) -> list:
        return [pk for pk in self.lines.exclude(appointment=None)
                .values_list("appointment_id", flat=True)]


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="invoice_lines")
    description = models.CharField(max_length=400)
    quantity = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal("1"))
    unit_amount = models.DecimalField(max_digits=12, decimal_places=4,
                                      help_text="Includes GST when the invoice's prices do.")
    line_amount = models.DecimalField(**MONEY)
    gst = models.DecimalField("GST", **MONEY)
    account_code = models.CharField(max_length=10)
    item_code = models.CharField(max_length=30, blank=True)
    tax_type = models.CharField(max_length=20)
    tracking_category = models.CharField(max_length=100, blank=True)
    tracking_option = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity_pos"),
        ]

    def __str__(self):
        return f"{self.invoice.number}: {self.description}"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card (EFTPOS)"
    EFT = "eft", "Bank transfer"
    XERO = "xero", "Recorded in Xero"


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_pos"),
        ]

    def __str__(self):
        return f"{self.invoice.number} {self.amount} {self.get_method_display()}"


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

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="xero_link")
    xero_invoice_id = models.CharField(max_length=64, blank=True, db_index=True)
    xero_status = models.CharField(max_length=20, blank=True)
    # What Xero last told us (push reply, sweep, webhook): the reconciliation compares these.
    xero_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    xero_amount_paid = models.DecimalField(max_digits=12, decimal_places=2, null=True,
                                           blank=True)

    class Meta:
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

    def __str__(self):
        return f"{self.name} since {self.changed_since}"


class XeroPaymentLink(XeroWriteLink):
    """A payment taken in NCC (desk cash, card, transfer) and its copy in Xero. Payments that
    came from Xero have no link: they are never sent back. The reference we send
    ("NCC <payment id>") is how a write with an unknown outcome is found again."""

    payment = models.OneToOneField(Payment, on_delete=models.CASCADE, related_name="xero_link")
    xero_payment_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["xero_payment_id"], condition=~Q(xero_payment_id=""),
                                    name="xero_payment_linked_once"),
        ]

    def __str__(self):
        return f"{self.payment_id} -> {self.xero_payment_id or '(not yet)'}"

    @property
    def reference(self) -> str:
        return f"NCC {self.payment_id}"


class CreditNote(models.Model):
    """Money given back on an invoice that has payments, which Xero will not void.

    The amount is tax-inclusive (what the patient gets back); its GST is worked out with
    billing.gst from the tax type of the invoice's first line, as an inclusive line. The invoice
    keeps its status (paid and awaiting payment are final or move on by the allow-list); a credit
    that covers everything paid sets Invoice.credited_at, the "voided by credit" flag.
    """

    class RefundMethod(models.TextChoices):
        CASH = "cash", "Cash"
        CARD = "card", "Card (EFTPOS)"
        EFT = "eft", "Bank transfer"
        NONE = "none", "Kept as credit (no refund)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True,
                              help_text="Allocated before anything leaves NCC, e.g. CN-000001.")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2,
                                 help_text="Including GST.")
    gst = models.DecimalField("GST", **MONEY)
    reason = models.CharField(max_length=200)
    refund_method = models.CharField(max_length=10, choices=RefundMethod.choices,
                                     default=RefundMethod.CARD)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_note_amount_pos"),
        ]

    def __str__(self):
        return f"{self.number} on {self.invoice.number}"


class XeroCreditNoteLink(XeroWriteLink):
    """A credit note's copy in Xero and its allocation against the invoice; the same pattern as
    XeroInvoiceLink: `outcome_unknown` is set before a write and settled by looking the credit
    note up by CreditNoteNumber (or its allocations) before anything is sent again."""

    credit_note = models.OneToOneField(CreditNote, on_delete=models.CASCADE,
                                       related_name="xero_link")
    xero_credit_note_id = models.CharField(max_length=64, blank=True)
    allocated = models.BooleanField(default=False)

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
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} (Xero only)"

    @property
    def xero_url(self) -> str:
        return f"https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={self.xero_invoice_id}"
