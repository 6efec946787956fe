"""Xero pages: settings (connection, token health, bulk sync, recent errors), mappings, and the
actions behind the patient panel; sending an invoice now and the reconciliation page. Views are thin: rules live in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing.models import Invoice
from clinics.models import Clinic
from patients.models import Patient
from scheduling.models import AppointmentType

from . import invoices, oauth, services
from .client import XeroError
from .models import (
    XeroAccountMapping,
    XeroApiCall,
    XeroConnection,
    XeroContactLink,
    XeroSyncJob,
)
from .queries import xero_differences, xero_orphans


def _admin(request):
    if not request.user.is_authenticated or not request.user.is_admin:
        raise PermissionDenied


def _can_sync(request):
    if not request.user.has_perm("xero.add_xerocontactlink"):
        raise PermissionDenied


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx


def _job_json(job: XeroSyncJob) -> dict:
    return {"id": str(job.pk), "status": job.status, "status_display": job.get_status_display(),
            "total": job.total, "synced": job.synced, "failed": job.failed, "calls": job.calls,
            "percent": job.percent, "message": job.message,
            "resume_at": job.resume_at.isoformat() if job.resume_at else None}


def _link_json(link: XeroContactLink) -> dict:
    return {"patient": str(link.patient_id), "status": link.status,
            "contact_id": link.contact_id or None, "contact_number": link.contact_number,
            "contact_name": link.contact_name, "error": link.error,
            "synced_at": link.synced_at.isoformat() if link.synced_at else None}


@require_GET
def settings_page(request):
    _admin(request)
    conn = XeroConnection.current()
    job = XeroSyncJob.objects.first()
    context = {
        "conn": conn,
        "health": conn.token_health() if conn else None,
        "errors": services.recent_errors(),
        "failed_links": XeroContactLink.objects.filter(status=XeroContactLink.Status.FAILED)
        .select_related("patient").order_by("-updated_at")[:10],
        "failed_count": XeroContactLink.objects.filter(
            status=XeroContactLink.Status.FAILED).count(),
        "last_call": XeroApiCall.objects.filter(connection=conn).first() if conn else None,
        "job": job,
        "changed": services.changed_patients().count() if conn else 0,
        "linked": XeroContactLink.objects.filter(status=XeroContactLink.Status.SYNCED).count(),
        "scopes_wanted": oauth.scopes(),
    }
    return render(request, "xero/settings.html", context)


@require_GET
def connect(request):
    # A link, not a form: CSP form-action 'self' would stop a form that redirects to Xero.
    _admin(request)
    return redirect(oauth.start(request))


@require_GET
def callback(request):
    _admin(request)
    if request.GET.get("error"):
        words = {"access_denied": "You chose not to allow access in Xero; nothing was connected.",
                 "invalid_scope": "Xero refused the permissions we asked for. If this Xero app "
                 "was created before March 2026 set XERO_SCOPES to the broad scopes "
                 "(accounting.transactions); otherwise use the granular ones."}
        code = request.GET["error"]
        messages.error(request, words.get(code, f"Xero did not connect: it answered “{code}”."))
        return redirect("xero:settings")
    if not oauth.check_state(request, request.GET.get("state", "")):
        messages.error(request, "That Xero sign-in did not start here (or was used already); "
                       "please connect again.")
        return redirect("xero:settings")
    try:
        conn = services.complete_connection(actor=request.user, code=request.GET.get("code", ""))
    except XeroError as exc:
        messages.error(request, exc.message)
        return redirect("xero:settings")
    if conn.status == XeroConnection.Status.ACTIVE:
        messages.success(request, f"Connected to Xero organisation {conn.tenant_name}.")
    else:
        messages.info(request, "You allowed several organisations: choose the practice's one.")
    return redirect("xero:settings")


@require_POST
def choose_tenant(request):
    _admin(request)
    conn = XeroConnection.current()
    if conn is None:
        return redirect("xero:settings")
    try:
        services.choose_tenant(conn, request.POST.get("tenant_id", ""), actor=request.user)
        messages.success(request, f"Using Xero organisation {conn.tenant_name}.")
    except XeroError as exc:
        messages.error(request, exc.message)
    return redirect("xero:settings")


@require_POST
def disconnect(request):
    _admin(request)
    services.disconnect(actor=request.user)
    messages.success(request, "Xero is disconnected. Links to existing contacts are kept.")
    return redirect("xero:settings")


def mappings(request):
    _admin(request)
    try:
        lists = services.xero_lists(refresh=request.GET.get("reload") == "1")
    except XeroError as exc:
        messages.error(request, exc.message)
        return redirect("xero:settings")
    types = list(AppointmentType.objects.order_by("name").select_related("xero_mapping"))
    clinics = list(Clinic.objects.order_by("short_name").select_related("xero_tracking"))
    errors = {}
    if request.method == "POST":
        for t in types:
            try:
                services.save_item_mapping(
                    appointment_type=t, item_code=request.POST.get(f"item-{t.pk}", ""),
                    account_code=request.POST.get(f"account-{t.pk}", ""),
                    tax_type=request.POST.get(f"tax-{t.pk}", "OUTPUT"), actor=request.user)
            except XeroError as exc:
                errors[f"type-{t.pk}"] = exc.message
        for purpose in XeroAccountMapping.Purpose.values:
            try:
                services.save_account_mapping(purpose=purpose, account_code=request.POST.get(
                    f"account-{purpose}", ""), lists=lists, actor=request.user)
            except XeroError as exc:
                errors[f"account-{purpose}"] = exc.message
        for c in clinics:
            try:
                services.save_tracking_mapping(clinic=c, option_id=request.POST.get(
                    f"tracking-{c.pk}", ""), lists=lists, actor=request.user)
            except XeroError as exc:
                errors[f"clinic-{c.pk}"] = exc.message
        if not errors:
            messages.success(request, "Xero mappings saved.")
            return redirect("xero:mappings")
        types = list(AppointmentType.objects.order_by("name").select_related("xero_mapping"))
    options = [(cat["Name"], o) for cat in lists.get("tracking", [])
               for o in cat.get("Options", []) if o.get("Status", "ACTIVE") == "ACTIVE"]
    rows = []
    for t in types:
        m = getattr(t, "xero_mapping", None)
        rows.append({"type": t, "item": m.item_code if m else "",
                     "account": m.account_code if m else "",
                     "tax": m.tax_type if m else "OUTPUT", "error": errors.get(f"type-{t.pk}")})
    clinic_rows = []
    for c in clinics:
        chosen = getattr(getattr(c, "xero_tracking", None), "option_id", "")
        # Suggest the option named like the clinic until someone saves a choice.
        suggested = "" if chosen else next(
            (o["TrackingOptionID"] for _, o in options if o["Name"] == c.short_name), "")
        clinic_rows.append({"clinic": c, "option": chosen or suggested,
                            "suggested": bool(suggested), "error": errors.get(f"clinic-{c.pk}")})
    revenue = [a for a in lists.get("accounts", []) if a.get("Type") in
               ("REVENUE", "SALES", "OTHERINCOME")]
    banks = [a for a in lists.get("accounts", []) if a.get("Type") == "BANK"
             or a.get("EnablePaymentsToAccount")]
    current = dict(XeroAccountMapping.objects.values_list("purpose", "account_code"))
    account_rows = [
        {"purpose": XeroAccountMapping.Purpose.SALES, "label": "Default sales account",
         "help": "For appointment types without an item or account of their own.",
         "choices": revenue, "code": current.get("sales", ""),
         "error": errors.get("account-sales")},
        {"purpose": XeroAccountMapping.Purpose.PAYMENTS, "label": "Payments go into",
         "help": "The bank (or clearing) account that card and cash payments are recorded in.",
         "choices": banks, "code": current.get("payments", ""),
         "error": errors.get("account-payments")}]
    return render(request, "xero/mappings.html", {
        "rows": rows, "clinic_rows": clinic_rows, "account_rows": account_rows,
        "items": lists.get("items", []),
        "accounts": revenue, "tax_rates": lists.get("tax_rates", []),
        "tracking_options": options})


@require_POST
def sync_patient(request, pk):
    """POST /xero/contacts/<patient>/sync/ — JSON for API clients, the panel for htmx."""
    _can_sync(request)
    patient = get_object_or_404(Patient, pk=pk)
    error = None
    try:
        link = services.sync_patient(patient, actor=request.user)
    except XeroError as exc:
        error = exc
        link = XeroContactLink.objects.filter(patient=patient).first()
    if _wants_json(request):
        if error is not None:
            return JsonResponse({"error": error.message, "code": error.code,
                                 "link": _link_json(link) if link else None},
                                status=error.http_status)
        return JsonResponse({"link": _link_json(link)},
                            status=200 if link.status == "synced" else 422)
    if request.htmx:
        return render(request, "xero/_patient_panel.html",
                      {"patient": patient, "sync_error": error.message if error else ""})
    if error is not None:
        messages.error(request, error.message)
    elif link.status == XeroContactLink.Status.SYNCED:
        messages.success(request, f"{patient.full_name} is synced to Xero.")
    else:
        messages.error(request, link.error or "Xero did not take this contact.")
    return redirect(patient.get_absolute_url())


@require_POST
def sync_changed(request):
    _admin(request)
    try:
        job = services.start_bulk_sync(actor=request.user)
    except XeroError as exc:
        if _wants_json(request):
            return JsonResponse({"error": exc.message, "code": exc.code},
                                status=exc.http_status)
        messages.error(request, exc.message)
        return redirect("xero:settings")
    if _wants_json(request):
        return JsonResponse({"job": _job_json(job)}, status=202)
    messages.success(request, f"Syncing {job.total} changed patient{'s' if job.total != 1 else ''}"
                     " to Xero in the background.")
    return redirect(reverse("xero:settings") + "#bulk")


@require_GET
def job_status(request, pk):
    _admin(request)
    job = get_object_or_404(XeroSyncJob, pk=pk)
    if request.htmx:
        return render(request, "xero/_job.html", {"job": job})
    return JsonResponse({"job": _job_json(job)})


# -- invoices: send one now, reconcile, re-sync ----------------------------------------------
@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def push_invoice(request, pk):
    """Send (or re-send after a failure) one invoice to Xero now."""
    invoice = get_object_or_404(Invoice, pk=pk)
    if invoice.is_draft or invoice.is_voided:
        messages.error(request, f"{invoice.number} is {invoice.get_status_display().lower()}; "
                                "only approved invoices go to Xero.")
        return redirect(invoice)
    try:
        result = invoices.push_invoices([invoice.pk])
    except XeroError as exc:
        messages.error(request, f"{invoice.number} is not in Xero yet: {exc.message}")
    else:
        if result.synced:
            messages.success(request, f"{invoice.number} is in Xero.")
        elif result.unknown:
            messages.warning(request, f"{invoice.number}: {invoices.UNKNOWN_WORDS}")
        elif result.busy:
            messages.info(request, f"{invoice.number} is being sent to Xero by another worker "
                                   "right now; look again in a minute.")
        else:
            words = result.errors.get(invoice.number) or "Xero did not take it; try again."
            messages.error(request, f"Xero did not take {invoice.number}: {words}")
    return redirect(invoice)


@permission_required("billing.change_invoice", raise_exception=True)
def reconcile(request):
    """Invoices on which NCC and Xero disagree, each with a re-sync button."""
    return render(request, "xero/reconcile.html",
                  {"rows": xero_differences(), "orphans": list(xero_orphans()),
                   "xero_connected": invoices.xero_connected()})


@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def resync_invoice(request, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        words = invoices.resync_invoice(invoice.pk)
    except XeroError as exc:
        messages.error(request, f"{invoice.number}: {exc.message}")
    else:
        messages.success(request, f"{invoice.number}: {words}")
    return redirect("xero:reconcile")
