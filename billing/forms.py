from decimal import Decimal

from django import forms

from clinics.models import Clinic
from ncc.tax import TREATMENT_FOR_TAX_TYPE, TaxTreatment

from .models import DESK_METHODS, CreditNote, InvoiceStatus, Payer, PaymentMethod, Product


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "Number or patient"}))
    status = forms.ChoiceField(choices=[("", "Any status"), ("unpaid", "Unpaid (awaiting payment)"),
                                        *InvoiceStatus.choices], required=False)
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True), required=False,
                                    empty_label="All clinics")
    date_from = forms.DateField(label="Issued from", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label="to", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class PaymentForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    method = forms.ChoiceField(choices=[(m, PaymentMethod(m).label) for m in DESK_METHODS],
                               initial=PaymentMethod.CARD)
    fund_name = forms.CharField(label="Health fund", max_length=80, required=False,
                                help_text="For a HICAPS benefit: the fund that paid.")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(max_length=100, required=False,
                                help_text="Receipt, EFTPOS or claim reference, if any.")
    keep_excess_as_credit = forms.BooleanField(
        label="Keep anything over the amount due as account credit", required=False)


class BenefitAndGapForm(forms.Form):
    """A HICAPS claim on the spot and the patient's gap, taken together."""

    prefix = "benefit"  # the invoice page holds several forms: ids stay unique

    benefit = forms.DecimalField(label="Fund benefit", max_digits=12, decimal_places=2,
                                 widget=forms.NumberInput(attrs={"step": "0.01",
                                                                 "inputmode": "decimal"}))
    fund_name = forms.CharField(label="Health fund", max_length=80,
                                widget=forms.TextInput(attrs={"placeholder": "e.g. Bupa",
                                                              "list": "fund-names"}))
    claim_reference = forms.CharField(label="HICAPS claim reference", max_length=100,
                                      required=False)
    gap_method = forms.ChoiceField(label="Gap paid by", initial=PaymentMethod.CARD, choices=[
        (m, PaymentMethod(m).label) for m in (PaymentMethod.CARD, PaymentMethod.CASH,
                                              PaymentMethod.ACCOUNT_CREDIT)])
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class AddProductForm(forms.Form):
    prefix = "product"
    product = forms.ModelChoiceField(queryset=Product.objects.filter(active=True),
                                     empty_label="Choose a product")
    quantity = forms.IntegerField(min_value=-999, max_value=999, initial=1,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class PayerForm(forms.Form):
    prefix = "payer"
    payer = forms.ModelChoiceField(queryset=Payer.objects.filter(active=True), required=False,
                                   empty_label="The patient", label="Bill to")
    claim_number = forms.CharField(max_length=60, required=False)
    approval_number = forms.CharField(max_length=60, required=False)


class EmailForm(forms.Form):
    prefix = "email"
    kind = forms.ChoiceField(choices=[("invoice", "Tax invoice"), ("receipt", "Receipt")])
    to_address = forms.EmailField(label="Email to")


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=200, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "e.g. billed twice"}))


class CreditForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2,
                                help_text="Including GST; at most what was paid and not yet "
                                          "credited.",
                                widget=forms.NumberInput(attrs={"step": "0.01",
                                                                "inputmode": "decimal"}))
    reason = forms.CharField(max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": "e.g. session not "
                                                                          "delivered"}))
    refund_method = forms.ChoiceField(label="Money goes back by",
                                      choices=CreditNote.RefundMethod.choices,
                                      initial=CreditNote.RefundMethod.CARD)


class LineForm(forms.Form):
    """A line as the front desk sees it: words for the tax, no account codes (those follow
    the appointment type or product, and Settings)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(max_length=400)
    item_number = forms.CharField(max_length=12, required=False, label="Item no.")
    quantity = forms.DecimalField(max_digits=10, decimal_places=4, initial=Decimal("1"),
                                  widget=forms.NumberInput(attrs={"step": "any"}))
    unit_amount = forms.DecimalField(label="Price", max_digits=12, decimal_places=4,
                                     widget=forms.NumberInput(attrs={"step": "0.01"}))
    tax_treatment = forms.ChoiceField(label="GST", choices=TaxTreatment.choices,
                                      initial=TaxTreatment.GST_FREE)

    @staticmethod
    def initial_for(line) -> dict:
        return {"id": line.pk, "description": line.description, "item_number": line.item_number,
                "quantity": line.quantity.normalize(),
                "unit_amount": line.unit_amount.quantize(Decimal("0.01"))
                if line.unit_amount == line.unit_amount.quantize(Decimal("0.01"))
                else line.unit_amount.normalize(),
                "tax_treatment": TREATMENT_FOR_TAX_TYPE.get(line.tax_type, "")}


LineFormSet = forms.formset_factory(LineForm, extra=1, can_delete=True, min_num=0)


class DayInvoicingForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True), empty_label=None)
