from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from ncc.safety import int_or_none

from .middleware import SESSION_KEY
from .models import Clinic


@require_POST
def switch_clinic(request):
    # Only a clinic the user works at (clinics.permissions); "abc" is no clinic at all.
    clinic = get_object_or_404(Clinic, pk=int_or_none(request.POST.get("clinic")), active=True,
                               pk__in=[c.pk for c in request.clinics])
    request.session[SESSION_KEY] = clinic.pk
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)
