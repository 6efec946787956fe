"""The front desk's own pages: closing the day, products and their stock, payers."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinics.models import Clinic
from clinics.permissions import scope_by_clinic
from scheduling import services as scheduling
from scheduling.models import Appointment, AppointmentStatus
from scheduling.services import BookingError

from . import dayend
from .errors import BillingError
from .models import Payer, Product, ProductStock


class CloseDayForm(forms.Form):
    counted_cash = forms.DecimalField(label="Cash counted", max_digits=12, decimal_places=2,
                                      min_value=0, widget=forms.NumberInput(
                                          attrs={"step": "0.01", "inputmode": "decimal"}))
    counted_eftpos = forms.DecimalField(label="EFTPOS settlement", max_digits=12,
                                        decimal_places=2, min_value=0,
                                        help_text="The terminal's settlement total for the day.",
                                        widget=forms.NumberInput(
                                            attrs={"step": "0.01", "inputmode": "decimal"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            help_text="Why a count differs, float left in the till.")


def _clinic_and_day(request):
    clinics = scope_by_clinic(Clinic.objects.filter(active=True), request.user, field="pk")
    clinic = None
    if request.GET.get("clinic"):
        clinic = clinics.filter(pk=request.GET["clinic"]).first() if request.GET[
            "clinic"].isdigit() else None
    clinic = clinic or getattr(request, "clinic", None) or clinics.first()
    today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    return clinics, clinic, min(day, today)


def _close_day_url(clinic, day) -> str:
    return f"{reverse('billing:close_day')}?clinic={clinic.pk}&day={day.isoformat()}"


@permission_required("billing.view_dayend", raise_exception=True)
def close_day(request):
    clinics, clinic, day = _clinic_and_day(request)
    if clinic is None:
        return render(request, "billing/close_day.html", {"clinics": clinics})
    summary = dayend.day_summary(clinic, day)
    form = None
    if request.method == "POST":
        if not request.user.has_perm("billing.add_dayend"):
            messages.error(request, "You may not sign off the day.")
            return redirect(_close_day_url(clinic, day))
        form = CloseDayForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dayend.sign_off_day(clinic, day, counted_cash=data["counted_cash"],
                                    counted_eftpos=data["counted_eftpos"], notes=data["notes"],
                                    actor=request.user)
            except BillingError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Signed off {clinic.short_name} for "
                                          f"{day:%-d %b %Y}.")
                return redirect(_close_day_url(clinic, day))
    elif summary.record is not None:
        form = CloseDayForm(initial={"counted_cash": summary.record.counted_cash,
                                     "counted_eftpos": summary.record.counted_eftpos,
                                     "notes": summary.record.notes})
    else:
        form = CloseDayForm()
    locked = summary.record is not None and not request.user.is_admin
    return render(request, "billing/close_day.html", {
        "clinics": clinics, "clinic": clinic, "day": day, "s": summary, "form": form,
        "locked": locked, "today": timezone.localdate(timezone=clinic.tz),
        "previous": day.fromordinal(day.toordinal() - 1),
        "next": day.fromordinal(day.toordinal() + 1),
    }, status=400 if form.errors else 200)


@require_POST
@permission_required("scheduling.change_appointment", raise_exception=True)
def close_day_status(request, pk):
    """One click from the close-day page: mark a visit completed or a no-show."""
    appointment = get_object_or_404(
        scope_by_clinic(Appointment.objects.select_related("clinic", "patient"), request.user),
        pk=pk)
    status = request.POST.get("status")
    if status not in (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW):
        messages.error(request, "Choose completed or no-show.")
    else:
        try:
            scheduling.set_status(appointment, status, actor=request.user)
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{appointment.patient.full_name}: "
                                      f"{appointment.get_status_display().lower()}.")
    return redirect(_close_day_url(appointment.clinic,
                                   appointment.local_starts_at.date()))


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "price", "tax_treatment", "item_number", "account_code",
                  "xero_item_code", "track_stock", "low_stock_at", "active"]
        labels = {"tax_treatment": "GST"}


@permission_required("billing.view_product", raise_exception=True)
def product_list(request):
    products = list(Product.objects.prefetch_related("stock__clinic").order_by("-active", "name"))
    clinics = list(Clinic.objects.filter(active=True))
    for p in products:
        by_clinic = {s.clinic_id: s for s in p.stock.all()}
        p.stock_row = [by_clinic.get(c.pk) for c in clinics]
    return render(request, "billing/products.html", {"products": products, "clinics": clinics})


@permission_required("billing.change_product", raise_exception=True)
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else None
    clinics = list(Clinic.objects.filter(active=True))
    form = ProductForm(request.POST or None, instance=product)
    stock = {s.clinic_id: s.quantity for s in (product.stock.all() if product else [])}
    counts = {}
    if request.method == "POST":
        for c in clinics:
            raw = request.POST.get(f"stock-{c.pk}", "").strip()
            if raw:
                try:
                    counts[c.pk] = int(raw)
                except ValueError:
                    form.add_error(None, f"Stock at {c.short_name}: a whole number.")
        if form.is_valid():
            product = form.save()
            for clinic_pk, quantity in counts.items():
                ProductStock.objects.update_or_create(product=product, clinic_id=clinic_pk,
                                                      defaults={"quantity": quantity})
            messages.success(request, f"Saved {product.name}.")
            return redirect("billing:products")
    rows = [(c, counts.get(c.pk, stock.get(c.pk, ""))) for c in clinics]
    return render(request, "billing/product_form.html",
                  {"form": form, "product": product, "stock_rows": rows},
                  status=400 if form.errors else 200)


class PayerForm(forms.ModelForm):
    class Meta:
        model = Payer
        fields = ["name", "kind", "abn", "email", "phone", "address", "contact_person", "notes",
                  "active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}),
                   "notes": forms.Textarea(attrs={"rows": 2})}


@permission_required("billing.view_payer", raise_exception=True)
def payer_list(request):
    return render(request, "billing/payers.html",
                  {"payers": Payer.objects.order_by("-active", "name")})


@permission_required("billing.change_payer", raise_exception=True)
def payer_edit(request, pk=None):
    payer = get_object_or_404(Payer, pk=pk) if pk else None
    form = PayerForm(request.POST or None, instance=payer)
    if request.method == "POST" and form.is_valid():
        payer = form.save()
        messages.success(request, f"Saved {payer.name}.")
        return redirect("billing:payers")
    return render(request, "billing/payer_form.html", {"form": form, "payer": payer},
                  status=400 if form.errors else 200)
