"""Settings pages: thin views over setup.forms and setup.services. Admins only."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from clinics.models import Clinic, Clinician, Practice
from ncc.errors import DomainError
from scheduling import roster as roster_services
from scheduling.models import AppointmentType, RosterWeek, TimeOff, WorkingHours, roster_week_of

from . import forms, services
from .permissions import require_settings_access


def admin_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_settings_access(request.user)
        return view(request, *args, **kwargs)
    return wrapped


def _crumbs(*pairs):
    return [{"label": label, "url": url} for label, url in pairs]


SETTINGS = ("Settings", reverse_lazy("settings:index"))


@admin_only
def practice(request):
    instance = Practice.current() or Practice()
    form = forms.PracticeForm(request.POST or None, request.FILES or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.save_practice(form, actor=request.user)
        messages.success(request, "Practice details saved.")
        return redirect("setup:practice")
    return render(request, "setup/simple_form.html", {
        "form": form, "title": "Practice", "crumbs": _crumbs(SETTINGS), "multipart": True})


# Clinics --------------------------------------------------------------------------------------

@admin_only
@require_GET
def clinic_list(request):
    clinics = (Clinic.objects.annotate(n_clinicians=Count("clinicians", distinct=True))
               .prefetch_related("opening_hours"))
    return render(request, "setup/clinic_list.html", {
        "clinics": clinics, "title": "Clinics", "crumbs": _crumbs(SETTINGS)})


@admin_only
def clinic_edit(request, pk=None):
    clinic = get_object_or_404(Clinic, pk=pk) if pk else Clinic()
    form = forms.ClinicForm(request.POST or None, instance=clinic)
    hours = forms.opening_hours_formset(clinic, request.POST or None)
    if request.method == "POST" and form.is_valid() and hours.is_valid():
        saved = services.save_clinic(form, hours, actor=request.user)
        messages.success(request, f"{saved.short_name} saved." + (
            "" if pk else " It sends a reminder the day before each appointment at 9:00 am, "
                          "clinic time (Settings → Reminders)."))
        return redirect("setup:clinics")
    return render(request, "setup/clinic_form.html", {
        "form": form, "hours": hours, "clinic": clinic,
        "title": clinic.name if pk else "New clinic",
        "crumbs": _crumbs(SETTINGS, ("Clinics", reverse("setup:clinics")))})


# Clinicians -----------------------------------------------------------------------------------

@admin_only
@require_GET
def clinician_list(request):
    clinicians = (Clinician.objects.select_related("user")
                  .prefetch_related("clinics", "provider_numbers__clinic"))
    return render(request, "setup/clinician_list.html", {
        "clinicians": clinicians, "title": "Clinicians", "crumbs": _crumbs(SETTINGS),
        "roster_url_name": "setup:roster"})


@admin_only
def clinician_edit(request, pk):
    clinician = get_object_or_404(Clinician.objects.select_related("user"), pk=pk)
    form = forms.ClinicianForm(request.POST or None, instance=clinician)
    if request.method == "POST" and form.is_valid():
        services.save_clinician(form, actor=request.user)
        messages.success(request, f"{clinician.display_name} saved.")
        return redirect("setup:clinicians")
    return render(request, "setup/clinician_form.html", {
        "form": form, "clinician": clinician, "title": clinician.display_name,
        "roster_url_name": "setup:roster",
        "crumbs": _crumbs(SETTINGS, ("Clinicians", reverse("setup:clinicians")))})


# Appointment types ----------------------------------------------------------------------------

@admin_only
@require_GET
def type_list(request):
    types = AppointmentType.objects.prefetch_related("clinic_prices__clinic",
                                                     "clinicians__user")
    return render(request, "setup/type_list.html", {
        "types": types, "title": "Appointment types", "crumbs": _crumbs(SETTINGS)})


@admin_only
def type_edit(request, pk=None):
    instance = get_object_or_404(AppointmentType, pk=pk) if pk else AppointmentType()
    return _edit(request, forms.AppointmentTypeForm, instance, services.save_appointment_type,
                 "setup/type_form.html", "New appointment type", ("Appointment types", "setup:types"))


def _edit(request, form_class, instance, save, template, new_title, parent):
    """Add or change one row: the form beside its errors, or saved and back to the list."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = save(form, actor=request.user)
        messages.success(request, f"{saved.name} saved.")
        return redirect(parent[1])
    return render(request, template, {
        "form": form, "title": instance.name if instance.pk else new_title,
        "crumbs": _crumbs(SETTINGS, (parent[0], reverse(parent[1])))})


# Staff ----------------------------------------------------------------------------------------

@admin_only
@require_GET
def staff_list(request):
    show = request.GET.get("show", "active")
    staff = User.objects.select_related("home_clinic").prefetch_related(
        Prefetch("clinician__clinics"))
    if show != "all":
        staff = staff.filter(is_active=show != "inactive")
    return render(request, "setup/staff_list.html", {
        "staff": staff, "show": show, "title": "Staff", "crumbs": _crumbs(SETTINGS),
        "counts": User.objects.aggregate(active=Count("pk", filter=Q(is_active=True)),
                                         inactive=Count("pk", filter=Q(is_active=False)))})


@admin_only
def staff_invite(request):
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.invite_staff(request, form, actor=request.user)
        messages.success(request, f"Invitation sent to {user.email}. The link in it works once.")
        return redirect("setup:staff")
    return render(request, "setup/simple_form.html", {
        "form": form, "title": "Invite a member of staff", "submit": "Send invitation",
        "crumbs": _crumbs(SETTINGS, ("Staff", reverse("setup:staff")))})


@admin_only
def staff_edit(request, pk):
    member = get_object_or_404(User, pk=pk)
    form = forms.StaffForm(request.POST or None, instance=member, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        services.save_staff(form, actor=request.user)
        messages.success(request, f"{member.get_full_name()} saved.")
        return redirect("setup:staff")
    return render(request, "setup/staff_form.html", {
        "form": form, "member": member, "title": member.get_full_name() or member.email,
        "crumbs": _crumbs(SETTINGS, ("Staff", reverse("setup:staff")))})


@admin_only
@require_POST
def staff_active(request, pk):
    member = get_object_or_404(User, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_staff_active(member, active, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{member.get_full_name()} "
                                  f"{'can log in again' if active else 'can no longer log in'}.")
    return redirect("setup:staff_edit", pk=member.pk)


@admin_only
@require_POST
def staff_reinvite(request, pk):
    member = get_object_or_404(User, pk=pk, is_active=True)
    if member.has_usable_password():
        messages.error(request, f"{member.get_full_name()} has already set a password.")
    else:
        services.send_invitation(request, member, actor=request.user)
        messages.success(request, f"A new invitation went to {member.email}.")
    return redirect("setup:staff_edit", pk=member.pk)


class AcceptInviteView(auth_views.PasswordResetConfirmView):
    """The invitation link: the new member of staff chooses a password (once)."""

    template_name = "setup/accept_invite.html"
    success_url = reverse_lazy("setup:invite_accepted")
    post_reset_login = False


accept_invite = login_not_required(AcceptInviteView.as_view())


@login_not_required
def invite_accepted(request):
    messages.success(request, "Your password is set. Log in with your email address.")
    return redirect("accounts:login")


# Rosters and time off -------------------------------------------------------------------------

@admin_only
def roster(request, pk):
    clinician = get_object_or_404(Clinician.objects.select_related("user"), pk=pk)
    clinics = list(clinician.clinics.filter(active=True))
    if not clinics:
        messages.error(request, f"Choose the clinics {clinician.display_name} works at first.")
        return redirect("setup:clinician_edit", pk=pk)
    clinic = next((c for c in clinics if str(c.pk) == request.GET.get("clinic")), clinics[0])
    rows = list(WorkingHours.objects.filter(clinician=clinician, clinic=clinic))
    has_any = rows or WorkingHours.objects.filter(clinician=clinician).exists()
    defaults = None if has_any else {h.weekday: (h.opens, h.closes)
                                     for h in clinic.opening_hours.all()}
    form = forms.RosterForm(request.POST or None, rows=rows, defaults=defaults)
    orphans = []
    if request.method == "POST" and form.is_valid():
        try:
            roster_services.set_roster(clinician, clinic, form.spans, actor=request.user,
                                       confirm=request.POST.get("confirm") == "1")
        except roster_services.RosterError as exc:
            orphans = exc.orphans
            messages.warning(request, exc.message)
        else:
            messages.success(request, f"Roster of {clinician.display_name} at "
                                      f"{clinic.short_name} saved; the book shows it now.")
            return redirect(f"{reverse('setup:roster', args=[pk])}?clinic={clinic.pk}")
    return render(request, "setup/roster.html", {
        "clinician": clinician, "clinics": clinics, "clinic": clinic, "form": form,
        "orphans": orphans, "uses_opening_hours": not has_any,
        "time_off": [(t, roster_services.describe_time_off(t, clinic.tz)) for t in
                     roster_services.upcoming_time_off(clinician, timezone.localdate())],
        "time_off_form": forms.TimeOffForm(), "title": f"Roster: {clinician.display_name}",
        "week_now": RosterWeek(roster_week_of(timezone.localdate())).label,
        "crumbs": _crumbs(SETTINGS, ("Clinicians", reverse("setup:clinicians")))})


@admin_only
@require_POST
def time_off_add(request, pk):
    clinician = get_object_or_404(Clinician.objects.select_related("user"), pk=pk)
    clinic = clinician.clinics.filter(pk=request.POST.get("clinic")).first() or \
        clinician.clinics.first()
    with timezone.override(clinic.tz):  # times typed are the clinic's wall clock
        form = forms.TimeOffForm(request.POST)
        valid = form.is_valid()
    orphans = []
    if valid:
        try:
            roster_services.add_time_off(clinician, starts_at=form.cleaned_data["starts"],
                                         ends_at=form.cleaned_data["ends"],
                                         reason=form.cleaned_data["reason"], actor=request.user,
                                         confirm=request.POST.get("confirm") == "1")
        except roster_services.RosterError as exc:
            orphans = exc.orphans
            messages.warning(request, exc.message)
        else:
            messages.success(request, "Time off saved; the book shades it.")
            return redirect(f"{reverse('setup:roster', args=[pk])}?clinic={clinic.pk}")
    return render(request, "setup/time_off_form.html", {
        "clinician": clinician, "clinic": clinic, "form": form, "orphans": orphans,
        "title": f"Time off: {clinician.display_name}",
        "crumbs": _crumbs(SETTINGS, ("Clinicians", reverse("setup:clinicians")),
                          ("Roster", f"{reverse('setup:roster', args=[pk])}?clinic={clinic.pk}"))})


@admin_only
@require_POST
def time_off_remove(request, pk):
    away = get_object_or_404(TimeOff.objects.select_related("clinician__user"), pk=pk)
    roster_services.remove_time_off(away, actor=request.user)
    messages.success(request, "Time off removed.")
    return redirect("setup:roster", pk=away.clinician_id)
