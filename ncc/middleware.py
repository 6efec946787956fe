"""Response rules for every request: patient data is never cached, and the API says 503 in JSON
when the database is away."""

import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

DB_DOWN = (OperationalError, InterfaceError)


class NoStoreMiddleware:
    """Cache-Control: no-store on every signed-in page and every API answer: patient data must
    not stay in a browser's or proxy's cache on a shared reception computer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


def _remember_exception(sender, request=None, **kwargs):
    if request is not None:
        request._ncc_exception = sys.exc_info()[1]


got_request_exception.connect(_remember_exception, dispatch_uid="ncc.remember_exception")


class DatabaseUnavailableMiddleware:
    """Outermost: an answer that became a 500 because the database could not be reached (down,
    restarting, out of connections) is a 503 with Retry-After, in JSON for the API, so clients
    retry instead of reporting a bug."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and isinstance(getattr(request, "_ncc_exception", None),
                                                       DB_DOWN):
            if request.path.startswith("/api/"):
                response = JsonResponse({"detail": "The database is unavailable; try again in a "
                                                   "minute.", "code": "database_unavailable"},
                                        status=503)
            else:
                response = HttpResponse("<h1>Nexus Core Clinic is briefly unavailable</h1>"
                                        "<p>The database cannot be reached. Try again in a "
                                        "minute.</p>", status=503)
            response["Retry-After"] = "30"
        return response
