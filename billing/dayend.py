"""Closing a clinic's day: what is still open, what is not invoiced or not paid, and the takings
by payment method against what the person counted. Signed off once; after that only an admin
may change the record, and each change is kept on it and in the audit log."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Exists, Sum
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from scheduling.models import Appointment, AppointmentStatus

from .errors import BillingError
from .models import DayEnd, Invoice, InvoiceStatus, Payment, PaymentMethod
from .queries import live_invoice_line_for_appointment

ZERO = Decimal("0.00")
OPEN_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.ARRIVED)


def _bounds(clinic, day: date):
    start = datetime.combine(day, time.min, tzinfo=clinic.tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=clinic.tz)


def takings_by_method(clinic, day: date) -> dict[str, Decimal]:
    """Money received at the clinic on the day, by method (what was applied to invoices plus
    any overpayment kept as credit), as one aggregate query. Xero-recorded payments and account
    credit spent are not money in the till and are left out."""
    rows = (Payment.objects.filter(invoice__clinic=clinic, date=day)
            .exclude(method__in=[PaymentMethod.XERO, PaymentMethod.ACCOUNT_CREDIT])
            .values("method").annotate(applied=Sum("amount"), kept=Sum("credit_kept")))
    return {r["method"]: (r["applied"] or ZERO) + (r["kept"] or ZERO) for r in rows}


@dataclass
class DaySummary:
    clinic: object
    day: date
    still_open: list = field(default_factory=list)
    not_invoiced: list = field(default_factory=list)
    unpaid: list = field(default_factory=list)
    takings: list = field(default_factory=list)  # [(method, label, amount)]
    expected_cash: Decimal = ZERO
    expected_eftpos: Decimal = ZERO
    total: Decimal = ZERO
    record: DayEnd | None = None


def day_summary(clinic, day: date) -> DaySummary:
    start, end = _bounds(clinic, day)
    appointments = (Appointment.objects.filter(clinic=clinic, starts_at__gte=start,
                                               starts_at__lt=end)
                    .select_related("patient", "clinician__user", "appointment_type")
                    .order_by("starts_at"))
    summary = DaySummary(clinic, day)
    summary.still_open = list(appointments.filter(status__in=OPEN_STATUSES))
    summary.not_invoiced = list(appointments.filter(status=AppointmentStatus.COMPLETED)
                                .exclude(Exists(live_invoice_line_for_appointment())))
    summary.unpaid = list(Invoice.objects.filter(clinic=clinic, issue_date=day,
                                                 status=InvoiceStatus.AWAITING_PAYMENT)
                          .select_related("patient", "payer").order_by("number"))
    takings = takings_by_method(clinic, day)
    summary.takings = [(m, PaymentMethod(m).label, takings.get(m, ZERO))
                       for m in PaymentMethod.values if m in takings
                       or m in (PaymentMethod.CASH, PaymentMethod.CARD)]
    summary.expected_cash = takings.get(PaymentMethod.CASH, ZERO)
    summary.expected_eftpos = takings.get(PaymentMethod.CARD, ZERO)
    summary.total = sum(takings.values(), ZERO)
    summary.record = (DayEnd.objects.filter(clinic=clinic, day=day)
                      .select_related("signed_off_by", "amended_by").first())
    return summary


def _count(value, field_name: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace("$", "").replace(",", ""))
    except (InvalidOperation, ValueError):
        raise BillingError(f"{label}: enter an amount like 412.50.", field=field_name) from None
    if not amount.is_finite() or amount < 0:
        raise BillingError(f"{label}: enter an amount of $0.00 or more.", field=field_name)
    if amount.as_tuple().exponent < -2:
        raise BillingError(f"{label}: dollars and cents only.", field=field_name)
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def sign_off_day(clinic, day: date, *, counted_cash, counted_eftpos, notes: str = "",
                 actor=None) -> DayEnd:
    """Save the day-end with today's takings. A day already signed off changes only by an admin;
    the change is appended to the record's amendments and audited."""
    cash = _count(counted_cash, "counted_cash", "Cash counted")
    eftpos = _count(counted_eftpos, "counted_eftpos", "EFTPOS settlement")
    if day > timezone.localdate(timezone=clinic.tz):
        raise BillingError("A day cannot be closed before it has happened.", field="day")
    summary = day_summary(clinic, day)
    takings = {m: str(amount) for m, _, amount in summary.takings}
    existing = DayEnd.objects.select_for_update().filter(clinic=clinic, day=day).first()
    if existing is None:
        try:
            with transaction.atomic():
                day_end = DayEnd.objects.create(
                    clinic=clinic, day=day, takings=takings, expected_cash=summary.expected_cash,
                    expected_eftpos=summary.expected_eftpos, counted_cash=cash,
                    counted_eftpos=eftpos, notes=(notes or "").strip(),
                    signed_off_by=actor if getattr(actor, "is_authenticated", False) else None,
                    signed_off_at=timezone.now())
        except IntegrityError:
            raise BillingError("Someone signed this day off a moment ago; reload to see it.",
                               code="already_signed_off") from None
        record(actor, AuditEvent.Action.CREATE, day_end,
               f"Signed off {clinic.short_name} {day.isoformat()}: cash counted ${cash:,.2f} "
               f"(expected ${summary.expected_cash:,.2f}), EFTPOS ${eftpos:,.2f} "
               f"(expected ${summary.expected_eftpos:,.2f})")
        return day_end
    if not getattr(actor, "is_admin", False):
        raise BillingError(f"{clinic.short_name} {day:%-d %b %Y} was signed off by "
                           f"{existing.signed_off_by or 'someone'}; only an admin may change it.",
                           code="signed_off")
    before = {"counted_cash": str(existing.counted_cash),
              "counted_eftpos": str(existing.counted_eftpos), "notes": existing.notes,
              "takings": existing.takings}
    existing.counted_cash, existing.counted_eftpos = cash, eftpos
    existing.notes = (notes or "").strip()
    existing.takings = takings
    existing.expected_cash, existing.expected_eftpos = (summary.expected_cash,
                                                        summary.expected_eftpos)
    existing.amended_by = actor
    existing.amended_at = timezone.now()
    existing.amendments = [*existing.amendments, {
        "by": str(actor), "at": existing.amended_at.isoformat(), "before": before,
        "after": {"counted_cash": str(cash), "counted_eftpos": str(eftpos),
                  "notes": existing.notes, "takings": takings}}]
    existing.save()
    record(actor, AuditEvent.Action.UPDATE, existing,
           f"Changed the signed-off day-end of {clinic.short_name} {day.isoformat()}",
           {"before": before, "counted_cash": str(cash), "counted_eftpos": str(eftpos)})
    return existing
