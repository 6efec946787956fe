from django import template

from .. import services
from ..models import SMSMessage

register = template.Library()


@register.simple_tag
def sms_panel(patient):
    """What the SMS panel on the patient page needs: recent messages and whether we may text."""
    recent = list(SMSMessage.objects.filter(patient=patient).order_by("-created_at")[:3])
    return {"recent": recent, "refusal": services.refusal_reason(patient),
            "limit": services.settings_for(patient.home_clinic).segment_limit}
