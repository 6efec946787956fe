from django import forms
from django.conf import settings

from .models import QUESTION_KINDS, NoteTemplate


class StartNoteForm(forms.Form):
    template = forms.ModelChoiceField(queryset=NoteTemplate.objects.filter(active=True),
                                      empty_label=None, widget=forms.RadioSelect)
    carry_forward = forms.BooleanField(
        required=False, label="Carry forward the answers of this patient's previous note",
        help_text="Copies answers to the same questions; change what is different today.")

    def __init__(self, *args, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Note

        self.has_previous = patient is not None and Note.objects.filter(patient=patient).exists()
        if not self.has_previous:
            del self.fields["carry_forward"]
        else:
            self.fields["carry_forward"].initial = True
            last = Note.objects.filter(patient=patient).order_by("-occurred_at").first()
            if last and last.template_id:
                self.fields["template"].initial = last.template_id

    def clean(self):
        data = super().clean()
        data.setdefault("carry_forward", False)
        return data


class AddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", max_length=10_000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Write the addendum first."})


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Photo or document",
        help_text=f"JPEG, PNG, WebP or PDF, up to "
                  f"{settings.CLINICAL_ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,"
                                                         "application/pdf"}))
    description = forms.CharField(required=False, max_length=200,
                                  widget=forms.TextInput(attrs={"placeholder": "e.g. Left "
                                                                "hallux ulcer, week 3"}))


class ReferrerForm(forms.ModelForm):
    phone = forms.CharField(required=False, max_length=24)
    fax = forms.CharField(required=False, max_length=24)

    class Meta:
        from .models import Referrer

        model = Referrer
        fields = ["name", "kind", "specialty", "provider_number", "practice", "address", "phone",
                  "fax", "email", "active"]

    def clean_phone(self):
        from ncc.phones import to_e164

        return to_e164(self.cleaned_data.get("phone", ""))

    def clean_fax(self):
        from ncc.phones import to_e164

        return to_e164(self.cleaned_data.get("fax", ""))

    def clean_provider_number(self):
        import re

        from django.core.exceptions import ValidationError

        value = self.cleaned_data.get("provider_number", "").strip().upper().replace(" ", "")
        if value and not re.fullmatch(r"\d{5,6}[0-9A-Z][A-Z]", value):
            raise ValidationError("A Medicare provider number looks like 2426011A.")
        return value


class ReferralForm(forms.ModelForm):
    class Meta:
        from .models import Referral

        model = Referral
        fields = ["kind", "referrer", "issued_on", "expires_on", "visits_allowed", "reference",
                  "notes"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Referrer

        self.fields["referrer"].queryset = Referrer.objects.filter(active=True)

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date is before the referral's date.")
        return data


class LetterForm(forms.ModelForm):
    class Meta:
        from .models import Letter

        model = Letter
        fields = ["recipient_name", "recipient_email", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}


class TemplateForm(forms.ModelForm):
    class Meta:
        model = NoteTemplate
        fields = ["name", "description", "active"]


class QuestionRowForm(forms.Form):
    """One question of a template; rows with the same section title form that section."""

    key = forms.CharField(required=False, widget=forms.HiddenInput)
    section = forms.CharField(max_length=80, required=False)
    label = forms.CharField(max_length=120, required=False)
    kind = forms.ChoiceField(choices=QUESTION_KINDS)
    options = forms.CharField(required=False, max_length=1000, help_text="Comma-separated",
                              widget=forms.TextInput(attrs={"placeholder": "Yes, No"}))
    unit = forms.CharField(required=False, max_length=12)
    per_foot = forms.BooleanField(required=False, label="Left / right")
    help = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if not data.get("label"):
            return data
        if not data.get("section"):
            self.add_error("section", "Which section is this question in?")
        options = [o.strip() for o in data.get("options", "").split(",") if o.strip()]
        if data.get("kind") in ("choice", "checkboxes") and len(options) < 2:
            self.add_error("options", "List at least two options, separated by commas.")
        data["options"] = options
        return data


QuestionFormSet = forms.formset_factory(QuestionRowForm, extra=4, can_delete=True, max_num=120)
