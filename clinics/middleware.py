from django.db.models import Exists, OuterRef

from .models import Clinic

SESSION_KEY = "clinic_id"


class CurrentClinicMiddleware:
    """Sets request.clinic: the clinic chosen in the switcher, else the user's home clinic, always
    one the user works at (request.clinics)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.clinic = None
        request.clinics = []
        if request.user.is_authenticated:
            # One query gives the clinics and which of them the user works at (clinic scoping,
            # clinics.permissions); none chosen or an admin: every clinic.
            works_here = request.user.clinics.through.objects.filter(
                user_id=request.user.pk, clinic_id=OuterRef("pk"))
            every = list(Clinic.objects.annotate(mine=Exists(works_here)))
            mine = frozenset(c.pk for c in every if c.mine)
            request.user._clinic_ids = None if (request.user.is_admin or not mine) else mine
            clinics = [c for c in every if c.active
                       and (request.user._clinic_ids is None or c.pk in mine)]
            request.clinics = clinics
            by_id = {c.pk: c for c in clinics}
            chosen = request.session.get(SESSION_KEY)
            request.clinic = (
                by_id.get(chosen)
                or by_id.get(request.user.home_clinic_id)
                or (clinics[0] if clinics else None)
            )
        return self.get_response(request)
