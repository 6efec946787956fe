"""Xero's invoice webhook: signed deliveries only, the intent-to-receive handshake, duplicates
harmless, and a payment made in Xero marks the invoice paid within one worker cycle."""

import base64
import hashlib
import hmac
import json

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from billing import services
from scheduling.models import Appointment
from xero.invoices import push_invoices
from xero.tasks import apply_xero_invoice_events

pytestmark = pytest.mark.django_db
KEY = "whk-test-signing-key-0123456789"
URL = "/invoices/xero/webhook/"


def _signed(body: dict, key: str = KEY) -> tuple[bytes, str]:
    raw = json.dumps(body).encode()
    return raw, base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode()


def _event(invoice_id: str, tenant: str = "t") -> dict:
    return {"resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{invoice_id}",
            "resourceId": invoice_id, "tenantId": tenant, "tenantType": "ORGANISATION",
            "eventCategory": "INVOICE", "eventType": "UPDATE",
            "eventDateUtc": "2026-11-26T01:15:39.902"}


def _post(client, raw, signature):
    return client.post(URL, raw, content_type="application/json",
                        HTTP_X_XERO_SIGNATURE=signature)


@override_settings(XERO_WEBHOOK_KEY=KEY)
def test_intent_to_receive_is_answered_right_both_ways(client):
    itr = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "ABCDEF"}
    raw, signature = _signed(itr)
    good = _post(client, raw, signature)
    assert good.status_code == 200 and good.content == b"" and not good.cookies
    bad = _post(client, raw, _signed(itr, key="not-the-key")[1])
    assert bad.status_code == 401 and bad.content == b""


@override_settings(XERO_WEBHOOK_KEY=KEY)
def test_a_bad_signature_gets_401_and_queues_nothing(client):
    raw, _ = _signed({"events": [_event("6f1c1d1e-0000-4000-8000-000000000001")]})
    assert _post(client, raw, "bm90IGEgc2lnbmF0dXJl").status_code == 401
    assert _post(client, raw, "").status_code == 401
    assert not DBTaskResult.objects.exists()


@override_settings(XERO_WEBHOOK_KEY="")
def test_without_a_configured_key_every_delivery_is_refused(client):
    raw, signature = _signed({"events": []})
    assert _post(client, raw, signature).status_code == 401


@override_settings(XERO_WEBHOOK_KEY=KEY)
def test_a_payment_in_xero_arrives_by_webhook_and_duplicates_are_harmless(
        client, xero_ready, completed_visit, django_capture_on_commit_callbacks):
    invoice = services.create_invoice_for_appointment(completed_visit.pk)
    push_invoices([invoice.pk])
    held = xero_ready.pay(invoice.number)
    body = {"events": [_event(held["InvoiceID"]), _event(held["InvoiceID"])],
            "firstEventSequence": 7, "lastEventSequence": 8, "entropy": "XYZ"}
    raw, signature = _signed(body)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, raw, signature)
    assert response.status_code == 200 and response.content == b""
    [queued] = DBTaskResult.objects.all()  # the reply did no Xero work itself
    assert queued.args_kwargs["args"] == [[held["InvoiceID"]]]

    # One worker cycle: the queued task runs.
    outcome = apply_xero_invoice_events.call(*queued.args_kwargs["args"])
    assert outcome == {"calls": 1, "payments": 1}
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    assert Appointment.objects.get(pk=completed_visit.pk).is_paid
    # The same delivery again (Xero retries): nothing changes.
    assert apply_xero_invoice_events.call([held["InvoiceID"]])["payments"] == 0
    assert invoice.payments.count() == 1
