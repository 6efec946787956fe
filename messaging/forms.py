from django import forms

from clinics.models import Clinic
from ncc.phones import to_mobile_e164

from .models import ClinicSMSSettings, ReminderRule, SMSMessage, SMSStatus, SMSTemplate


class SendForm(forms.Form):
    template = forms.ModelChoiceField(
        SMSTemplate.objects.filter(active=True), required=False, empty_label="— write your own —",
        label="Start from a template")
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={
        "rows": 4, "data-sms-counter": "", "maxlength": 1000}))


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *SMSStatus.choices])
    direction = forms.ChoiceField(required=False, choices=[
        ("", "Sent and received"), *SMSMessage.Direction.choices])
    clinic = forms.ModelChoiceField(Clinic.objects.filter(active=True), required=False,
                                    empty_label="All clinics")
    date_from = forms.DateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))


class ClinicSMSSettingsForm(forms.ModelForm):
    class Meta:
        model = ClinicSMSSettings
        fields = ["enabled", "sender", "reply_number", "segment_limit", "quiet_from",
                  "quiet_until", "no_reply_cancels", "low_balance_warning"]
        widgets = {"quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def clean_reply_number(self):
        raw = self.cleaned_data["reply_number"]
        return to_mobile_e164(raw) if raw else ""


class ReminderRuleForm(forms.ModelForm):
    class Meta:
        model = ReminderRule
        fields = ["kind", "send_at", "hours_before", "template", "excluded_types", "active"]
        widgets = {"send_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "excluded_types": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = SMSTemplate.objects.filter(active=True)


class SMSTemplateForm(forms.ModelForm):
    class Meta:
        model = SMSTemplate
        fields = ["name", "body", "is_reminder", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3, "data-sms-counter": ""})}
        help_texts = {"body": "Placeholders: {first_name} {clinic} {clinician} {date} {time} "
                              "{address} {clinic_phone}"}
