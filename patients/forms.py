from django import forms
from django.core.exceptions import ValidationError

from clinics.models import Clinic
from ncc.phones import display as display_phone
from ncc.phones import to_mobile_e164

from .models import Patient

PATIENT_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "mobile", "email",
    "address_line", "suburb", "state", "postcode", "home_clinic", "alerts", "notes",
    "sms_consent",
]


class PatientForm(forms.ModelForm):
    """Patient details. The mobile is typed any way a person writes it and stored in E.164."""

    mobile = forms.CharField(
        required=False, max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off",
                                      "placeholder": "0412 345 678"}),
        help_text="Australian mobile; used for SMS reminders.",
    )

    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "alerts": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "date_of_birth": {"invalid": "Enter the date of birth as a date, e.g. 12/03/1980."},
            "email": {"invalid": "Enter an email address such as name@example.com."},
            "postcode": {"max_length": "An Australian postcode has four digits."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_clinic"].queryset = Clinic.objects.filter(active=True)
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
        if self.instance.pk and self.instance.mobile and not self.is_bound:
            self.initial["mobile"] = display_phone(self.instance.mobile)

    def clean_mobile(self):
        return to_mobile_e164(self.cleaned_data.get("mobile", ""))

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_email(self):
        return self.cleaned_data.get("email", "").strip().lower()

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        if value and (len(value) != 4 or not value.isdigit()):
            raise ValidationError("An Australian postcode has four digits.")
        return value


class PatientFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search",
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": "Name, mobile, email or DOB"}))
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True), required=False,
                                    empty_label="All clinics")
    archived = forms.ChoiceField(
        required=False, choices=[("", "Current"), ("yes", "Archived"), ("all", "All")],
        label="Show",
    )
