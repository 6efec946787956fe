"""Reads for more than one view: badges in the patients list, recent calls."""

from .models import XeroContactLink


def synced_badges(patients) -> dict:
    """{patient pk: [(label, css)]}: one query for the page of patients."""
    out: dict = {}
    links = XeroContactLink.objects.filter(patient__in=[p.pk for p in patients]).values_list(
        "patient_id", "status", "synced_at", "patient__updated_at")
    for pk, status, synced_at, updated_at in links:
        if status == XeroContactLink.Status.SYNCED:
            stale = synced_at and updated_at and updated_at > synced_at
            out[pk] = [("Xero: changed" if stale else "Xero", "tag-warn" if stale else "tag-ok")]
        elif status == XeroContactLink.Status.FAILED:
            out[pk] = [("Xero failed", "tag-alert")]
    return out
