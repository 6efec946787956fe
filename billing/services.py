"""Every write to invoices and payments. Views, the API, admin actions and (later) the xero app call
these; each takes ids, runs in one transaction, locks the rows it changes, and raises BillingError
with a sentence fit for staff when a rule says no."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import dateformat, timezone

from audit.models import AuditEvent
from audit.services import record
from ncc.models import NumberSequence
from ncc.tax import TaxTreatment, xero_tax_type
from scheduling.models import Appointment, AppointmentStatus

from . import gst
from .errors import BillingError, NeedsConfirmation
from .mappings import line_mapping_for, tracking_for
from .models import (
    DESK_METHODS,
    AccountCreditEntry,
    CreditNote,
    Invoice,
    InvoiceEmail,
    InvoiceLine,
    InvoiceStatus,
    Payer,
    Payment,
    PaymentMethod,
    Product,
    ProductStock,
)

INVOICE_SEQUENCE = "invoice"

# Integrations that want to hear about an invoice that is now owed (the xero app pushes it) add a
# callable(invoice_id) here from their AppConfig.ready(); billing never imports them.
INVOICE_READY_HOOKS: list = []
# ... and callable(payment_id) for a payment taken in NCC (the xero app sends it to Xero).
PAYMENT_RECORDED_HOOKS: list = []
# ... and callable(invoice_id) for an invoice just voided (the xero app voids its copy).
INVOICE_VOIDED_HOOKS: list = []
# ... and callable(invoice_id) for an owed invoice whose lines changed (the xero app updates it).
INVOICE_CHANGED_HOOKS: list = []
# ... and callable(credit_note_id) for a credit note just issued (the xero app sends it).
CREDIT_NOTE_HOOKS: list = []
CREDIT_NOTE_SEQUENCE = "credit_note"


def _invoice_ready(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        for hook in INVOICE_READY_HOOKS:
            hook(invoice.pk)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def allocate_invoice_number() -> str:
    """Our number, fixed before the invoice reaches anything outside NCC (Xero's InvoiceNumber)."""
    value = NumberSequence.next_value(INVOICE_SEQUENCE)
    return f"{settings.BILLING_INVOICE_PREFIX}{value:06d}"


def _clinic_today(clinic) -> date:
    return timezone.localdate(timezone=clinic.tz)


def _recalculate(invoice: Invoice) -> None:
    """Line amounts, GST and totals from the lines, rounded as Xero rounds them."""
    lines = list(invoice.lines.all())
    totals = gst.invoice_totals([(ln.quantity, ln.unit_amount, ln.tax_type) for ln in lines],
                                invoice.line_amount_type)
    for line, computed in zip(lines, totals.lines, strict=True):
        line.line_amount = computed.line_amount
        line.gst = computed.tax
    InvoiceLine.objects.bulk_update(lines, ["line_amount", "gst"])
    invoice.subtotal = totals.subtotal
    invoice.gst = totals.gst
    invoice.total = totals.total
    invoice.amount_due = totals.total - invoice.amount_paid


def _locked_invoice(invoice_id) -> Invoice:
    try:
        return Invoice.objects.select_for_update().get(pk=invoice_id)
    except (Invoice.DoesNotExist, ValueError):
        raise BillingError("That invoice does not exist.", code="not_found") from None


def _set_status(invoice: Invoice, status: str) -> None:
    if not invoice.can_become(status):
        raise BillingError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; it cannot "
            f"become {InvoiceStatus(status).label.lower()}.", code="bad_transition")
    invoice.status = status


def invoice_for_appointment(appointment) -> Invoice | None:
    """The live (not voided) invoice that bills this appointment, if any."""
    return (Invoice.objects.filter(lines__appointment=appointment)
            .exclude(status=InvoiceStatus.VOIDED).order_by("created_at").first())


@transaction.atomic
def create_invoice_for_appointment(appointment_id, *, actor=None, confirm: bool = False,
                                   status: str | None = None) -> Invoice:
    """Invoice one appointment with a line from its type's mapping.

    A cancelled or no-show appointment is invoiced only when `confirm` is true (a no-show or
    late-cancellation fee is real, but it should be a decision, not a slip).
    """
    try:
        # The lock makes a second receptionist clicking "Create invoice" wait, then see ours.
        appointment = Appointment.objects.select_for_update().get(pk=appointment_id)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise BillingError("That appointment does not exist.", code="not_found") from None
    existing = invoice_for_appointment(appointment)
    if existing is not None:
        raise BillingError(f"This appointment is already on invoice {existing.number}.",
                           code="already_invoiced", invoice=str(existing.pk),
                           number=existing.number)
    patient, clinic, kind = appointment.patient, appointment.clinic, appointment.appointment_type
    if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW) and not confirm:
        what = "was cancelled" if appointment.is_cancelled else "was a no-show"
        raise NeedsConfirmation(
            f"{patient.full_name}'s appointment {what}. Confirm to invoice it as a fee.")
    status = status or settings.BILLING_DEFAULT_STATUS
    if status not in (InvoiceStatus.DRAFT, InvoiceStatus.AWAITING_PAYMENT):
        raise BillingError("A new invoice is either a draft or awaiting payment.", field="status")

    mapping = line_mapping_for(kind)  # may raise MissingMapping: no invoice beats a wrong one
    tracking = tracking_for(clinic)
    unit_amount = (mapping.unit_amount if mapping.unit_amount is not None
                   else kind.price_at(clinic))
    if unit_amount <= 0:
        raise BillingError(f"The appointment type {kind.name} has no price; set its price before "
                           "invoicing it.", code="no_price")
    when = dateformat.format(appointment.local_starts_at, "D j M Y, g:i A")
    description = f"{mapping.description or kind.name}, {when} with {appointment.clinician}"
    if appointment.status == AppointmentStatus.NO_SHOW:
        description = f"Non-attendance fee: {description}"
    elif appointment.is_cancelled:
        description = f"Cancellation fee: {description}"

    issue_date = _clinic_today(clinic)
    invoice = Invoice.objects.create(
        number=allocate_invoice_number(), patient=patient, clinic=clinic, issue_date=issue_date,
        due_date=issue_date + timedelta(days=settings.BILLING_DUE_DAYS), status=status,
        line_amount_type=settings.BILLING_LINE_AMOUNTS, created_by=_user(actor),
        clinician=appointment.clinician,
    )
    # The tax type follows what is sold (the type's tax treatment), not the account mapping.
    InvoiceLine.objects.create(
        invoice=invoice, position=1, appointment=appointment, description=description[:400],
        quantity=Decimal("1"), unit_amount=unit_amount, account_code=mapping.account_code,
        item_code=mapping.item_code, tax_type=xero_tax_type(kind.tax_treatment),
        item_number=kind.item_number,
        tracking_category=tracking.category, tracking_option=tracking.option,
    )
    _recalculate(invoice)
    invoice.save()
    record(actor, AuditEvent.Action.CREATE, invoice,
           f"Created invoice {invoice.number} for {patient.full_name} ({_money(invoice.total)})",
           {"appointment": str(appointment.pk), "status": invoice.status})
    _invoice_ready(invoice)
    return invoice


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def approve_invoice(invoice_id, *, actor=None) -> Invoice:
    invoice = _locked_invoice(invoice_id)
    _set_status(invoice, InvoiceStatus.AWAITING_PAYMENT)
    if invoice.total <= 0:
        raise BillingError("An invoice needs a total above $0.00 before it can be approved.",
                           code="empty_invoice")
    invoice.save(update_fields=["status", "updated_at"])
    record(actor, AuditEvent.Action.UPDATE, invoice, f"Approved invoice {invoice.number}")
    _invoice_ready(invoice)
    return invoice


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise BillingError(f"{label} must be a number.", field=field) from None
    if not number.is_finite():
        raise BillingError(f"{label} must be a number.", field=field)
    return number


def _tax_type_of(data: dict) -> str:
    """A line's Xero tax type from its tax treatment in words (the pages) or the code (API)."""
    treatment = (data.get("tax_treatment") or "").strip()
    if treatment:
        if treatment not in TaxTreatment.values:
            raise BillingError("Choose GST-free, GST 10% or BAS excluded.", field="tax_treatment")
        return xero_tax_type(treatment)
    tax_type = (data.get("tax_type") or "").strip()
    if tax_type not in gst.TAX_RATES:
        raise BillingError(f"Tax type {tax_type or '(blank)'} is not one NCC knows: use "
                           f"{', '.join(gst.TAX_RATES)}.", field="tax_type")
    return tax_type


def _default_account_code(invoice: Invoice, product: Product | None) -> str:
    if product is not None and product.account_code:
        return product.account_code
    first = invoice.lines.exclude(account_code="").order_by("position").first()
    return first.account_code if first else settings.BILLING_DEFAULT_ACCOUNT_CODE


def _check_editable(invoice: Invoice) -> None:
    if not invoice.is_editable:
        if invoice.amount_paid > 0 or invoice.status == InvoiceStatus.PAID:
            why = ("it has payments; issue a credit note for what should come off, and a new "
                   "invoice for anything to add")
        else:
            why = f"it is {invoice.get_status_display().lower()}"
        raise BillingError(f"The lines of {invoice.number} cannot change: {why}.",
                           code="not_editable")


def _adjust_stock(clinic, product_deltas: dict) -> list[str]:
    """Take sold products off the clinic's stock (a negative delta puts them back). Selling
    what the count says is not there is allowed (the count was wrong) with a warning."""
    warnings = []
    for product_id, delta in product_deltas.items():
        if not delta:
            continue
        product = Product.objects.get(pk=product_id)
        if not product.track_stock:
            continue
        stock, _ = ProductStock.objects.select_for_update().get_or_create(product=product,
                                                                          clinic=clinic)
        stock.quantity -= delta
        stock.save(update_fields=["quantity", "updated_at"])
        if delta > 0 and stock.quantity < 0:
            warnings.append(f"{product.name}: the stock count at {clinic.short_name} was "
                            f"{stock.quantity + delta}; sold anyway, now {stock.quantity}. "
                            "Recount the shelf.")
        elif delta > 0 and stock.is_low:
            warnings.append(f"{product.name}: only {stock.quantity} left at "
                            f"{clinic.short_name}.")
    return warnings


def _product_quantities(lines) -> dict:
    counts: dict = {}
    for line in lines:
        if line.product_id:
            counts[line.product_id] = counts.get(line.product_id, 0) + int(line.quantity)
    return counts


@dataclass
class LinesSaved:
    invoice: Invoice
    warnings: list


@transaction.atomic
def update_invoice_lines(invoice_id, lines: list[dict], *, actor=None) -> LinesSaved:
    """Add, change and remove lines while the invoice is a draft or awaiting payment with
    nothing paid. Each dict: description, quantity, unit_amount, tax_treatment (gst_free,
    taxable, bas_excluded) or tax_type (Xero's code), optional item_number, product,
    account_code (kept, or the product's, or the invoice's), and `id` to keep an existing line
    (and its appointment); existing lines left out are removed. Products sold come off the
    clinic's stock."""
    invoice = _locked_invoice(invoice_id)
    _check_editable(invoice)
    if not lines:
        raise BillingError("An invoice needs at least one line.", code="no_lines")
    existing = {line.pk: line for line in invoice.lines.all()}
    before = _product_quantities(existing.values())
    tracking = next(iter(existing.values()), None)
    keep, new = [], []
    for position, data in enumerate(lines, start=1):
        description = (data.get("description") or "").strip()
        if not description:
            raise BillingError("Each line needs a description.", field="description")
        quantity = _decimal(data.get("quantity", 1), "quantity", "Quantity")
        unit_amount = _decimal(data.get("unit_amount"), "unit_amount", "Unit amount")
        if quantity < 0 or unit_amount < 0:
            field = "quantity" if quantity < 0 else "unit_amount"
            raise BillingError("A negative line is money given back: issue a credit note on a "
                               "paid invoice (or lower the price here) instead.", field=field,
                               code="use_credit")
        if quantity == 0:
            raise BillingError("Quantity must be more than zero.", field="quantity")
        if unit_amount.as_tuple().exponent < -4:
            raise BillingError("Unit amount has at most four decimal places.", field="unit_amount")
        product = None
        if data.get("product"):
            product = Product.objects.filter(pk=data["product"]).first()
            if product is None:
                raise BillingError("That product does not exist.", field="product")
            if product.track_stock and quantity != quantity.to_integral_value():
                raise BillingError("Stocked products sell in whole numbers.", field="quantity")
        line = existing.pop(int(data["id"]), None) if data.get("id") else None
        account_code = ((data.get("account_code") or "").strip()
                        or (line.account_code if line else "")
                        or _default_account_code(invoice, product))
        values = dict(position=position, description=description[:400], quantity=quantity,
                      unit_amount=unit_amount, tax_type=_tax_type_of(data),
                      account_code=account_code[:10],
                      item_number=(data.get("item_number") or "").strip()[:12],
                      tracking_category=data.get("tracking_category")
                      or (line.tracking_category if line else
                          tracking.tracking_category if tracking else ""),
                      tracking_option=data.get("tracking_option")
                      or (line.tracking_option if line else
                          tracking.tracking_option if tracking else ""))
        if line is None:
            new.append(InvoiceLine(invoice=invoice, product=product,
                                   item_code=product.xero_item_code if product else "", **values))
        else:
            for name, value in values.items():
                setattr(line, name, value)
            keep.append(line)
    if existing:
        if any(ln.appointment_id for ln in existing.values()) and not any(
                ln.appointment_id for ln in keep):
            raise BillingError("The appointment's line cannot be removed: void the invoice if "
                               "the visit should not be billed.", code="appointment_line")
        InvoiceLine.objects.filter(pk__in=existing).delete()
    InvoiceLine.objects.bulk_update(keep, ["position", "description", "quantity", "unit_amount",
                                           "tax_type", "account_code", "item_number",
                                           "tracking_category", "tracking_option"])
    InvoiceLine.objects.bulk_create(new)
    _recalculate(invoice)
    if invoice.status == InvoiceStatus.AWAITING_PAYMENT and invoice.total <= 0:
        raise BillingError("An approved invoice needs a total above $0.00.", code="empty_invoice")
    invoice.save()
    after = _product_quantities(invoice.lines.all())
    warnings = _adjust_stock(invoice.clinic, {pk: after.get(pk, 0) - before.get(pk, 0)
                                              for pk in set(before) | set(after)})
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"Edited the lines of {invoice.number} (now {_money(invoice.total)})")
    _lines_changed(invoice)
    return LinesSaved(invoice, warnings)


def update_draft_lines(invoice_id, lines: list[dict], *, actor=None) -> Invoice:
    return update_invoice_lines(invoice_id, lines, actor=actor).invoice


def _lines_changed(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        for hook in INVOICE_CHANGED_HOOKS:
            hook(invoice.pk)


def _line_dicts(invoice: Invoice) -> list[dict]:
    return [{"id": ln.pk, "description": ln.description, "quantity": ln.quantity,
             "unit_amount": ln.unit_amount, "tax_type": ln.tax_type,
             "item_number": ln.item_number, "account_code": ln.account_code,
             "tracking_category": ln.tracking_category, "tracking_option": ln.tracking_option}
            for ln in invoice.lines.all()]


def add_product_to_invoice(invoice_id, product_id, quantity=1, *, actor=None) -> LinesSaved:
    """One more line: the product at its price and tax treatment."""
    product = Product.objects.filter(pk=product_id, active=True).first()
    if product is None:
        raise BillingError("Choose a product.", field="product")
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        raise BillingError("That invoice does not exist.", code="not_found")
    lines = _line_dicts(invoice)
    lines.append({"description": product.name, "quantity": quantity,
                  "unit_amount": product.price, "tax_treatment": product.tax_treatment,
                  "item_number": product.item_number, "product": product.pk})
    return update_invoice_lines(invoice_id, lines, actor=actor)


def account_credit_balance(patient_id) -> Decimal:
    total = (AccountCreditEntry.objects.filter(patient_id=patient_id)
             .aggregate(total=Sum("amount"))["total"])
    return total or Decimal("0.00")


def _payment_amount(value, field: str = "amount") -> Decimal:
    amount = _decimal(value, field, "The amount")
    if amount <= 0:
        raise BillingError("The amount must be more than $0.00.", field=field)
    if amount.as_tuple().exponent < -2:
        raise BillingError("The amount is in dollars and cents (two decimal places).",
                           field=field)
    return amount


def _check_takes_payment(invoice: Invoice) -> None:
    if invoice.is_draft:
        raise BillingError(f"Invoice {invoice.number} is a draft; approve it before recording a "
                           "payment.", code="not_approved")
    if invoice.is_voided:
        raise BillingError(f"Invoice {invoice.number} is voided; it takes no payments.",
                           code="voided")
    if invoice.status == InvoiceStatus.PAID:
        raise BillingError(f"Invoice {invoice.number} is already paid in full.",
                           code="already_paid")


def _apply_payment(invoice: Invoice, *, amount: Decimal, method: str, paid_on: date,
                   reference: str, fund_name: str, credit_kept: Decimal, actor) -> Payment:
    """Write one payment on a locked invoice: the invoice's totals and status, the patient's
    account credit (kept or spent), the audit row and the hooks (after commit, in the hook)."""
    if method == PaymentMethod.ACCOUNT_CREDIT:
        balance = account_credit_balance(invoice.patient_id)
        if amount > balance:
            raise BillingError(f"{invoice.patient.full_name} has {_money(balance)} account "
                               f"credit, less than {_money(amount)}.", field="amount",
                               code="not_enough_credit")
    payment = Payment.objects.create(invoice=invoice, date=paid_on, amount=amount, method=method,
                                     reference=(reference or "").strip()[:100],
                                     fund_name=(fund_name or "").strip()[:80],
                                     credit_kept=credit_kept, recorded_by=_user(actor))
    if method == PaymentMethod.ACCOUNT_CREDIT:
        AccountCreditEntry.objects.create(patient_id=invoice.patient_id, amount=-amount,
                                          payment=payment, created_by=_user(actor),
                                          note=f"Spent on {invoice.number}")
    if credit_kept:
        AccountCreditEntry.objects.create(patient_id=invoice.patient_id, amount=credit_kept,
                                          payment=payment, created_by=_user(actor),
                                          note=f"Overpaid on {invoice.number}, kept as credit")
    invoice.amount_paid += amount
    invoice.amount_due = invoice.total - invoice.amount_paid
    if invoice.amount_due == 0:
        _set_status(invoice, InvoiceStatus.PAID)
        invoice.paid_on = paid_on
        # An update, not a save of the Appointment: scheduling owns that model's writes.
        Appointment.objects.filter(pk__in=invoice.appointment_ids()).update(is_paid=True)
    invoice.save(update_fields=["amount_paid", "amount_due", "status", "paid_on", "updated_at"])
    kept = f" ({_money(credit_kept)} kept as account credit)" if credit_kept else ""
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"Recorded {payment.get_method_display()} payment of {_money(amount)} on "
           f"{invoice.number}{kept}", {"payment": str(payment.pk),
                                        "amount_due": str(invoice.amount_due)})
    if method != PaymentMethod.XERO:
        for hook in PAYMENT_RECORDED_HOOKS:
            hook(payment.pk)
    return payment


def _payment_date(invoice: Invoice, paid_on) -> date:
    today = _clinic_today(invoice.clinic)
    paid_on = paid_on or today
    if paid_on > today:
        raise BillingError("A payment cannot be dated in the future.", field="date")
    return paid_on


@transaction.atomic
def record_payment(invoice_id, *, amount, method: str, paid_on: date | None = None,
                   reference: str = "", fund_name: str = "", keep_excess_as_credit: bool = False,
                   actor=None) -> Payment:
    """Record money received. Paying the amount due in full marks the invoice paid and its
    appointments paid. More than is due is refused, unless the rest is kept as the patient's
    account credit (`keep_excess_as_credit`)."""
    amount = _payment_amount(amount)
    if method not in PaymentMethod.values:
        raise BillingError("Choose how the payment was made.", field="method")
    if method == PaymentMethod.HEALTH_FUND and not (fund_name or "").strip():
        raise BillingError("Name the health fund that paid the benefit.", field="fund_name")
    invoice = _locked_invoice(invoice_id)
    _check_takes_payment(invoice)
    credit_kept = Decimal("0.00")
    if amount > invoice.amount_due:
        excess = amount - invoice.amount_due
        if not keep_excess_as_credit or method in (PaymentMethod.ACCOUNT_CREDIT,
                                                   PaymentMethod.XERO):
            raise BillingError(f"{_money(amount)} is more than the {_money(invoice.amount_due)} "
                               f"still owing on {invoice.number}. Take {_money(invoice.amount_due)}"
                               f", or keep the {_money(excess)} over as account credit.",
                               field="amount", code="overpayment")
        amount, credit_kept = invoice.amount_due, excess
    return _apply_payment(invoice, amount=amount, method=method,
                          paid_on=_payment_date(invoice, paid_on), reference=reference,
                          fund_name=fund_name, credit_kept=credit_kept, actor=actor)


@transaction.atomic
def record_benefit_and_gap(invoice_id, *, benefit, fund_name: str, claim_reference: str = "",
                           gap_method: str = PaymentMethod.CARD, gap_amount=None,
                           benefit_method: str = PaymentMethod.HEALTH_FUND,
                           paid_on: date | None = None, actor=None) -> tuple[Payment, Payment | None]:
    """A health-fund claim on the spot (HICAPS) and the patient's gap, in one action: the
    fund's benefit and the gap are two payments written together or not at all. The gap is
    what remains after the benefit unless given."""
    benefit = _payment_amount(benefit, "benefit")
    if benefit_method not in (PaymentMethod.HEALTH_FUND, PaymentMethod.MEDICARE,
                              PaymentMethod.DVA, PaymentMethod.NDIS):
        raise BillingError("The benefit comes from a health fund, Medicare, DVA or NDIS.",
                           field="benefit_method")
    if benefit_method == PaymentMethod.HEALTH_FUND and not (fund_name or "").strip():
        raise BillingError("Name the health fund that paid the benefit.", field="fund_name")
    if gap_method not in DESK_METHODS or gap_method in (PaymentMethod.HEALTH_FUND,):
        raise BillingError("Choose how the patient paid the gap.", field="gap_method")
    invoice = _locked_invoice(invoice_id)
    _check_takes_payment(invoice)
    if benefit > invoice.amount_due:
        raise BillingError(f"The benefit {_money(benefit)} is more than the "
                           f"{_money(invoice.amount_due)} owing on {invoice.number}.",
                           field="benefit", code="overpayment")
    remaining = invoice.amount_due - benefit
    gap = remaining if gap_amount in (None, "") else _payment_amount(gap_amount, "gap_amount")
    if gap > remaining:
        raise BillingError(f"The gap {_money(gap)} is more than the {_money(remaining)} left "
                           "after the benefit.", field="gap_amount", code="overpayment")
    paid_on = _payment_date(invoice, paid_on)
    first = _apply_payment(invoice, amount=benefit, method=benefit_method, paid_on=paid_on,
                           reference=claim_reference, fund_name=fund_name,
                           credit_kept=Decimal("0.00"), actor=actor)
    second = None
    if gap > 0:
        second = _apply_payment(invoice, amount=gap, method=gap_method, paid_on=paid_on,
                                reference="Gap", fund_name="", credit_kept=Decimal("0.00"),
                                actor=actor)
    return first, second


@transaction.atomic
def set_invoice_payer(invoice_id, payer_id, *, claim_number: str = "",
                      approval_number: str = "", actor=None) -> Invoice:
    """Bill the invoice to a third party (DVA, an NDIS plan manager, an insurer) or back to the
    patient, with the payer's claim and approval numbers. Changing who is billed after Xero has
    the invoice updates it there (INVOICE_CHANGED_HOOKS) while nothing is paid."""
    invoice = _locked_invoice(invoice_id)
    _check_editable(invoice)
    payer = None
    if payer_id:
        payer = Payer.objects.filter(pk=payer_id, active=True).first()
        if payer is None:
            raise BillingError("Choose a payer from the list.", field="payer")
    invoice.payer = payer
    invoice.claim_number = (claim_number or "").strip()[:60]
    invoice.approval_number = (approval_number or "").strip()[:60]
    if payer is not None and payer.kind in (Payer.Kind.WORKCOVER, Payer.Kind.DVA) and not (
            invoice.claim_number or invoice.approval_number):
        raise BillingError(f"{payer.name} pays only with a claim or approval number on the "
                           "invoice.", field="claim_number")
    invoice.save(update_fields=["payer", "claim_number", "approval_number", "updated_at"])
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"{invoice.number} billed to {invoice.bill_to_name}",
           {"claim_number": invoice.claim_number, "approval_number": invoice.approval_number})
    _lines_changed(invoice)
    return invoice


@transaction.atomic
def email_invoice(invoice_id, *, kind: str, to_address: str, actor=None) -> InvoiceEmail:
    """Queue the tax invoice or receipt (PDF) to the patient or payer; the worker sends it and
    the invoice page shows queued, sent, or failed with when it is tried again."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    to_address = (to_address or "").strip()
    try:
        validate_email(to_address)
    except ValidationError:
        raise BillingError("Enter an email address like name@example.com.",
                           field="to_address") from None
    if kind not in InvoiceEmail.Kind.values:
        raise BillingError("Choose the tax invoice or the receipt.", field="kind")
    invoice = _locked_invoice(invoice_id)
    if invoice.is_draft:
        raise BillingError(f"{invoice.number} is a draft; approve it before sending it.",
                           code="not_approved")
    email = InvoiceEmail.objects.create(invoice=invoice, kind=kind, to_address=to_address,
                                        requested_by=_user(actor))
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"Emailed the {email.get_kind_display().lower()} {invoice.number} to {to_address}")
    from .tasks import send_invoice_email

    transaction.on_commit(lambda: send_invoice_email.enqueue(email.pk))
    return email


@transaction.atomic
def void_invoice(invoice_id, *, actor=None, reason: str = "") -> Invoice:
    invoice = _locked_invoice(invoice_id)
    if invoice.is_voided:
        raise BillingError(f"Invoice {invoice.number} is already voided.", code="already_voided")
    if invoice.amount_paid > 0:
        raise BillingError(
            f"Invoice {invoice.number} has {_money(invoice.amount_paid)} paid against it; an "
            "invoice with payments cannot be voided. Refund and credit it instead.",
            code="has_payments")
    _set_status(invoice, InvoiceStatus.VOIDED)
    invoice.voided_at = timezone.now()
    invoice.void_reason = (reason or "").strip()[:200]
    invoice.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    _adjust_stock(invoice.clinic, {pk: -count for pk, count
                                   in _product_quantities(invoice.lines.all()).items()})
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"Voided invoice {invoice.number}" + (f": {invoice.void_reason}"
                                                  if invoice.void_reason else ""))
    for hook in INVOICE_VOIDED_HOOKS:
        hook(invoice.pk)
    return invoice


def allocate_credit_note_number() -> str:
    return f"CN-{NumberSequence.next_value(CREDIT_NOTE_SEQUENCE):06d}"


@transaction.atomic
def credit_invoice(invoice_id, amount, reason: str, actor=None, *,
                   refund_method: str = CreditNote.RefundMethod.CARD) -> CreditNote:
    """Give money back on an invoice that has payments (which Xero will not void): a credit note
    for up to what was paid and not yet credited, GST line by line (billing.gst.credit_split).

    The invoice's status is left alone: the allow-list makes paid final and lets only an unpaid
    invoice be voided, so "voided by credit" is a flag, Invoice.credited_at, set once the credit
    notes cover everything paid; then the appointments' is_paid goes back to False (a queryset
    update: scheduling owns Appointment's saves). The number is allocated here, before Xero
    hears of it, and the Xero copy goes out after commit (CREDIT_NOTE_HOOKS)."""
    amount = _decimal(amount, "amount", "The amount")
    if amount <= 0:
        raise BillingError("The amount must be more than $0.00.", field="amount")
    if amount.as_tuple().exponent < -2:
        raise BillingError("The amount is in dollars and cents (two decimal places).",
                           field="amount")
    reason = (reason or "").strip()
    if not reason:
        raise BillingError("Say why the invoice is credited.", field="reason")
    if refund_method not in CreditNote.RefundMethod.values:
        raise BillingError("Choose how the money goes back.", field="refund_method")
    invoice = _locked_invoice(invoice_id)
    if invoice.amount_paid <= 0:
        raise BillingError(f"Invoice {invoice.number} has no payments; void it instead of "
                           "crediting it.", code="no_payments")
    credited = sum((c.amount for c in invoice.credit_notes.all()), Decimal("0.00"))
    creditable = invoice.amount_paid - credited
    if creditable <= 0:
        raise BillingError(f"Invoice {invoice.number} is already credited in full.",
                           code="already_credited")
    if amount > creditable:
        raise BillingError(f"{_money(amount)} is more than the {_money(creditable)} paid on "
                           f"{invoice.number} and not yet credited.", field="amount",
                           code="over_credit")
    # GST line by line: the credit spread over the invoice's own lines (a mix of GST-free and
    # taxable lines keeps its mix); the xero app sends the same split, so the two agree.
    tax = sum((share_tax for _i, _share, share_tax in gst.credit_split(
        [(ln.line_amount + (ln.gst if invoice.line_amount_type == gst.EXCLUSIVE else 0),
          ln.tax_type) for ln in invoice.lines.order_by("position", "pk")], amount)),
        Decimal("0.00"))
    note = CreditNote.objects.create(
        number=allocate_credit_note_number(), invoice=invoice,
        date=_clinic_today(invoice.clinic), amount=amount, gst=tax, reason=reason[:200],
        refund_method=refund_method, created_by=_user(actor))
    if amount == creditable:
        invoice.credited_at = timezone.now()
        invoice.save(update_fields=["credited_at", "updated_at"])
        Appointment.objects.filter(pk__in=invoice.appointment_ids()).update(is_paid=False)
    record(actor, AuditEvent.Action.UPDATE, invoice,
           f"Credited {_money(amount)} on {invoice.number} ({note.number}): {note.reason}",
           {"credit_note": str(note.pk), "gst": str(tax)})
    for hook in CREDIT_NOTE_HOOKS:
        hook(note.pk)
    return note


@dataclass
class DayInvoicingResult:
    appointment: Appointment
    outcome: str  # invoiced | already_invoiced | skipped | failed
    message: str
    invoice: Invoice | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("invoiced", "already_invoiced")


def appointments_of_day(clinic, day: date):
    start = datetime.combine(day, time.min, tzinfo=clinic.tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clinic.tz)
    return (Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
            .select_related("patient", "clinician__user", "clinic", "appointment_type")
            .order_by("starts_at"))


def invoice_completed_appointments_for_day(clinic, day: date, *, actor=None,
                                           status: str | None = None
                                           ) -> list[DayInvoicingResult]:
    """Invoice every completed appointment of a clinic's day, each in its own transaction, and
    say for every appointment of that day what was done or why not. Running it twice invoices
    nothing twice."""
    results = []
    for appointment in appointments_of_day(clinic, day):
        if appointment.status != AppointmentStatus.COMPLETED:
            if appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
                message = (f"{appointment.get_status_display()}: not invoiced. If a fee applies, "
                           "invoice it from the appointment.")
            else:
                message = f"Not completed yet ({appointment.get_status_display().lower()})."
            results.append(DayInvoicingResult(appointment, "skipped", message))
            continue
        try:
            invoice = create_invoice_for_appointment(appointment.pk, actor=actor, status=status)
        except BillingError as exc:
            if exc.code == "already_invoiced":
                results.append(DayInvoicingResult(
                    appointment, "already_invoiced", exc.message,
                    invoice_for_appointment(appointment)))
            else:
                results.append(DayInvoicingResult(appointment, "failed", exc.message))
            continue
        results.append(DayInvoicingResult(
            appointment, "invoiced", f"Invoiced on {invoice.number} ({_money(invoice.total)}).",
            invoice))
    return results
