from decimal import Decimal

from django import forms

from clinics.models import Clinic

from . import gst
from .models import CreditNote, InvoiceStatus, PaymentMethod


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
    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    method = forms.ChoiceField(choices=[c for c in PaymentMethod.choices
                                        if c[0] != PaymentMethod.XERO],
                               initial=PaymentMethod.CARD)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(max_length=100, required=False,
                                help_text="Receipt or EFTPOS reference, if any.")


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
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(max_length=400)
    quantity = forms.DecimalField(min_value=Decimal("0.0001"), max_digits=10, decimal_places=4,
                                  initial=Decimal("1"),
                                  widget=forms.NumberInput(attrs={"step": "any"}))
    unit_amount = forms.DecimalField(max_digits=12, decimal_places=4,
                                     widget=forms.NumberInput(attrs={"step": "0.01"}))
    account_code = forms.CharField(max_length=10)
    tax_type = forms.ChoiceField(choices=[])
    tracking_option = forms.CharField(max_length=100, required=False, label="Tracking")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_type"].choices = [(t, t) for t in gst.TAX_RATES]


LineFormSet = forms.formset_factory(LineForm, extra=1, can_delete=True, min_num=0)


class DayInvoicingForm(forms.Form):
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True), empty_label=None)
