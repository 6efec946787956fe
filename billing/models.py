"""What was billed and paid: NCC's own record, complete without Xero."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from ncc.tax import TaxTreatment

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


class Payer(models.Model):
    """Someone other than the patient who pays the invoice: DVA, an NDIS plan manager, a
    WorkCover insurer, a health fund, any organisation. Synced to Xero as its own contact."""

    class Kind(models.TextChoices):
        DVA = "dva", "DVA (Department of Veterans' Affairs)"
        NDIS = "ndis", "NDIS plan manager"
        WORKCOVER = "workcover", "WorkCover / workers' compensation insurer"
        HEALTH_FUND = "health_fund", "Health fund"
        OTHER = "other", "Other organisation"

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    abn = models.CharField("ABN", max_length=14, blank=True)
    email = models.EmailField(blank=True, help_text="Where invoices to this payer are emailed.")
    phone = models.CharField(max_length=20, blank=True)
    address = models.TextField(blank=True)
    contact_person = models.CharField(max_length=120, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="payer_name_set")]

    def __str__(self):
        return self.name


class Product(models.Model):
    """Something sold over the counter or fitted: orthoses, footwear, creams. Prices include GST
    where the product is taxable (the default)."""

    code = models.CharField(max_length=30, unique=True, help_text="Short code staff type, e.g. "
                                                                  "CREAM-UREA.")
    name = models.CharField(max_length=150)
    price = models.DecimalField(max_digits=10, decimal_places=2,
                                help_text="AUD, including GST where GST applies.")
    tax_treatment = models.CharField(max_length=12, choices=TaxTreatment.choices,
                                     default=TaxTreatment.TAXABLE)
    account_code = models.CharField("Xero sales account", max_length=10, blank=True,
                                    help_text="Blank: the practice's default sales account.")
    xero_item_code = models.CharField("Xero item code", max_length=30, blank=True)
    item_number = models.CharField(max_length=12, blank=True,
                                   help_text="Item number funds recognise (custom orthoses).")
    track_stock = models.BooleanField(default=False,
                                      help_text="Count stock per clinic; sales take it down.")
    low_stock_at = models.PositiveIntegerField(default=2,
                                               help_text="Shown as low at or below this count.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_nonneg"),
            models.CheckConstraint(condition=Q(tax_treatment__in=TaxTreatment.values),
                                   name="product_tax_treatment_valid"),
            models.CheckConstraint(condition=~Q(code=""), name="product_code_set"),
        ]

    def __str__(self):
        return f"{self.name} ({self.code})"


class ProductStock(models.Model):
    """How many of a product a clinic holds. It may go below zero: a sale with nothing on the
    shelf count is allowed (the count was wrong) and shows as a warning."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE,
                               related_name="product_stock")
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product", "clinic"]
        constraints = [models.UniqueConstraint(fields=["product", "clinic"],
                                               name="product_stock_one_per_clinic")]

    def __str__(self):
        return f"{self.product.code} at {self.clinic.short_name}: {self.quantity}"

    @property
    def is_low(self) -> bool:
        return self.quantity <= self.product.low_stock_at


class Invoice(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=30, unique=True,
                              help_text="Allocated before anything leaves NCC, e.g. INV-000123.")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="invoices")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="invoices")
    clinician = models.ForeignKey("clinics.Clinician", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="invoices",
                                  help_text="The provider named on the invoice.")
    payer = models.ForeignKey(Payer, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="invoices",
                              help_text="Blank: the patient pays. Otherwise billed to the payer.")
    claim_number = models.CharField(max_length=60, blank=True,
                                    help_text="The payer's claim number (WorkCover claim, DVA "
                                              "file number, NDIS participant number).")
    approval_number = models.CharField(max_length=60, blank=True,
                                       help_text="The payer's approval or authorisation number.")
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
        # Money going back out and every invoice's totals at once: admins by default, given to
        # another role from the Roles settings (accounts.roles.ASSIGNABLE_PERMISSIONS).
        permissions = [("void_invoice", "Can void invoices"),
                       ("credit_invoice", "Can issue credit notes (refunds)"),
                       ("export_invoices", "Can export invoices to CSV")]
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

    @property
    def is_editable(self) -> bool:
        """Lines may be added, changed and removed while draft or awaiting payment with nothing
        paid yet; after that a credit note corrects it."""
        return self.status == InvoiceStatus.DRAFT or (
            self.status == InvoiceStatus.AWAITING_PAYMENT and self.amount_paid == 0
            and self.credited_at is None)

    @property
    def bill_to_name(self) -> str:
        return self.payer.name if self.payer_id else self.patient.full_name

    def appointment_ids(self) -> list:
        return [pk for pk in self.lines.exclude(appointment=None)
                .values_list("appointment_id", flat=True)]


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="invoice_lines")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="invoice_lines")
    item_number = models.CharField(max_length=12, blank=True,
                                   help_text="The item number funds recognise, printed on the "
                                             "invoice.")
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
            models.CheckConstraint(condition=Q(unit_amount__gte=0),
                                   name="invoice_line_unit_amount_nonneg"),
        ]

    def __str__(self):
        return f"{self.invoice.number}: {self.description}"

    @property
    def tax_words(self) -> str:
        """'GST-free', 'GST 10%'... for people; the Xero code stays for Xero."""
        from ncc.tax import treatment_label

        return treatment_label(self.tax_type)


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "EFTPOS card"
    HEALTH_FUND = "health_fund", "Health fund benefit (HICAPS)"
    MEDICARE = "medicare", "Medicare rebate"
    DVA = "dva", "DVA"
    NDIS = "ndis", "NDIS"
    EFT = "eft", "Bank transfer"
    ACCOUNT_CREDIT = "credit", "Account credit"
    XERO = "xero", "Recorded in Xero"


# Methods the front desk takes (Xero's own payments arrive by the sweep).
DESK_METHODS = [m for m in PaymentMethod.values if m != PaymentMethod.XERO]
# What the till is counted against at day's end.
COUNTED_METHODS = {PaymentMethod.CASH: "counted_cash", PaymentMethod.CARD: "counted_eftpos"}


class Payment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    date = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(max_length=100, blank=True,
                                 help_text="Receipt, EFTPOS or claim reference.")
    fund_name = models.CharField(max_length=80, blank=True,
                                 help_text="The health fund that paid a HICAPS benefit.")
    credit_kept = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"),
        help_text="Money received above the amount due, kept as the patient's account credit.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_pos"),
            models.CheckConstraint(condition=Q(credit_kept__gte=0),
                                   name="payment_credit_kept_nonneg"),
        ]
        indexes = [models.Index(fields=["date", "method"], name="payment_date_method_idx")]

    def __str__(self):
        return f"{self.invoice.number} {self.amount} {self.get_method_display()}"

    @property
    def received(self) -> Decimal:
        """What came in at the desk: applied to the invoice plus kept as credit."""
        return self.amount + self.credit_kept


class AccountCreditEntry(models.Model):
    """The patient's account credit, as a ledger: money kept from an overpayment (+), spent on
    an invoice (-). The balance is the sum."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT,
                                related_name="account_credit")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="credit_entries")
    note = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "account credit entries"
        constraints = [models.CheckConstraint(condition=~Q(amount=0),
                                              name="account_credit_nonzero")]

    def __str__(self):
        return f"{self.patient_id} {self.amount}"


class PaymentMethodAccount(models.Model):
    """Where each payment method's money lands in the books: the Xero bank or clearing account
    (a HICAPS clearing account, an EFTPOS settlement account). Set in Settings."""

    method = models.CharField(max_length=20, choices=PaymentMethod.choices, unique=True)
    account_code = models.CharField(max_length=10)
    account_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["method"]

    def __str__(self):
        return f"{self.get_method_display()}: {self.account_code}"


class DayEnd(models.Model):
    """A clinic's day closed: what the system says was taken by each method, what the person
    counted, and who signed it off. After sign-off only an admin may change it, recorded."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT,
                               related_name="day_ends")
    day = models.DateField()
    takings = models.JSONField(default=dict, help_text="{method: amount} as recorded by NCC.")
    expected_cash = models.DecimalField(**MONEY)
    expected_eftpos = models.DecimalField(**MONEY)
    counted_cash = models.DecimalField(max_digits=12, decimal_places=2)
    counted_eftpos = models.DecimalField("EFTPOS settlement", max_digits=12, decimal_places=2)
    notes = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                      on_delete=models.SET_NULL, related_name="+")
    signed_off_at = models.DateTimeField()
    amended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    amended_at = models.DateTimeField(null=True, blank=True)
    amendments = models.JSONField(default=list, blank=True,
                                  help_text="Each change after sign-off: who, when, what.")

    class Meta:
        ordering = ["-day", "clinic"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "day"], name="day_end_one_per_clinic_day"),
            models.CheckConstraint(condition=Q(counted_cash__gte=0) & Q(counted_eftpos__gte=0),
                                   name="day_end_counts_nonneg"),
        ]

    def __str__(self):
        return f"{self.clinic.short_name} {self.day}"

    @property
    def cash_difference(self) -> Decimal:
        return self.counted_cash - self.expected_cash

    @property
    def eftpos_difference(self) -> Decimal:
        return self.counted_eftpos - self.expected_eftpos


class InvoiceEmail(models.Model):
    """An invoice or receipt emailed (PDF attached) by the worker, with its state for staff:
    queued, sent, or failed with the reason and when it is tried again."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Tax invoice"
        RECEIPT = "receipt", "Receipt"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to_address = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "retry_at"], name="invoice_email_retry_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.invoice_id} to {self.to_address}"


class CreditNote(models.Model):
    """Money given back on an invoice that has payments, which Xero will not void.

    The amount is tax-inclusive (what the patient gets back); its GST is worked out with
    billing.gst.credit_split, line by line from the invoice's own lines. The invoice
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
