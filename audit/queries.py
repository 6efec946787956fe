"""Reads of the audit trail: the admins' audit page and a patient's access history."""

from .models import AuditEvent

PATIENT_TYPE = "patients.patient"


def audit_events(*, patient=None, user=None, action="", date_from=None, date_to=None, tz=None):
    from datetime import datetime, time, timedelta

    qs = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if patient is not None:
        qs = qs.filter(object_type=PATIENT_TYPE, object_id=str(patient.pk))
    if user is not None:
        qs = qs.filter(actor=user)
    if action:
        qs = qs.filter(action=action)
    if date_from:
        qs = qs.filter(created_at__gte=datetime.combine(date_from, time(), tzinfo=tz))
    if date_to:
        qs = qs.filter(created_at__lt=datetime.combine(date_to + timedelta(days=1), time(),
                                                       tzinfo=tz))
    return qs


def patient_access_history(patient, limit: int = 20):
    return audit_events(patient=patient)[:limit]
