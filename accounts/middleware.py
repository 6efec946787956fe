"""Session limits and two-factor enforcement for every signed-in request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from .two_factor import has_confirmed_device, two_factor_required

LAST_SEEN = "ncc_last_seen"
STARTED = "ncc_started"
NO_DEVICE = "ncc_no_2fa_device"
# Pages a signed-in user reaches before the second factor: the factor itself and the way out.
OPEN_BEFORE_TWO_FACTOR = ("/accounts/two-factor/", "/accounts/verify/", "/accounts/logout/",
                          "/static/", "/healthz", "/readyz")


class SessionLimitsMiddleware:
    """Signs out a session idle for SESSION_IDLE_MINUTES, and any session older than
    SESSION_MAX_HOURS (the absolute lifetime), with a message on the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(STARTED) or now  # set at login (audit_hooks)
            last = session.get(LAST_SEEN) or now
            idle = now - last > settings.SESSION_IDLE_MINUTES * 60
            too_old = now - started > settings.SESSION_MAX_HOURS * 3600
            if idle or too_old:
                logout(request)
                messages.info(request, "You were signed out after "
                              + (f"{settings.SESSION_IDLE_MINUTES} minutes without activity."
                                 if idle else f"{settings.SESSION_MAX_HOURS} hours.")
                              + " Sign in again to carry on.")
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Your session has ended; sign in again.",
                                         "code": "session_expired"}, status=401)
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if now - last >= 30:  # write the session at most twice a minute
                session[LAST_SEEN] = now
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """A user who must use two-factor login (admins; everyone when the practice says so), or who
    has set it up, reaches nothing but the second-factor pages until they have passed it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not user.is_verified()
                and not request.path.startswith(OPEN_BEFORE_TWO_FACTOR)
                and (two_factor_required(user) or not request.session.get(NO_DEVICE))):
            enrolled = has_confirmed_device(user)
            if not enrolled and not two_factor_required(user):
                request.session[NO_DEVICE] = True  # asked once per session, not per request
            if enrolled or two_factor_required(user):
                target = "accounts:verify" if enrolled else "accounts:two_factor"
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Two-factor login is required: finish it in "
                                         "the browser first.", "code": "two_factor_required"},
                                        status=403)
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)
