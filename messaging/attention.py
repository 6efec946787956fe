"""What the owner's dashboard lists under "Needs attention" for SMS."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from .models import SMSMessage, SMSStatus


def sms_attention(request) -> list[dict]:
    since = timezone.now() - timedelta(days=7)
    counts = SMSMessage.objects.filter(
        direction=SMSMessage.Direction.OUTBOUND, created_at__gte=since
    ).aggregate(
        failed=Count("pk", filter=Q(status__in=[SMSStatus.FAILED, SMSStatus.EXPIRED])),
        unknown=Count("pk", filter=Q(status=SMSStatus.UNKNOWN)),
    )
    url = reverse("messaging:list")
    return [
        {"label": "SMS failed or expired in the last 7 days", "count": counts["failed"],
         "url": f"{url}?status=failed", "action": "See why and resend"},
        {"label": "SMS with an unknown outcome (the gateway did not answer)",
         "count": counts["unknown"], "url": f"{url}?status=unknown",
         "action": "Check, then resend by hand"},
    ]

