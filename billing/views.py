from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.models import AuditEvent
from audit.services import record
from ncc.safety import is_safe_next, safe_csv_writer, uuid_or_404
from scheduling.models import Appointment

from . import extensions, services
from .errors import BillingError, NeedsConfirmation
from .forms import (
    AddProductForm,
    BenefitAndGapForm,
    CreditForm,
    DayInvoicingForm,
    EmailForm,
    InvoiceFilterForm,
    LineForm,
    LineFormSet,
    PayerForm,
    PaymentForm,
    VoidForm,
)
from .models import InvoiceStatus
from .permissions import visible_invoices
from .queries import live_invoices_by_appointment, unpaid_total

PAGE_SIZE = 25
CENT = Decimal("0.01")


def _filtered_invoices(form, user):
    qs = visible_invoices(user).select_related("patient", "clinic")
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if q := data["q"].strip():
        qs = qs.filter(Q(number__icontains=q) | Q(patient__first_name__icontains=q)
                       | Q(patient__last_name__icontains=q))
    if data["status"] == "unpaid":
        qs = qs.filter(status=InvoiceStatus.AWAITING_PAYMENT)
    elif data["status"]:
        qs = qs.filter(status=data["status"])
    if data["clinic"]:
        qs = qs.filter(clinic=data["clinic"])
    if data["date_from"]:
        qs = qs.filter(issue_date__gte=data["date_from"])
    if data["date_to"]:
        qs = qs.filter(issue_date__lte=data["date_to"])
    return qs


@permission_required("billing.view_invoice", raise_exception=True)
def invoice_list(request):
    form = InvoiceFilterForm(request.GET or None)
    invoices = _filtered_invoices(form, request.user).order_by("-issue_date", "-number")
    if request.GET.get("export") == "csv":
        if not request.user.has_perm("billing.export_invoices"):
            raise PermissionDenied
        return _csv(request, invoices)
    page = Paginator(invoices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tags = extensions.invoice_tags(inv.pk for inv in page.object_list)
    for inv in page.object_list:
        inv.tags = tags.get(inv.pk, [])
    actions = [(label, reverse(name)) for label, name, perm in extensions.INVOICE_LIST_ACTIONS
               if request.user.has_perm(perm)]
    context = {"form": form, "page": page, "unpaid": unpaid_total(invoices),
               "query": query.urlencode(), "integration_actions": actions}
    template = "billing/_results.html" if request.htmx else "billing/list.html"
    return render(request, template, context)


def _csv(request, invoices):
    """Invoices for the accountant: ISO dates, money with two places, GST and GST-free split,
    who was billed."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="invoices-{stamp}.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(["Number", "Issue date", "Due date", "Patient number", "Patient", "Clinic",
                     "Clinician", "Billed to", "Claim number", "Status", "GST-free sales",
                     "Taxable sales (incl GST)", "GST", "Total", "Paid", "Due"])
    rows = (invoices.select_related("payer", "clinician__user")
            .annotate(gst_free=Sum("lines__line_amount", filter=Q(lines__gst=0))))
    count = 0
    for inv in rows.iterator(chunk_size=500):
        count += 1
        gst_free = inv.gst_free or Decimal("0")
        writer.writerow([inv.number, inv.issue_date.isoformat(), inv.due_date.isoformat(),
                         inv.patient.number, inv.patient.full_name, inv.clinic.short_name,
                         inv.clinician.display_name if inv.clinician_id else "",
                         inv.payer.name if inv.payer_id else "Patient", inv.claim_number,
                         inv.get_status_display(), *(Decimal(v).quantize(CENT) for v in (
                             gst_free, inv.total - gst_free, inv.gst, inv.total,
                             inv.amount_paid, inv.amount_due))])
    record(request.user, AuditEvent.Action.EXPORT, request.user,
           f"Exported {count} invoices to CSV")
    return response


def _detail_context(request, invoice, payment_form=None, void_form=None, credit_form=None,
                    product_form=None, payer_form=None, benefit_form=None, email_form=None):
    today = timezone.localdate(timezone=invoice.clinic.tz)
    to_address = (invoice.payer.email if invoice.payer_id else invoice.patient.email) or ""
    credits = list(invoice.credit_notes.select_related("created_by").all())
    tags = extensions.credit_note_tags(c.pk for c in credits)
    for note in credits:
        note.tags = tags.get(note.pk, [])
    credited_total = sum((c.amount for c in credits), Decimal("0.00"))
    creditable = invoice.amount_paid - credited_total
    return {
        "credit_notes": credits,
        "credited_total": credited_total,
        "creditable": creditable,
        "credit_form": credit_form or CreditForm(initial={"amount": creditable}),
        "invoice_panels": extensions.INVOICE_PANELS,
        "integrations": bool(extensions.CREDIT_NOTE_TAGS),
        "invoice": invoice,
        "lines": invoice.lines.select_related("appointment").all(),
        "payments": invoice.payments.select_related("recorded_by").all(),
        "payment_form": payment_form or PaymentForm(
            initial={"amount": invoice.amount_due, "date": today, "method": "card"}),
        "void_form": void_form or VoidForm(),
        "product_form": product_form or AddProductForm(),
        "payer_form": payer_form or PayerForm(initial={
            "payer": invoice.payer_id, "claim_number": invoice.claim_number,
            "approval_number": invoice.approval_number}),
        "benefit_form": benefit_form or BenefitAndGapForm(initial={"date": today}),
        "email_form": email_form or EmailForm(initial={
            "to_address": to_address,
            "kind": "receipt" if invoice.status == InvoiceStatus.PAID else "invoice"}),
        "emails": list(invoice.emails.all()[:5]),
        "credit_balance": services.account_credit_balance(invoice.patient_id),
    }


@permission_required("billing.view_invoice", raise_exception=True)
def invoice_detail(request, pk):
    invoice = get_object_or_404(visible_invoices(request.user).select_related(
        "patient", "clinic", "created_by", "payer", "clinician__user"), pk=pk)
    return render(request, "billing/detail.html", _detail_context(request, invoice))


def _apply_error(form, exc: BillingError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def approve_invoice(request, pk):
    invoice = get_object_or_404(visible_invoices(request.user), pk=pk)
    try:
        services.approve_invoice(invoice.pk, actor=request.user)
    except BillingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Approved {invoice.number}; it is awaiting payment.")
    return redirect(invoice)


@require_POST
@permission_required("billing.void_invoice", raise_exception=True)
def void_invoice(request, pk):
    invoice = get_object_or_404(visible_invoices(request.user), pk=pk)
    form = VoidForm(request.POST)
    form.is_valid()
    try:
        services.void_invoice(invoice.pk, actor=request.user,
                              reason=form.cleaned_data.get("reason", ""))
    except BillingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Voided {invoice.number}. Its appointments can be invoiced "
                                  "again.")
    return redirect(invoice)


@permission_required("billing.change_invoice", raise_exception=True)
def edit_lines(request, pk):
    invoice = get_object_or_404(visible_invoices(request.user).select_related("patient", "clinic"),
                                pk=pk)
    if not invoice.is_editable:
        messages.error(request, f"The lines of {invoice.number} cannot change now: it is "
                                f"{invoice.get_status_display().lower()}"
                                f"{' with payments; credit it instead' if invoice.amount_paid else ''}.")
        return redirect(invoice)
    lines = list(invoice.lines.all())
    initial = [LineForm.initial_for(ln) for ln in lines]
    formset = LineFormSet(request.POST or None, initial=initial, prefix="lines")
    if request.method == "POST" and formset.is_valid():
        by_id = {ln.pk: ln for ln in lines}
        data = []
        for form in formset.forms:
            if not form.has_changed() and not form.cleaned_data.get("id"):
                continue  # the empty extra row
            if form.cleaned_data.get("DELETE"):
                continue
            row = dict(form.cleaned_data)
            row.pop("DELETE", None)
            old = by_id.get(row.get("id"))
            if old is not None:
                row["product"] = old.product_id
            data.append(row)
        try:
            saved = services.update_invoice_lines(invoice.pk, data, actor=request.user)
        except BillingError as exc:
            formset._non_form_errors = formset.error_class([exc.message])
        else:
            messages.success(request, f"Saved the lines of {invoice.number}.")
            for warning in saved.warnings:
                messages.warning(request, warning)
            return redirect(invoice)
    return render(request, "billing/edit_lines.html", {"invoice": invoice, "formset": formset})


def _redirect(request, url):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@permission_required("billing.add_invoice", raise_exception=True)
def create_for_appointment(request):
    """POST appointment=<id> [confirm=1]: invoice one appointment, then show the invoice."""
    appointment = get_object_or_404(
        Appointment.objects.select_related("patient", "clinic", "clinician__user",
                                           "appointment_type"),
        pk=uuid_or_404(request.POST.get("appointment")))
    confirm = request.POST.get("confirm") in ("1", "true", "yes", "on")
    try:
        invoice = services.create_invoice_for_appointment(appointment.pk, actor=request.user,
                                                          confirm=confirm)
    except NeedsConfirmation as exc:
        return render(request, "billing/confirm_create.html",
                      {"appointment": appointment, "message": exc.message,
                       "next": request.POST.get("next", "")})
    except BillingError as exc:
        if exc.code == "already_invoiced":
            messages.info(request, exc.message)
            return _redirect(request, reverse("billing:detail", args=[exc.extra["invoice"]]))
        messages.error(request, exc.message)
        back = request.POST.get("next") or reverse("patients:detail", args=[appointment.patient_id])
        return _redirect(request, back if is_safe_next(request, back) else "/")
    messages.success(request, f"Created invoice {invoice.number} for "
                              f"{appointment.patient.full_name}.")
    return _redirect(request, invoice.get_absolute_url())


@permission_required("billing.add_invoice", raise_exception=True)
def day_invoicing(request):
    clinic = request.clinic
    today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = DayInvoicingForm(data, initial={"day": today, "clinic": clinic})
    results, appointments, invoiced = None, [], {}
    chosen_clinic, day = clinic, today
    if form.is_bound and form.is_valid():
        chosen_clinic, day = form.cleaned_data["clinic"], form.cleaned_data["day"]
    if request.method == "POST" and form.is_valid():
        results = services.invoice_completed_appointments_for_day(chosen_clinic, day,
                                                                  actor=request.user)
        done = sum(1 for r in results if r.outcome == "invoiced")
        failed = sum(1 for r in results if r.outcome == "failed")
        msg = f"Created {done} invoice{'s' if done != 1 else ''}."
        if failed:
            msg += f" {failed} could not be invoiced: see why below."
        (messages.warning if failed else messages.success)(request, msg)
    elif chosen_clinic is not None:
        appointments = list(services.appointments_of_day(chosen_clinic, day))
        invoiced = live_invoices_by_appointment(a.pk for a in appointments)
        for a in appointments:
            a.live_invoice = invoiced.get(a.pk)
    to_invoice = sum(1 for a in appointments
                     if a.status == "completed" and a.live_invoice is None)
    return render(request, "billing/day.html", {
        "form": form, "results": results, "appointments": appointments, "day": day,
        "chosen_clinic": chosen_clinic, "to_invoice": to_invoice,
    })


def _document_invoice(request, pk, kind):
    if kind not in ("invoice", "receipt"):
        raise Http404
    invoice = get_object_or_404(visible_invoices(request.user).select_related("patient"), pk=pk)
    if invoice.is_draft:
        raise Http404("A draft has no tax invoice yet: approve it first.")
    return invoice


@permission_required("billing.view_invoice", raise_exception=True)
def document(request, pk, kind):
    """The tax invoice or receipt as a page to print (the browser's Print, or Save as PDF)."""
    from .documents import render_document_html

    invoice = _document_invoice(request, pk, kind)
    record(request.user, AuditEvent.Action.VIEW, invoice.patient,
           f"Viewed the {kind} {invoice.number}")
    return HttpResponse(render_document_html(invoice, kind))


@permission_required("billing.view_invoice", raise_exception=True)
def document_pdf(request, pk, kind):
    from .documents import document_for, render_document_pdf

    invoice = _document_invoice(request, pk, kind)
    response = HttpResponse(render_document_pdf(invoice, kind), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = (f'{disposition}; '
                                       f'filename="{document_for(invoice, kind).filename}"')
    record(request.user, AuditEvent.Action.EXPORT, invoice.patient,
           f"Downloaded the {kind} {invoice.number} as PDF")
    return response


def _invoice_form_action(request, pk, form_class, form_key: str, act):
    """The shape of every form on the invoice page: validate, call the service through `act`
    (which returns the success message and any warnings), show a refusal beside the field."""
    invoice = get_object_or_404(
        visible_invoices(request.user).select_related("patient", "clinic", "payer"), pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message, warnings = act(invoice, form.cleaned_data)
        except BillingError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, message)
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(invoice)
    invoice.refresh_from_db()
    return render(request, "billing/detail.html",
                  _detail_context(request, invoice, **{form_key: form}), status=400)


@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def add_product(request, pk):
    def act(invoice, data):
        saved = services.add_product_to_invoice(invoice.pk, data["product"].pk,
                                                data["quantity"], actor=request.user)
        return f"Added {data['product'].name} to {invoice.number}.", saved.warnings

    return _invoice_form_action(request, pk, AddProductForm, "product_form", act)


@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def set_payer(request, pk):
    def act(invoice, data):
        invoice = services.set_invoice_payer(
            invoice.pk, data["payer"].pk if data["payer"] else None,
            claim_number=data["claim_number"], approval_number=data["approval_number"],
            actor=request.user)
        return f"{invoice.number} is billed to {invoice.bill_to_name}.", []

    return _invoice_form_action(request, pk, PayerForm, "payer_form", act)


@require_POST
@permission_required("billing.add_payment", raise_exception=True)
def benefit_and_gap(request, pk):
    def act(invoice, data):
        benefit, gap = services.record_benefit_and_gap(
            invoice.pk, benefit=data["benefit"], fund_name=data["fund_name"],
            claim_reference=data["claim_reference"], gap_method=data["gap_method"],
            paid_on=data["date"], actor=request.user)
        gap_words = (f" and the ${gap.amount:,.2f} gap by {gap.get_method_display()}"
                     if gap else "")
        return (f"Recorded {benefit.fund_name}'s ${benefit.amount:,.2f} benefit{gap_words} "
                f"on {invoice.number}.", [])

    return _invoice_form_action(request, pk, BenefitAndGapForm, "benefit_form", act)


@require_POST
@permission_required("billing.change_invoice", raise_exception=True)
def email_document(request, pk):
    def act(invoice, data):
        email = services.email_invoice(invoice.pk, kind=data["kind"],
                                       to_address=data["to_address"], actor=request.user)
        return (f"The {email.get_kind_display().lower()} is queued to {email.to_address}; its "
                "state shows below.", [])

    return _invoice_form_action(request, pk, EmailForm, "email_form", act)


@require_POST
@permission_required("billing.add_payment", raise_exception=True)
def record_payment(request, pk):
    def act(invoice, data):
        payment = services.record_payment(
            invoice.pk, amount=data["amount"], method=data["method"], paid_on=data["date"],
            reference=data["reference"], fund_name=data["fund_name"],
            keep_excess_as_credit=data["keep_excess_as_credit"], actor=request.user)
        invoice.refresh_from_db()
        note = " Paid in full." if invoice.status == InvoiceStatus.PAID else ""
        if payment.credit_kept:
            note += f" ${payment.credit_kept:,.2f} kept as account credit."
        return (f"Recorded ${payment.amount:,.2f} paid by {payment.get_method_display()} on "
                f"{invoice.number}.{note}", [])

    return _invoice_form_action(request, pk, PaymentForm, "payment_form", act)


@require_POST
@permission_required("billing.credit_invoice", raise_exception=True)
def credit_invoice(request, pk):
    """Credit an invoice with payments (which cannot be voided): a credit note, sent to Xero."""
    def act(invoice, data):
        note = services.credit_invoice(invoice.pk, data["amount"], data["reason"], request.user,
                                       refund_method=data["refund_method"])
        return (f"Issued credit note {note.number} for ${note.amount:,.2f} on "
                f"{invoice.number}.", [])

    return _invoice_form_action(request, pk, CreditForm, "credit_form", act)
