"""Read-only figures for the dashboard and reports. Every figure is aggregated by the database
(GROUP BY), never by looping over rows in Python; days and weeks are each clinic's own."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from billing.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from clinics.models import Clinic, Clinician
from patients.models import Patient
from scheduling.models import Appointment, AppointmentStatus, WorkingHours

ZERO = Decimal("0.00")
BILLED = [InvoiceStatus.AWAITING_PAYMENT, InvoiceStatus.PAID]  # drafts and voided ones don't count
SEEN = [AppointmentStatus.COMPLETED, AppointmentStatus.ARRIVED]
BOOKED_TIME = [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED, AppointmentStatus.ARRIVED,
               AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW]


def local_today(clinic: Clinic) -> date:
    return timezone.localdate(timezone=clinic.tz)


def clinic_range(clinic: Clinic, start: date, end: date) -> tuple[datetime, datetime]:
    """UTC instants of [start, end) in the clinic's own zone."""
    return (datetime.combine(start, time.min, tzinfo=clinic.tz),
            datetime.combine(end, time.min, tzinfo=clinic.tz))


def appointments_between(clinics, start: date, end: date):
    """Appointments whose start falls in [start, end) in their own clinic's local calendar."""
    condition = Q(pk__in=[])
    for clinic in clinics:
        lo, hi = clinic_range(clinic, start, end)
        condition |= Q(clinic=clinic, starts_at__gte=lo, starts_at__lt=hi)
    return Appointment.objects.filter(condition)


def last_full_week(today: date) -> tuple[date, date]:
    """Monday to Sunday of the week before this one: [start, end)."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday


# --- Dashboard ---------------------------------------------------------------------------------

@dataclass
class ClinicToday:
    clinic: Clinic
    day: date
    total: int
    by_status: dict
    next_appointment: Appointment | None


def today_by_clinic(clinics) -> list[ClinicToday]:
    now = timezone.now()
    rows = []
    counts = defaultdict(dict)
    for clinic in clinics:
        day = local_today(clinic)
        lo, hi = clinic_range(clinic, day, day + timedelta(days=1))
        for row in (Appointment.objects.filter(clinic=clinic, starts_at__gte=lo, starts_at__lt=hi)
                    .values("status").annotate(n=Count("pk"))):
            counts[clinic.pk][row["status"]] = row["n"]
        upcoming = (Appointment.objects.filter(clinic=clinic, starts_at__gte=now, starts_at__lt=hi)
                    .exclude(status=AppointmentStatus.CANCELLED)
                    .select_related("patient", "clinician__user", "appointment_type")
                    .order_by("starts_at").first())
        by_status = counts[clinic.pk]
        total = sum(n for s, n in by_status.items() if s != AppointmentStatus.CANCELLED)
        rows.append(ClinicToday(clinic, day, total, by_status, upcoming))
    return rows


def revenue_by_clinic(start: date, end: date) -> dict:
    """{clinic_id: invoiced total incl. GST} for invoices issued in [start, end)."""
    rows = (Invoice.objects.filter(status__in=BILLED, issue_date__gte=start, issue_date__lt=end)
            .values("clinic").annotate(total=Sum("total")))
    return {r["clinic"]: r["total"] or ZERO for r in rows}


def weekly_revenue(clinics, today: date) -> list[dict]:
    """Last full week's invoiced revenue per clinic against the week before."""
    start, end = last_full_week(today)
    this = revenue_by_clinic(start, end)
    before = revenue_by_clinic(start - timedelta(days=7), start)
    rows = []
    for clinic in clinics:
        now_total, prev_total = this.get(clinic.pk, ZERO), before.get(clinic.pk, ZERO)
        change = None
        if prev_total:
            change = ((now_total - prev_total) / prev_total * 100).quantize(Decimal("0.1"))
        rows.append({"clinic": clinic, "week": now_total, "previous": prev_total,
                     "change": change})
    return rows


AGE_BUCKETS = [(0, 30, "0–30 days"), (31, 60, "31–60 days"), (61, 90, "61–90 days"),
               (91, None, "over 90 days")]


def aged_receivables(today: date) -> dict:
    """What is owed on approved invoices, by how many days it is past due, and per clinic."""
    open_invoices = Invoice.objects.filter(status=InvoiceStatus.AWAITING_PAYMENT)
    buckets = []
    not_due = open_invoices.filter(due_date__gte=today).aggregate(
        n=Count("pk"), due=Sum("amount_due"))
    buckets.append({"label": "Not yet due", "count": not_due["n"], "amount": not_due["due"] or ZERO})
    for low, high, label in AGE_BUCKETS:
        q = Q(due_date__lte=today - timedelta(days=max(low, 1)))
        if high is not None:
            q &= Q(due_date__gte=today - timedelta(days=high))
        agg = open_invoices.filter(q).aggregate(n=Count("pk"), due=Sum("amount_due"))
        buckets.append({"label": label, "count": agg["n"], "amount": agg["due"] or ZERO})
    by_clinic = {r["clinic__short_name"]: r["due"] or ZERO for r in
                 open_invoices.values("clinic__short_name").annotate(due=Sum("amount_due"))}
    total = sum((b["amount"] for b in buckets), ZERO)
    count = sum(b["count"] for b in buckets)
    return {"buckets": buckets, "total": total, "count": count, "by_clinic": by_clinic}


# --- Reports -----------------------------------------------------------------------------------

def revenue_report(clinics, start: date, end: date) -> dict:
    """Invoiced (by issue date) and received (by payment date) per clinic, and invoiced per
    clinician (through the appointment on each invoice line)."""
    invoiced = revenue_by_clinic(start, end)
    gst_rows = {r["clinic"]: r["gst"] or ZERO for r in
                Invoice.objects.filter(status__in=BILLED, issue_date__gte=start,
                                       issue_date__lt=end)
                .values("clinic").annotate(gst=Sum("gst"))}
    received = {r["invoice__clinic"]: r["amount"] or ZERO for r in
                Payment.objects.filter(date__gte=start, date__lt=end)
                .values("invoice__clinic").annotate(amount=Sum("amount"))}
    # Sales that carry no GST (GST-free care, BAS excluded), from the lines: GST is per line.
    gst_free = {r["invoice__clinic"]: r["amount"] or ZERO for r in
                InvoiceLine.objects.filter(invoice__status__in=BILLED, gst=0,
                                           invoice__issue_date__gte=start,
                                           invoice__issue_date__lt=end)
                .values("invoice__clinic").annotate(amount=Sum("line_amount"))}
    by_clinic = [{"clinic": c, "invoiced": invoiced.get(c.pk, ZERO), "gst": gst_rows.get(c.pk, ZERO),
                  "gst_free": gst_free.get(c.pk, ZERO),
                  "taxable": invoiced.get(c.pk, ZERO) - gst_free.get(c.pk, ZERO),
                  "received": received.get(c.pk, ZERO)} for c in clinics]
    clinician_rows = (
        InvoiceLine.objects.filter(invoice__status__in=BILLED, invoice__issue_date__gte=start,
                                   invoice__issue_date__lt=end, appointment__isnull=False)
        .values("appointment__clinician", "appointment__clinician__user__first_name",
                "appointment__clinician__user__last_name")
        .annotate(invoiced=Sum("line_amount"), visits=Count("appointment", distinct=True))
        .order_by("-invoiced"))
    by_clinician = [{
        "name": f"{r['appointment__clinician__user__first_name']} "
                f"{r['appointment__clinician__user__last_name']}",
        "invoiced": r["invoiced"] or ZERO, "visits": r["visits"]} for r in clinician_rows]
    weeks = (Invoice.objects.filter(status__in=BILLED, issue_date__gte=start, issue_date__lt=end)
             .values("issue_date").annotate(total=Sum("total")).order_by("issue_date"))
    by_week: dict = defaultdict(lambda: ZERO)
    for r in weeks:
        monday = r["issue_date"] - timedelta(days=r["issue_date"].weekday())
        by_week[monday] += r["total"]
    return {
        "by_clinic": by_clinic, "by_clinician": by_clinician,
        "by_week": sorted(by_week.items()),
        "total_invoiced": sum((r["invoiced"] for r in by_clinic), ZERO),
        "total_gst": sum((r["gst"] for r in by_clinic), ZERO),
        "total_gst_free": sum((r["gst_free"] for r in by_clinic), ZERO),
        "total_received": sum((r["received"] for r in by_clinic), ZERO),
    }


def takings_report(clinics, start: date, end: date) -> dict:
    """Money received in [start, end) by clinic and payment method (what was applied to invoices
    plus overpayments kept as credit), one GROUP BY. Account credit spent and payments recorded
    in Xero are not money taken at the desk and are left out."""
    from billing.models import PaymentMethod

    rows = (Payment.objects.filter(date__gte=start, date__lt=end, invoice__clinic__in=clinics)
            .exclude(method__in=[PaymentMethod.XERO, PaymentMethod.ACCOUNT_CREDIT])
            .values("invoice__clinic", "method")
            .annotate(applied=Sum("amount"), kept=Sum("credit_kept"), n=Count("pk")))
    cells: dict = defaultdict(dict)
    counts: dict = defaultdict(int)
    for r in rows:
        cells[r["invoice__clinic"]][r["method"]] = (r["applied"] or ZERO) + (r["kept"] or ZERO)
        counts[r["method"]] += r["n"]
    methods = [m for m in PaymentMethod.values if any(m in c for c in cells.values())]
    by_clinic = [{"clinic": c, "amounts": [cells[c.pk].get(m, ZERO) for m in methods],
                  "total": sum(cells[c.pk].values(), ZERO)} for c in clinics]
    totals = [sum((cells[c.pk].get(m, ZERO) for c in clinics), ZERO) for m in methods]
    return {"methods": [(m, PaymentMethod(m).label, counts[m]) for m in methods],
            "by_clinic": by_clinic, "totals": totals,
            "total": sum(totals, ZERO)}


def _working_minutes(clinician: Clinician, start: date, end: date, hours_by_clinician,
                     opening_by_clinic) -> int:
    """Minutes the clinician was rostered in [start, end): their working hours, or, when none
    are set, the opening hours of their first clinic."""
    weekly = hours_by_clinician.get(clinician.pk)
    if not weekly:
        first = clinician.clinics.all()[0] if clinician.clinics.all() else None
        weekly = opening_by_clinic.get(first.pk, {}) if first else {}
    total, day = 0, start
    while day < end:
        total += weekly.get(day.weekday(), 0)
        day += timedelta(days=1)
    return total


def _minutes(start: time, end: time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def appointments_report(clinics, start: date, end: date) -> dict:
    """No-show and cancellation rates per clinic, and utilisation per clinician (booked time
    over rostered time)."""
    appts = appointments_between(clinics, start, end)
    status_rows = appts.values("clinic", "status").annotate(n=Count("pk"))
    per_clinic = defaultdict(lambda: defaultdict(int))
    for r in status_rows:
        per_clinic[r["clinic"]][r["status"]] = r["n"]
    by_clinic = []
    for clinic in clinics:
        counts = per_clinic[clinic.pk]
        attended = counts[AppointmentStatus.COMPLETED] + counts[AppointmentStatus.ARRIVED]
        no_show = counts[AppointmentStatus.NO_SHOW]
        total = sum(counts.values())
        by_clinic.append({
            "clinic": clinic, "total": total, "attended": attended, "no_show": no_show,
            "cancelled": counts[AppointmentStatus.CANCELLED],
            "no_show_rate": _pct(no_show, attended + no_show),
            "cancel_rate": _pct(counts[AppointmentStatus.CANCELLED], total),
        })
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    booked = {r["clinician"]: r["booked"] for r in
              appts.filter(status__in=BOOKED_TIME).values("clinician")
              .annotate(booked=Sum(duration))}
    hours_by_clinician: dict = defaultdict(lambda: defaultdict(int))
    for wh in WorkingHours.objects.all():
        # A/B rows of an alternating roster each count half: the average week.
        minutes = _minutes(wh.starts, wh.ends)
        hours_by_clinician[wh.clinician_id][wh.weekday] += minutes if not wh.week else minutes / 2
    opening_by_clinic: dict = defaultdict(dict)
    for clinic in Clinic.objects.prefetch_related("opening_hours"):
        for h in clinic.opening_hours.all():
            opening_by_clinic[clinic.pk][h.weekday] = _minutes(h.opens, h.closes)
    by_clinician = []
    for clinician in (Clinician.objects.filter(active=True, clinics__in=clinics).distinct()
                      .select_related("user").prefetch_related("clinics")):
        rostered = _working_minutes(clinician, start, end, hours_by_clinician, opening_by_clinic)
        minutes = int(booked[clinician.pk].total_seconds() // 60) if booked.get(clinician.pk) else 0
        by_clinician.append({"clinician": clinician, "booked_hours": round(minutes / 60, 1),
                             "rostered_hours": round(rostered / 60, 1),
                             "utilisation": _pct(minutes, rostered)})
    by_clinician.sort(key=lambda r: -(r["utilisation"] or 0))
    return {"by_clinic": by_clinic, "by_clinician": by_clinician}


def _pct(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


AGE_BANDS = [(0, 17, "Under 18"), (18, 34, "18–34"), (35, 49, "35–49"), (50, 64, "50–64"),
             (65, 79, "65–79"), (80, 200, "80 and over")]


def demographics(clinics, today: date) -> dict:
    """Current (not archived) patients by age band and sex, per home clinic. Ages are banded by
    birth year in SQL, so the figure is exact to within the birthday in the current year."""
    rows = (Patient.objects.filter(archived=False, home_clinic__in=clinics)
            .annotate(birth_year=ExtractYear("date_of_birth"))
            .values("home_clinic", "birth_year", "sex").annotate(n=Count("pk")))
    table = {c.pk: {label: defaultdict(int) for _lo, _hi, label in AGE_BANDS} for c in clinics}
    totals = defaultdict(int)
    for r in rows:
        age = today.year - r["birth_year"]
        for lo, hi, label in AGE_BANDS:
            if lo <= age <= hi:
                table[r["home_clinic"]][label][r["sex"]] += r["n"]
                totals[label] += r["n"]
                break
    return {"bands": [label for _lo, _hi, label in AGE_BANDS], "by_clinic": table,
            "totals": totals, "patients": sum(totals.values())}
