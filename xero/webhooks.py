"""Xero's webhook for invoice events: signature checked over the raw body, the intent-to-receive
handshake answered, and the work (fetching the invoices, applying payments) left to a background
task so that Xero gets its empty 200 well within 5 seconds. Events are thin and may come twice or
out of order: the task fetches the invoices' current state, and applying it twice changes nothing.
"""

import base64
import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def signature_ok(raw_body: bytes, signature: str) -> bool:
    key = settings.XERO_WEBHOOK_KEY
    if not key or not signature:
        return False
    expected = base64.b64encode(hmac.new(key.encode(), raw_body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode())


def _empty(status: int) -> HttpResponse:
    response = HttpResponse(status=status)
    del response["Content-Type"]
    return response


@csrf_exempt
@login_not_required
@require_POST
def xero_webhook(request):
    raw = request.body  # read before anything parses it: the signature is over these bytes
    if not signature_ok(raw, request.headers.get("x-xero-signature", "")):
        return _empty(401)
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        return _empty(200)  # signed by Xero but unreadable: nothing we can act on
    events = payload.get("events") if isinstance(payload, dict) else None
    # Signed but not Xero's shape (a list, events that are not objects): nothing to act on.
    ids = sorted({event.get("resourceId") for event in (events if isinstance(events, list) else [])
                  if isinstance(event, dict) and event.get("eventCategory") == "INVOICE"
                  and isinstance(event.get("resourceId"), str)})
    if ids:
        from .tasks import apply_xero_invoice_events

        transaction.on_commit(lambda: apply_xero_invoice_events.enqueue(ids))
    return _empty(200)
