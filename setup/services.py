"""Writes behind the Settings pages. Each runs in one transaction and writes an audit row naming
the admin who made the change."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.roles import CLINICIAN
from audit import services as audit
from clinics.models import Clinic, Clinician, OpeningHours, ProviderNumber
from messaging.models import ReminderRule, SMSTemplate
from scheduling.models import AppointmentTypePrice

# A reminder that asks for nothing back: right for a clinic whose gateway cannot take replies
# (no dedicated number). A clinic with a reply number gets the Y/N template when one exists.
DEFAULT_REMINDER_NAME = "Appointment reminder"
DEFAULT_REMINDER_BODY = ("Hi {first_name}, this is a reminder of your appointment with {clinician} "
                         "at {clinic} on {date} at {time}. To change it please call "
                         "{clinic_phone}.")


def _changes(form) -> dict:
    return {name: str(form.cleaned_data.get(name)) for name in form.changed_data
            if name in form.cleaned_data}


@transaction.atomic
def save_practice(form, *, actor):
    created = form.instance.pk is None
    practice = form.save()
    audit.record(actor, "create" if created else "update", practice,
                 f"Practice details {'set' if created else 'changed'}", _changes(form))
    return practice


def default_reminder_template() -> SMSTemplate:
    template = (SMSTemplate.objects.filter(is_reminder=True, active=True, name=DEFAULT_REMINDER_NAME)
                .first())
    if template is None:
        template, _ = SMSTemplate.objects.get_or_create(
            name=DEFAULT_REMINDER_NAME,
            defaults={"body": DEFAULT_REMINDER_BODY, "is_reminder": True, "active": True})
    return template


@transaction.atomic
def save_clinic(form, hours_formset, *, actor) -> Clinic:
    """The clinic and its opening hours. A new clinic gets a reminder the day before at 9:00 in
    its own time zone (the reminder sweep works in each clinic's zone)."""
    created = form.instance.pk is None
    clinic = form.save()
    wanted = {}
    for day in hours_formset.cleaned_data:
        if day.get("is_open"):
            wanted[day["weekday"]] = (day["opens"], day["closes"])
    existing = {h.weekday: h for h in clinic.opening_hours.all()}
    for weekday, row in existing.items():
        if weekday not in wanted:
            row.delete()
    for weekday, (opens, closes) in wanted.items():
        row = existing.get(weekday)
        if row is None:
            OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=opens,
                                        closes=closes)
        elif (row.opens, row.closes) != (opens, closes):
            row.opens, row.closes = opens, closes
            row.save()
    changes = _changes(form)
    if hours_formset.has_changed():
        changes["opening_hours"] = ", ".join(
            f"{w}: {o:%H:%M}-{c:%H:%M}" for w, (o, c) in sorted(wanted.items())) or "closed"
    if created:
        ReminderRule.objects.create(clinic=clinic, kind=ReminderRule.Kind.DAY_BEFORE,
                                    send_at="09:00", template=default_reminder_template())
    audit.record(actor, "create" if created else "update", clinic,
                 f"Clinic {clinic.short_name} {'added' if created else 'changed'}", changes)
    return clinic


def _sync_per_clinic(rows, wanted: dict, attr: str, create) -> None:
    """Make the per-clinic rows (provider numbers, prices) match `wanted` {clinic_id: value};
    a blank value (None or "") removes the clinic's row, so the general value applies."""
    existing = {row.clinic_id: row for row in rows}
    for clinic_id, value in wanted.items():
        row = existing.get(clinic_id)
        blank = value is None or value == ""
        if blank and row is not None:
            row.delete()
        elif not blank and row is None:
            create(clinic_id, value)
        elif not blank and getattr(row, attr) != value:
            setattr(row, attr, value)
            row.save()


@transaction.atomic
def save_clinician(form, *, actor) -> Clinician:
    clinician = form.save(commit=False)
    user = clinician.user
    user.first_name = form.cleaned_data["first_name"]
    user.last_name = form.cleaned_data.get("last_name", "")
    user.save()
    clinician.save()
    form.save_m2m()
    _sync_per_clinic(clinician.provider_numbers.all(), form.provider_numbers(), "number",
                     lambda clinic_id, number: ProviderNumber.objects.create(
                         clinician=clinician, clinic_id=clinic_id, number=number))
    audit.record(actor, "update", clinician, f"Clinician {clinician.display_name} changed",
                 _changes(form))
    return clinician


@transaction.atomic
def save_appointment_type(form, *, actor):
    created = form.instance.pk is None
    appointment_type = form.save()
    _sync_per_clinic(appointment_type.clinic_prices.all(), form.clinic_prices(), "price",
                     lambda clinic_id, price: AppointmentTypePrice.objects.create(
                         appointment_type=appointment_type, clinic_id=clinic_id, price=price))
    audit.record(actor, "create" if created else "update", appointment_type,
                 f"Appointment type {appointment_type.name} {'added' if created else 'changed'}",
                 _changes(form))
    return appointment_type


def invitation_link(request, user: User) -> str:
    """A one-time link: the token is made from the password hash and last login, so it stops
    working once the password is set (and after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return request.build_absolute_uri(reverse("setup:accept_invite", args=[uid, token]))


def send_invitation(request, user: User, *, actor) -> None:
    practice_name = "Walk Easy"
    link = invitation_link(request, user)
    send_mail(
        subject=f"You're invited to {practice_name}'s clinic system",
        message=(f"Hi {user.first_name},\n\n{actor.get_full_name() or actor.email} has invited you "
                 f"to {practice_name}'s clinic system as {user.get_role_display().lower()}.\n\n"
                 f"Choose your password here (the link works once):\n{link}\n\n"
                 f"Then log in with this email address: {user.email}\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email])
    audit.record(actor, "other", user, f"Invitation sent to {user.email}")


@transaction.atomic
def invite_staff(request, form, *, actor) -> User:
    data = form.cleaned_data
    user = User.objects.create_user(data["email"], password=None, first_name=data["first_name"],
                                    last_name=data.get("last_name", ""), role=data["role"],
                                    home_clinic=data["home_clinic"])
    if data["role"] == CLINICIAN:
        clinician = Clinician.objects.create(user=user)
        clinician.clinics.set(data.get("clinics") or [data["home_clinic"]])
    audit.record(actor, "create", user, f"Staff member {user.email} invited as {user.role}")
    transaction.on_commit(lambda: send_invitation(request, user, actor=actor))
    return user


@transaction.atomic
def save_staff(form, *, actor) -> User:
    user = form.save()
    audit.record(actor, "update", user, f"Staff member {user.email} changed", _changes(form))
    return user


@transaction.atomic
def set_staff_active(user: User, active: bool, *, actor) -> User:
    """Deactivate, never delete: their name stays on the appointments and notes they made."""
    if user.pk == actor.pk and not active:
        from ncc.errors import DomainError
        raise DomainError("You can't deactivate yourself; ask another admin.")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if hasattr(user, "clinician"):
        user.clinician.active = active
        user.clinician.save(update_fields=["active"])
    audit.record(actor, "update", user,
                 f"Staff member {user.email} {'reactivated' if active else 'deactivated'}")
    return user
