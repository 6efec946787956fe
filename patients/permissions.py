"""Which patients a member of staff may see: those of the clinics they work at."""

from django.db.models import Exists, OuterRef, Q

from clinics.permissions import allowed_clinic_ids


def scope_patients(queryset, user):
    """Patients of the user's clinics: their home clinic is one, or they have an appointment at
    one (a patient seen at two clinics belongs to both). Everyone else answers 404."""
    ids = allowed_clinic_ids(user)
    if ids is None:
        return queryset
    # The appointments reverse relation, without importing scheduling (it imports patients).
    appointment = queryset.model._meta.get_field("appointments").related_model
    seen_here = appointment.objects.filter(patient=OuterRef("pk"), clinic__in=ids)
    return queryset.filter(Q(home_clinic__in=ids) | Exists(seen_here))


def visible_patients(user):
    from .models import Patient

    return scope_patients(Patient.objects.all(), user)
