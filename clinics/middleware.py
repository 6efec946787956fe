from .models import Clinic

SESSION_KEY = "clinic_id"


class CurrentClinicMiddleware:
    """Sets request.clinic: the clinic chosen in the switcher, else the user's home clinic."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.clinic = None
        request.clinics = []
        if request.user.is_authenticated:
            clinics = list(Clinic.objects.filter(active=True))
            request.clinics = clinics
            by_id = {c.pk: c for c in clinics}
            chosen = request.session.get(SESSION_KEY)
            request.clinic = (
                by_id.get(chosen)
                or by_id.get(request.user.home_clinic_id)
                or (clinics[0] if clinics else None)
            )
        return self.get_response(request)
