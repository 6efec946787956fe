from django import forms
from django.core.exceptions import ValidationError

from clinics.models import Clinic
from ncc.phones import display as display_phone
from ncc.phones import to_e164, to_mobile_e164

from .identifiers import normalise_dva_file_number, normalise_medicare_number
from .models import Gender, Patient

PATIENT_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "gender", "mobile",
    "email", "address_line", "suburb", "state", "postcode", "home_clinic", "alerts", "notes",
    "sms_consent", "medicare_number", "medicare_irn", "dva_file_number", "dva_card_colour",
    "health_fund", "health_fund_member_number", "emergency_contact_name",
    "emergency_contact_relationship", "emergency_contact_phone", "referring_gp",
]


class PatientForm(forms.ModelForm):
    """Patient details. The mobile is typed any way a person writes it and stored in E.164."""

    mobile = forms.CharField(
        required=False, max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off",
                                      "placeholder": "0412 345 678"}),
        help_text="Australian mobile; used for SMS reminders.",
    )
    # Wider than the stored 10 digits: people type the spaces printed on the card.
    medicare_number = forms.CharField(
        required=False, max_length=16, label="Medicare number",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "placeholder": "2123 45670 1"}),
        help_text="10 digits as on the card.",
    )
    dva_file_number = forms.CharField(required=False, max_length=12, label="DVA file number",
                                      widget=forms.TextInput(attrs={"placeholder": "NX123456"}))
    emergency_contact_phone = forms.CharField(
        required=False, max_length=24, label="Emergency contact phone",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
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
        # Forms written before gender was asked (and imports) leave it "Not stated".
        self.fields["gender"].required = False
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
        if self.instance.pk and not self.is_bound:
            if self.instance.mobile:
                self.initial["mobile"] = display_phone(self.instance.mobile)
            if self.instance.emergency_contact_phone:
                self.initial["emergency_contact_phone"] = display_phone(
                    self.instance.emergency_contact_phone)
            if self.instance.medicare_number:
                self.initial["medicare_number"] = self.instance.medicare_display.split(" / ")[0]

    def clean_gender(self):
        return self.cleaned_data.get("gender") or Gender.NOT_STATED

    def clean_medicare_number(self):
        return normalise_medicare_number(self.cleaned_data.get("medicare_number", ""))

    def clean_dva_file_number(self):
        return normalise_dva_file_number(self.cleaned_data.get("dva_file_number", ""))

    def clean_emergency_contact_phone(self):
        return to_e164(self.cleaned_data.get("emergency_contact_phone", ""))

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
