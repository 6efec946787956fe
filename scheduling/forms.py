from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

from clinics.models import Clinician
from ncc.phones import to_mobile_e164
from patients.models import Patient

from .models import AppointmentType
from .queries import slot_minutes


class TypeSelect(forms.Select):
    """Options carry the default duration, so choosing a type sets the minutes (book.js)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-minutes"] = instance.duration_minutes
        return option


class WhenForm(forms.Form):
    """Date, start time and length of an appointment, in the clinic's zone."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages={"invalid": "Enter a date, e.g. 2026-03-02."})
    time = forms.TimeField(label="Start", widget=forms.TimeInput(format="%H:%M"),
                           input_formats=["%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p"],
                           error_messages={"invalid": "Enter a time like 09:15."})
    minutes = forms.IntegerField(label="Minutes", min_value=5, max_value=480,
                                 error_messages={"min_value": "At least 5 minutes.",
                                                 "max_value": "At most 8 hours."})
    clinician = forms.ModelChoiceField(queryset=Clinician.objects.none(), empty_label=None)
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none(),
                                              label="Type", widget=TypeSelect,
                                              empty_label=None)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["clinician"].queryset = (Clinician.objects.filter(clinics=clinic, active=True)
                                             .select_related("user"))
        self.fields["clinician"].label_from_instance = lambda c: c.display_name
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(active=True)
        self.fields["time"].widget.attrs.update({"type": "time", "step": slot_minutes() * 60})
        self.fields["minutes"].widget.attrs.update({"step": 5})

    def starts_at(self) -> datetime:
        d = self.cleaned_data
        return datetime.combine(d["date"], d["time"], tzinfo=self.clinic.tz)

    def ends_at(self) -> datetime:
        return self.starts_at() + timedelta(minutes=self.cleaned_data["minutes"])


class BookingForm(WhenForm):
    """A new booking: an existing patient (picked by search) or a new one typed in."""

    patient = forms.ModelChoiceField(queryset=Patient.objects.all(), required=False,
                                     widget=forms.HiddenInput)
    new_patient = forms.BooleanField(required=False, widget=forms.HiddenInput)
    first_name = forms.CharField(required=False, max_length=80)
    last_name = forms.CharField(required=False, max_length=80)
    date_of_birth = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter the date of birth as a date, e.g. 12/03/1980."})
    mobile = forms.CharField(required=False, max_length=24,
                             widget=forms.TextInput(attrs={"type": "tel",
                                                           "placeholder": "0412 345 678"}))
    email = forms.EmailField(required=False)
    repeat = forms.BooleanField(required=False, label="Repeat")
    every_weeks = forms.IntegerField(required=False, min_value=1, max_value=52, initial=1,
                                     label="Every (weeks)")
    times = forms.IntegerField(required=False, min_value=2, max_value=52, initial=6,
                               label="Times")

    field_order = ["patient", "clinician", "appointment_type", "date", "time", "minutes",
                   "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].input_formats = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]

    def clean_mobile(self):
        return to_mobile_e164(self.cleaned_data.get("mobile", ""))

    def clean(self):
        data = super().clean()
        if data.get("new_patient"):
            for name, label in (("first_name", "first name"), ("last_name", "last name"),
                                ("date_of_birth", "date of birth")):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, f"Enter the new patient's {label}.")
        elif not data.get("patient"):
            self.add_error("patient", "Choose a patient, or add a new one.")
        if data.get("repeat") and not (data.get("every_weeks") and data.get("times")):
            raise ValidationError("Say how often and how many times to repeat.")
        return data

    def new_patient_fields(self) -> dict:
        d = self.cleaned_data
        return {"first_name": d["first_name"].strip(), "last_name": d["last_name"].strip(),
                "date_of_birth": d["date_of_birth"], "mobile": d.get("mobile", ""),
                "email": (d.get("email") or "").lower(), "home_clinic": self.clinic}


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=200, label="Reason for cancelling",
        error_messages={"required": "Give a reason for cancelling."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Patient unwell",
                                      "list": "cancel-reasons"}))
