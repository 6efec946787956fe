"""Forms of the Settings pages. They check input and say what is wrong beside the field; the
writes that span rows happen in setup.services."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.roles import ROLE_CHOICES
from clinics.models import WEEKDAY_CHOICES, Clinic, Clinician, Practice, provider_number_validator
from ncc.phones import display as display_phone
from ncc.phones import to_e164
from scheduling.models import AppointmentType


class ColourInput(forms.TextInput):
    input_type = "color"


class UpperCharField(forms.CharField):
    """Provider numbers and codes: typed in any case, checked and stored in capitals."""

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class PhoneFieldMixin:
    """A phone typed the way people write it (02 9231 4455), stored in E.164."""

    phone_fields = ("phone",)

    def _show_phones(self):
        for name in self.phone_fields:
            value = getattr(self.instance, name, "")
            if value:
                self.initial[name] = display_phone(value)

    def clean_phone(self):
        return to_e164(self.cleaned_data.get("phone", ""))


class PracticeForm(PhoneFieldMixin, forms.ModelForm):
    phone = forms.CharField(required=False, help_text="e.g. 02 9231 4455")

    class Meta:
        model = Practice
        fields = ["name", "legal_name", "abn", "logo", "email", "phone", "website",
                  "invoice_terms", "receipt_note"]
        widgets = {"logo": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._show_phones()

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 2 * 1024 * 1024:
            raise ValidationError("The logo is larger than 2 MB; save a smaller PNG or JPEG.")
        return logo


class ClinicForm(PhoneFieldMixin, forms.ModelForm):
    phone = forms.CharField(required=False, help_text="e.g. 02 9231 4455")

    class Meta:
        model = Clinic
        fields = ["name", "short_name", "address_line", "suburb", "state", "postcode", "phone",
                  "email", "time_zone", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._show_phones()


class DayHoursForm(forms.Form):
    """One weekday of a clinic's opening hours: closed, or open from .. to."""

    weekday = forms.TypedChoiceField(choices=WEEKDAY_CHOICES, coerce=int, widget=forms.HiddenInput)
    is_open = forms.BooleanField(required=False, label="Open")
    opens = forms.TimeField(required=False, label="Opens",
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closes = forms.TimeField(required=False, label="Closes",
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):
        data = super().clean()
        if data.get("is_open"):
            opens, closes = data.get("opens"), data.get("closes")
            if opens is None:
                self.add_error("opens", "When does it open?")
            if closes is None:
                self.add_error("closes", "When does it close?")
            if opens and closes and closes <= opens:
                self.add_error("closes", "Closing time must be after opening time.")
        return data

    @property
    def day_name(self) -> str:
        return dict(WEEKDAY_CHOICES)[int(self.initial.get("weekday", self.data.get(
            f"{self.prefix}-weekday", 0)))]


DayHoursFormSet = forms.formset_factory(DayHoursForm, extra=0, min_num=7, max_num=7,
                                        validate_min=True, validate_max=True)


def opening_hours_formset(clinic: Clinic | None, data=None) -> forms.BaseFormSet:
    hours = {h.weekday: h for h in clinic.opening_hours.all()} if clinic and clinic.pk else {}
    initial = []
    for weekday, _name in WEEKDAY_CHOICES:
        h = hours.get(weekday)
        initial.append({"weekday": weekday, "is_open": h is not None,
                        "opens": h.opens if h else None, "closes": h.closes if h else None})
    return DayHoursFormSet(data=data, initial=initial, prefix="hours")


class ClinicianForm(forms.ModelForm):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80, required=False)

    class Meta:
        model = Clinician
        fields = ["title", "profession", "colour", "clinics", "provider_number", "active",
                  "display_order"]
        widgets = {"colour": ColourInput(), "clinics": forms.CheckboxSelectMultiple}
        labels = {"provider_number": "Provider number (all clinics)",
                  "display_order": "Column order in the book"}
        field_classes = {"provider_number": UpperCharField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic_list = list(Clinic.objects.filter(active=True))
        self.fields["clinics"].queryset = Clinic.objects.filter(active=True)
        self.fields["clinics"].required = False
        self.fields["first_name"].initial = self.instance.user.first_name
        self.fields["last_name"].initial = self.instance.user.last_name
        numbers = {p.clinic_id: p.number for p in self.instance.provider_numbers.all()}
        for clinic in self.clinic_list:
            self.fields[f"provider_{clinic.pk}"] = UpperCharField(
                label=f"Provider number at {clinic.short_name}", max_length=8, required=False,
                validators=[provider_number_validator], initial=numbers.get(clinic.pk, ""),
                help_text="Blank: the number for all clinics is used.")

    def provider_fields(self):
        return [self[f"provider_{c.pk}"] for c in self.clinic_list]

    def provider_numbers(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"provider_{c.pk}", "") for c in self.clinic_list}


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = ["name", "duration_minutes", "colour", "price", "tax_treatment", "item_number",
                  "clinicians", "active"]
        widgets = {"colour": ColourInput(), "clinicians": forms.CheckboxSelectMultiple}
        labels = {"price": "Standard price", "clinicians": "Who may be booked for it"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinicians"].queryset = (Clinician.objects.filter(active=True)
                                              .select_related("user"))
        self.fields["price"].help_text = ("AUD, including GST where GST applies. Used at every "
                                          "clinic without a price of its own.")
        self.clinic_list = list(Clinic.objects.filter(active=True))
        prices = ({p.clinic_id: p.price for p in self.instance.clinic_prices.all()}
                  if self.instance.pk else {})
        for clinic in self.clinic_list:
            self.fields[f"price_{clinic.pk}"] = forms.DecimalField(
                label=f"Price at {clinic.short_name}", required=False, max_digits=8,
                decimal_places=2, min_value=Decimal("0.00"), initial=prices.get(clinic.pk),
                help_text="Blank: the standard price.")

    def price_fields(self):
        return [self[f"price_{c.pk}"] for c in self.clinic_list]

    def clinic_prices(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"price_{c.pk}") for c in self.clinic_list}


class InviteForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80, required=False)
    email = forms.EmailField(help_text="The invitation goes here; it is also their login.")
    role = forms.ChoiceField(choices=ROLE_CHOICES)
    home_clinic = forms.ModelChoiceField(queryset=Clinic.objects.filter(active=True),
                                         help_text="The clinic the book opens on.")
    clinics = forms.ModelMultipleChoiceField(
        queryset=Clinic.objects.filter(active=True), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Clinicians: the clinics they see patients at.")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("Someone on the staff list already has this email address.")
        return email


class StaffForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "role", "home_clinic"]

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        self.fields["home_clinic"].queryset = Clinic.objects.filter(active=True)

    def clean_role(self):
        role = self.cleaned_data["role"]
        if (self.acting_user and self.instance.pk == self.acting_user.pk
                and role != self.instance.role):
            raise ValidationError("You can't change your own role; ask another admin.")
        return role


DAYS = WEEKDAY_CHOICES


class RosterForm(forms.Form):
    """A week (or an A/B fortnight) of spans per day, typed as '8:30–12:30, 1:30–5:00'."""

    pattern = forms.ChoiceField(choices=[("every", "Same hours every week"),
                                         ("alternate", "Alternating weeks (A and B)")],
                                widget=forms.RadioSelect, initial="every")

    def __init__(self, *args, rows=(), defaults=None, **kwargs):
        super().__init__(*args, **kwargs)
        from scheduling.roster import format_spans
        spans: dict = {}
        for r in rows:
            spans.setdefault((r.week, r.weekday), []).append((r.starts, r.ends))
        if not rows and defaults:
            spans = {(0, d): [hours] for d, hours in defaults.items()}
        if any(week for week, _d in spans):
            self.fields["pattern"].initial = "alternate"
        for week, label in ((0, "Every week"), (1, "Week A"), (2, "Week B")):
            for d, day in DAYS:
                self.fields[f"w{week}_d{d}"] = forms.CharField(
                    label=f"{day} ({label})", required=False, max_length=120,
                    initial=format_spans(sorted(spans.get((week, d), []))),
                    widget=forms.TextInput(attrs={"placeholder": "not working",
                                                  "autocomplete": "off"}))

    def rows(self):
        """[(day name, every-week field, week A field, week B field)] for the template."""
        return [(day, self[f"w0_d{d}"], self[f"w1_d{d}"], self[f"w2_d{d}"]) for d, day in DAYS]

    def clean(self):
        from scheduling.roster import parse_spans
        data = super().clean()
        weeks = (1, 2) if data.get("pattern") == "alternate" else (0,)
        self.spans = {}
        for week in weeks:
            for d, _day in DAYS:
                name = f"w{week}_d{d}"
                try:
                    self.spans[(week, d)] = parse_spans(data.get(name, ""))
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class TimeOffForm(forms.Form):
    starts = forms.DateTimeField(label="From", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends = forms.DateTimeField(label="Until", widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(max_length=120, help_text="Leave, training, conference…",
                             widget=forms.TextInput(attrs={"list": "time-off-reasons"}))

    def clean(self):
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", "The time off must end after it starts.")
        return data
