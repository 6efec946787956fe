from django import template

from .. import permissions, queries
from ..models import Note

register = template.Library()


@register.simple_tag(takes_context=True)
def appointment_note(context, appointment):
    """The visit's note (status and author only) and what the user may do with it."""
    user = context["request"].user
    note = (Note.objects.filter(appointment=appointment).select_related("author")
            .only("id", "status", "title", "signed_at", "author__first_name",
                  "author__last_name", "author__email").first())
    return {"note": note, "can_start": note is None and user.has_perm("clinical.add_note")
            and permissions.can_start_note(user, appointment),
            "can_view": user.has_perm("clinical.view_note"),
            "alerts": queries.clinical_alerts(appointment.patient)
            if permissions.can_read_content(user) else []}


@register.simple_tag(takes_context=True)
def patient_clinical(context, patient):
    from ..services import referral_summaries

    user = context["request"].user
    notes = list(Note.objects.filter(patient=patient).select_related("author")
                 .only("id", "status", "title", "occurred_at", "author__first_name",
                       "author__last_name", "author__email").order_by("-occurred_at")[:5])
    return {"notes": notes, "can_view": user.has_perm("clinical.view_note"),
            "can_start": permissions.can_start_note(user),
            "referrals": referral_summaries(patient) if user.has_perm("clinical.view_referral")
            else [],
            "can_refer": user.has_perm("clinical.add_referral")}
