from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.navigation import attention_items
from ncc.safety import safe_csv_writer

from . import queries
from .csvcells import csv_cell

PERM = "reports.view_reports"


class RangeForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          help_text="Inclusive.")
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True), required=False,
                                    empty_label="All clinics")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            if data["end"] < data["start"]:
                self.add_error("end", "The end date is before the start date.")
            elif (data["end"] - data["start"]).days > 731:
                self.add_error("end", "Choose at most two years at a time.")
        return data


def _range(request) -> tuple[RangeForm, date, date, list]:
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month_start = (first_of_month - timedelta(days=1)).replace(day=1)
    initial = {"start": last_month_start, "end": first_of_month - timedelta(days=1)}
    form = RangeForm(request.GET or None, initial=initial)
    start, end, clinic = initial["start"], initial["end"], None
    if form.is_bound and form.is_valid():
        start, end, clinic = (form.cleaned_data["start"], form.cleaned_data["end"],
                              form.cleaned_data["clinic"])
    clinics = [clinic] if clinic else list(Clinic.objects.filter(active=True))
    return form, start, end + timedelta(days=1), clinics


def _csv(request, name: str, header: list, rows: list) -> HttpResponse:
    """Rows as an accountant wants them: money as Decimal with two places (never float noise,
    never 66845 beside 0.00), dates in ISO form, times in ISO form in the server's local zone."""
    record(request.user, AuditEvent.Action.EXPORT, request.user, f"Exported the {name} report")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(header)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return response


def _bars(items: list[tuple[str, float]]) -> list[dict]:
    """Rows for the SVG bar chart partial: label, value and width as a percent of the largest."""
    peak = max((float(v) for _l, v in items), default=0) or 1
    return [{"label": label, "value": value, "pct": round(float(value) / peak * 100, 1)}
            for label, value in items]


@permission_required(PERM, raise_exception=True)
def dashboard(request):
    clinics = list(Clinic.objects.filter(active=True))
    today = timezone.localdate()
    weekly = queries.weekly_revenue(clinics, today)
    week_start, week_end = queries.last_full_week(today)
    return render(request, "reports/dashboard.html", {
        "today_rows": queries.today_by_clinic(clinics),
        "weekly": weekly,
        "week_start": week_start, "week_end": week_end - timedelta(days=1),
        "week_total": sum((r["week"] for r in weekly), queries.ZERO),
        "previous_total": sum((r["previous"] for r in weekly), queries.ZERO),
        "receivables": queries.aged_receivables(today),
        "attention": attention_items(request),
    })


@permission_required(PERM, raise_exception=True)
def revenue(request):
    form, start, end, clinics = _range(request)
    report = queries.revenue_report(clinics, start, end)
    if request.GET.get("format") == "csv":
        rows = [[start, end - timedelta(days=1), r["clinic"].name, r["invoiced"], r["taxable"],
                 r["gst"], r["gst_free"], r["received"]] for r in report["by_clinic"]]
        rows += [[start, end - timedelta(days=1), f"Clinician: {r['name']}", r["invoiced"], "",
                  "", "", ""] for r in report["by_clinician"]]
        return _csv(request, f"revenue-{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}",
                    ["from", "to", "clinic or clinician", "invoiced incl GST",
                     "taxable sales incl GST", "GST", "GST-free sales", "received"], rows)
    return render(request, "reports/revenue.html", {
        "form": form, "report": report, "start": start, "end": end - timedelta(days=1),
        "clinic_bars": _bars([(r["clinic"].short_name, r["invoiced"]) for r in report["by_clinic"]]),
        "week_bars": _bars([(f"w/c {monday:%-d %b}", total) for monday, total in report["by_week"]]),
        "csv_query": _with_csv(request),
    })


@permission_required(PERM, raise_exception=True)
def appointments(request):
    form, start, end, clinics = _range(request)
    report = queries.appointments_report(clinics, start, end)
    if request.GET.get("format") == "csv":
        rows = [[r["clinic"].name, r["total"], r["attended"], r["no_show"], r["cancelled"],
                 r["no_show_rate"], r["cancel_rate"]] for r in report["by_clinic"]]
        rows += [[f"Clinician: {r['clinician']}", "", "", "", "", "", "", r["booked_hours"],
                  r["rostered_hours"], r["utilisation"]] for r in report["by_clinician"]]
        return _csv(request, "appointments", ["clinic or clinician", "appointments", "attended",
                                              "no-shows", "cancelled", "no-show %", "cancelled %",
                                              "booked hours", "rostered hours", "utilisation %"],
                    rows)
    return render(request, "reports/appointments.html", {
        "form": form, "report": report, "start": start, "end": end - timedelta(days=1),
        "util_bars": _bars([(str(r["clinician"]), r["utilisation"] or 0)
                            for r in report["by_clinician"]]),
        "csv_query": _with_csv(request),
    })


@permission_required(PERM, raise_exception=True)
def demographics(request):
    clinics = list(Clinic.objects.filter(active=True))
    data = queries.demographics(clinics, timezone.localdate())
    rows = []
    for clinic in clinics:
        for band in data["bands"]:
            counts = data["by_clinic"][clinic.pk][band]
            rows.append({"clinic": clinic, "band": band, "female": counts["female"],
                         "male": counts["male"],
                         "other": counts["intersex"] + counts["unspecified"],
                         "total": sum(counts.values())})
    if request.GET.get("format") == "csv":
        return _csv(request, "demographics", ["clinic", "age band", "female", "male",
                                              "other or not stated", "total"],
                    [[r["clinic"].name, r["band"], r["female"], r["male"], r["other"], r["total"]]
                     for r in rows])
    return render(request, "reports/demographics.html", {
        "data": data, "rows": rows,
        "band_bars": _bars([(band, data["totals"][band]) for band in data["bands"]]),
    })


@permission_required(PERM, raise_exception=True)
def receivables(request):
    today = timezone.localdate()
    data = queries.aged_receivables(today)
    if request.GET.get("format") == "csv":
        return _csv(request, f"aged-receivables-{today:%Y%m%d}", ["age", "invoices", "owing"],
                    [[b["label"], b["count"], b["amount"]] for b in data["buckets"]])
    return render(request, "reports/receivables.html", {
        "data": data, "today": today,
        "bars": _bars([(b["label"], b["amount"]) for b in data["buckets"]]),
    })


@permission_required(PERM, raise_exception=True)
def takings(request):
    """Receipts by payment method and clinic: what to reconcile the bank and HICAPS
    settlements against."""
    form, start, end, clinics = _range(request)
    report = queries.takings_report(clinics, start, end)
    if request.GET.get("format") == "csv":
        rows = [[start, end - timedelta(days=1), r["clinic"].name, *r["amounts"], r["total"]]
                for r in report["by_clinic"]]
        rows.append([start, end - timedelta(days=1), "All clinics", *report["totals"],
                     report["total"]])
        return _csv(request, f"takings-{start:%Y%m%d}-{end - timedelta(days=1):%Y%m%d}",
                    ["from", "to", "clinic", *[label for _m, label, _n in report["methods"]],
                     "total"], rows)
    return render(request, "reports/takings.html", {
        "form": form, "report": report, "start": start, "end": end - timedelta(days=1),
        "csv_query": _with_csv(request),
        "method_bars": _bars([(label, total) for (_m, label, _n), total
                              in zip(report["methods"], report["totals"], strict=True)]),
    })


def _with_csv(request) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()
