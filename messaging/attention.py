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


def reminder_badges(appointment_ids) -> dict:
    """{appointment_id: [(label, css)]} for the book: a reminder went out and the patient has not
    answered ("No reply"), or answered N ("Call back"). A Y shows as the Confirmed status."""
    rows = SMSMessage.objects.filter(appointment_id__in=list(appointment_ids)).values_list(
        "appointment_id", "direction", "kind", "status", "action",
        "appointment__status")
    reminded, replied, call_back, booked = set(), set(), set(), set()
    for appointment_id, direction, kind, status, action, appointment_status in rows:
        if appointment_status == "booked":
            booked.add(appointment_id)
        if direction == SMSMessage.Direction.OUTBOUND and kind == SMSMessage.Kind.REMINDER \
                and status in (SMSStatus.SENT, SMSStatus.DELIVERED):
            reminded.add(appointment_id)
        elif direction == SMSMessage.Direction.INBOUND:
            replied.add(appointment_id)
            if action == SMSMessage.Action.CALL_BACK:
                call_back.add(appointment_id)
    out = {pk: [("Call back", "sms-callback")] for pk in call_back}
    for pk in (reminded & booked) - replied:
        out[pk] = [("No reply", "sms-noreply")]
    return out
