"""Cloud Run's probes reach the container directly, over plain HTTP, with a Host header that is
not the site's name. This middleware, first in MIDDLEWARE, answers /healthz and /readyz before
ALLOWED_HOSTS checks, the HTTPS redirect, sessions or CSRF run, so a probe never gets a 400 or a
301 and never touches a session. Everything else passes through untouched."""

from . import views

PROBES = {"/healthz": views.healthz, "/readyz": views.readyz}


class ProbeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
