"""The user's own account: password, two-factor login, and the second step of logging in."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from audit.models import AuditEvent
from audit.services import record
from ncc.safety import safe_next

from . import two_factor


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autofocus": True}),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.")


def notify_password_changed(request, user) -> None:
    """An email to the account's address: a change the owner did not make is then noticed."""
    send_mail(
        "Your Nexus Core Clinic password was changed",
        f"Hello {user.first_name},\n\nThe password of your Nexus Core Clinic account "
        f"({user.email}) was just changed. If that was not you, tell the practice owner at once "
        "so they can lock the account.\n",
        None, [user.email])
    record(user, AuditEvent.Action.UPDATE, user, "Changed their password")


def account(request):
    """The user's own page: password, two-factor login and recovery codes."""
    user = request.user
    return render(request, "accounts/account.html", {
        "enrolled": two_factor.has_confirmed_device(user),
        "required": two_factor.two_factor_required(user),
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        notify_password_changed(self.request, form.user)
        messages.success(self.request, "Your password is changed; we emailed you to say so.")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        notify_password_changed(self.request, form.user)
        return response


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """At most PASSWORD_RESET_PER_HOUR emails per address typed and per client address: a
    script cannot flood a colleague's inbox. The page answers the same either way (it never says
    whether an account exists)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].lower()
        keys = [f"pwreset:email:{email}", f"pwreset:ip:{self.request.META.get('REMOTE_ADDR')}"]
        limit = settings.PASSWORD_RESET_PER_HOUR
        for key in keys:
            cache.add(key, 0, 3600)
        if any(cache.incr(key) > limit for key in keys):
            return redirect(self.get_success_url())
        return super().form_valid(form)


def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code, type a code to confirm; the recovery codes
    are shown once, then."""
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "remove":
        if two_factor.two_factor_required(user):
            messages.error(request, "Your role needs two-factor login; set up a new app instead "
                                    "of removing it.")
        else:
            two_factor.remove_two_factor(user, actor=user)
            messages.success(request, "Two-factor login is off for your account.")
        return redirect("accounts:account")
    device = two_factor.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_totp(user, form.cleaned_data["code"])
        if codes is None:
            form.add_error("code", "That code does not match; type the code your app shows now.")
        else:
            confirmed = user.totpdevice_set.get(confirmed=True)
            otp_login(request, confirmed)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "next": safe_next(request, request.GET.get("next"),
                                                             reverse("home"))})
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": two_factor.qr_svg(device), "secret": _base32(device),
        "required": two_factor.two_factor_required(user),
        "enrolled": two_factor.has_confirmed_device(user),
    })


def _base32(device) -> str:
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def verify(request):
    """The second step of logging in: a code from the app or a recovery code."""
    form = CodeForm(request.POST or None)
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"),
                         reverse("home"))
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"].replace(" ", ""))
        if device is None:
            record(request.user, AuditEvent.Action.LOGIN_FAILED, request.user,
                   "Wrong two-factor code")
            form.add_error("code", "That code is not right (or was used already). Try the code "
                                   "your app shows now.")
        else:
            otp_login(request, device)
            record(request.user, AuditEvent.Action.MFA, request.user,
                   f"Passed two-factor login ({device.name})")
            return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


@require_POST
def new_recovery_codes(request):
    if not two_factor.has_confirmed_device(request.user):
        return redirect("accounts:two_factor")
    codes = two_factor.new_recovery_codes(request.user)
    record(request.user, AuditEvent.Action.MFA, request.user, "Made new recovery codes")
    return render(request, "accounts/recovery_codes.html",
                  {"codes": codes, "next": reverse("accounts:account")})
