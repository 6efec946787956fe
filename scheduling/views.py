from datetime import date, timedelta

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.utils import timezone

from clinics.models import Clinician

from .queries import appointments_for_clinic_day


@permission_required("scheduling.view_appointment", raise_exception=True)
def book(request):
    """The day's appointments of the current clinic, one column per clinician."""
    clinic = request.clinic
    today = timezone.localdate(timezone=clinic.tz) if clinic else timezone.localdate()
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        day = today
    show_cancelled = request.GET.get("cancelled") == "1"
    columns = []
    if clinic:
        appointments = list(appointments_for_clinic_day(clinic, day, show_cancelled))
        clinicians = Clinician.objects.filter(clinics=clinic, active=True).select_related("user")
        for clinician in clinicians:
            columns.append({
                "clinician": clinician,
                "appointments": [a for a in appointments if a.clinician_id == clinician.pk],
            })
    return render(request, "scheduling/book.html", {
        "day": day, "today": today, "columns": columns, "show_cancelled": show_cancelled,
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
    })
