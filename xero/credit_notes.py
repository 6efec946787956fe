"""Credit notes to Xero, exactly once, as Xero itself records credits and refunds.

- Money given back (cash, card, bank transfer): the credit note (ACCRECCREDIT) and a refund
  payment on it (ARCREDITPAYMENT) for the whole amount; the invoice keeps what was paid on it,
  as it does in NCC, so the two agree to the cent.
- Kept as credit (no refund): the credit note allocated to the invoice for at most what the
  invoice still owes in Xero (Xero refuses more: "amount is greater than amount outstanding");
  anything above stays on the credit note as credit.
- Lines: the credit spread over the invoice's own lines (billing.gst.credit_split), each with
  its account, tax type and tracking, so a credit on an invoice that mixes GST-free and taxable
  lines carries the GST NCC recorded.

Each step (credit note, allocation, refund) follows xero/claims.py: the link row is claimed,
`outcome_unknown` and `sent_at` are committed before the write, the key comes from the credit
note's number, and an unknown outcome is settled by looking the credit note (or the refund, by
its Reference) up after Xero's visibility delay before anything is sent again.
"""

import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from billing import gst
from billing.models import CreditNote, PaymentMethod, PaymentMethodAccount

from . import claims
from .client import XeroClient, XeroError, XeroOutcomeUnknown, validation_message
from .invoices import (
    MAX_ROUNDS,
    InvoicePush,
    _amount,
    _payment_account,
    _words,
    contact_key,
    push_payments,
    tracking_from_xero,
    xero_connected,
)
from .models import XeroCreditNoteLink, XeroInvoiceLink, XeroPaymentLink
from .services import active_connection

Status = XeroCreditNoteLink.Status


def refund_reference(note) -> str:
    return f"NCC refund {note.number}"


def _gross(line, line_amount_type) -> Decimal:
    return line.line_amount + (line.gst if line_amount_type == gst.EXCLUSIVE else gst.ZERO)


def credit_note_payload(note, contact_id: str, tracking) -> dict:
    invoice = note.invoice
    lines = list(invoice.lines.order_by("position", "pk"))
    split = gst.credit_split([(_gross(ln, invoice.line_amount_type), ln.tax_type)
                              for ln in lines], note.amount)
    items = []
    for index, share, _tax in split:
        line = lines[index]
        item = {"Description": f"Credit on {invoice.number}: {note.reason} ({line.description})"
                [:400], "Quantity": 1.0, "UnitAmount": float(share),
                "LineAmount": float(share), "AccountCode": line.account_code,
                "TaxType": line.tax_type}
        if tracking is not None:  # as the invoice went: the clinic's mapped Xero option
            item["Tracking"] = [{"Name": tracking.category, "Option": tracking.option}]
        items.append(item)
    return {"Type": "ACCRECCREDIT", "Contact": {"ContactID": contact_id},
            "Date": note.date.isoformat(), "LineAmountTypes": "Inclusive",
            "CreditNoteNumber": note.number, "Reference": invoice.number,
            "Status": "AUTHORISED", "CurrencyCode": "AUD", "LineItems": items}


def _refund_account(note) -> str:
    method = {CreditNote.RefundMethod.CASH: PaymentMethod.CASH,
              CreditNote.RefundMethod.CARD: PaymentMethod.CARD,
              CreditNote.RefundMethod.EFT: PaymentMethod.EFT}.get(note.refund_method)
    code = PaymentMethodAccount.objects.filter(method=method).values_list(
        "account_code", flat=True).first() if method else None
    return code or _payment_account()


class CreditNotePush:
    def __init__(self, api, link, note, invoice_link):
        self.api, self.link, self.note, self.inv_link = api, link, note, invoice_link
        self.started = time.monotonic()
        self.calls = 0

    # -- steps ---------------------------------------------------------------------------
    def _step(self) -> str:
        link = self.link
        if not link.xero_credit_note_id:
            return "credit_note"
        if link.allocation_amount and not link.allocated:
            return "allocation"
        if link.refund_amount and not link.refunded:
            return "refund"
        return "done"

    def _plan(self) -> None:
        """Once, before the first write: what is allocated and what is refunded."""
        link, note = self.link, self.note
        if link.allocation_amount is not None:
            return
        if note.refund_method != CreditNote.RefundMethod.NONE:
            link.allocation_amount, link.refund_amount = gst.ZERO, note.amount
        else:
            reply = self.api.request("GET", f"/Invoices/{self.inv_link.xero_invoice_id}")
            self.calls += 1
            if not reply.ok:
                raise XeroError(validation_message(reply.data)
                                or f"Xero answered {reply.status} when asked for the invoice.")
            [held] = (reply.data or {}).get("Invoices", [{}])[:1] or [{}]
            due = _amount(held.get("AmountDue")) or gst.ZERO
            link.allocation_amount, link.refund_amount = min(note.amount, due), gst.ZERO
        link.save()

    def _mark_sending(self) -> None:
        self.link.attempts += 1
        self.link.outcome_unknown, self.link.sent_at = True, timezone.now()
        self.link.save()

    def _fail(self, words: str) -> str:
        self.link.status, self.link.outcome_unknown = Status.FAILED, False
        self.link.error = words[:2000]
        self.link.save()
        return self.link.status

    def _write(self, method, path, body, key):
        """The reply, or None when the outcome is unknown (the flag stays set)."""
        self._mark_sending()
        try:
            reply = self.api.request(method, path, json=body, idempotency_key=key,
                                     params={"summarizeErrors": "false"})
        except XeroOutcomeUnknown:
            self.calls += 1
            return None
        except XeroError:
            self.link.outcome_unknown, self.link.sent_at = False, None  # nothing was written
            self.link.save()
            raise
        self.calls += 1
        return reply

    def _lookup(self) -> None:
        link, note = self.link, self.note
        step = self._step()
        if step == "refund":
            where = f'Reference=="{refund_reference(note)}"'
            reply = self.api.request("GET", "/Payments", params={"where": where})
            self.calls += 1
            if not reply.ok:
                return
            held = [p for p in (reply.data or {}).get("Payments", [])
                    if p.get("Status") != "DELETED"]
            if held:
                link.refunded, link.xero_refund_payment_id = True, held[0].get("PaymentID", "")
                link.outcome_unknown = False
            elif claims.settled(link):
                link.outcome_unknown = False
            link.save()
            return
        if link.xero_credit_note_id:
            reply = self.api.request("GET", f"/CreditNotes/{link.xero_credit_note_id}")
        else:
            reply = self.api.request("GET", "/CreditNotes", params={
                "where": f'CreditNoteNumber=="{note.number}"'})
        self.calls += 1
        if not reply.ok:
            return
        held = [c for c in (reply.data or {}).get("CreditNotes", [])
                if c.get("Status") not in ("DELETED", "VOIDED")
                and c.get("CreditNoteNumber", note.number) == note.number]
        found = False
        if held:
            found = step == "credit_note"
            link.xero_credit_note_id = held[0]["CreditNoteID"]
            if step == "allocation":
                found = any(a.get("Invoice", {}).get("InvoiceID") == self.inv_link.xero_invoice_id
                            for a in held[0].get("Allocations") or [])
                link.allocated = link.allocated or found
        if found or claims.settled(link):
            link.outcome_unknown = False
        link.save()

    def _send_credit_note(self, contact_id, tracking) -> str | None:
        reply = self._write("PUT", "/CreditNotes", {"CreditNotes": [
            credit_note_payload(self.note, contact_id, tracking)]},
            f"ncc-cn-{self.note.number}")
        if reply is None:
            return None
        elements = (reply.data or {}).get("CreditNotes", []) if reply.ok else []
        if elements and not elements[0].get("HasErrors"):
            self.link.xero_credit_note_id = elements[0]["CreditNoteID"]
            self.link.outcome_unknown = False
            self.link.save()
            return None
        words = ((_words(elements[0]) if elements else "") or validation_message(reply.data)
                 or f"Xero answered {reply.status}.")
        if "unique" in words or "already" in words:
            self.link.sent_at = None  # an earlier write made it: the lookup links it now
            self.link.save()
            return None
        return self._fail(words)

    def _send_allocation(self) -> str | None:
        link = self.link
        reply = self._write(
            "PUT", f"/CreditNotes/{link.xero_credit_note_id}/Allocations",
            {"Allocations": [{"Invoice": {"InvoiceID": self.inv_link.xero_invoice_id},
                              "Amount": float(link.allocation_amount),
                              "Date": self.note.date.isoformat()}]},
            f"ncc-cnalloc-{self.note.number}")
        if reply is None:
            return None
        elements = (reply.data or {}).get("Allocations", []) if reply.ok else []
        if reply.ok and not (elements and (elements[0].get("ValidationErrors")
                                           or elements[0].get("StatusAttributeString") == "ERROR")):
            link.allocated, link.outcome_unknown = True, False
            link.save()
            return None
        return self._fail((_words(elements[0]) if elements else "")
                          or validation_message(reply.data)
                          or f"Xero answered {reply.status} to the allocation.")

    def _send_refund(self) -> str | None:
        link, note = self.link, self.note
        reply = self._write("PUT", "/Payments", {"Payments": [{
            "CreditNote": {"CreditNoteID": link.xero_credit_note_id},
            "Account": {"Code": _refund_account(note)}, "Date": note.date.isoformat(),
            "Amount": float(link.refund_amount), "Reference": refund_reference(note)}]},
            f"ncc-cnrefund-{note.number}")
        if reply is None:
            return None
        elements = (reply.data or {}).get("Payments", []) if reply.ok else []
        if elements and not elements[0].get("HasValidationErrors") and \
                elements[0].get("StatusAttributeString") != "ERROR":
            link.refunded, link.outcome_unknown = True, False
            link.xero_refund_payment_id = elements[0].get("PaymentID", "")
            link.save()
            return None
        return self._fail((_words(elements[0]) if elements else "")
                          or validation_message(reply.data)
                          or f"Xero answered {reply.status} to the refund.")

    def run(self, contact_id, tracking) -> str:
        link = self.link
        for _round in range(MAX_ROUNDS * 2):
            if link.outcome_unknown:
                self._lookup()
                if link.outcome_unknown:
                    if not claims.wait_until_checkable([link], self.started):
                        break
                    continue
            step = self._step()
            if step == "credit_note":
                self._plan()
                failed = self._send_credit_note(contact_id, tracking)
            elif step == "allocation":
                failed = self._send_allocation()
            elif step == "refund":
                failed = self._send_refund()
            else:
                link.status, link.error, link.synced_at = Status.SYNCED, "", timezone.now()
                link.save()
                break
            if failed:
                break
        return link.status


def _ready(note) -> str | None:
    """Why this credit note cannot go yet ("waiting"), or None: its invoice must be in Xero, the
    payments taken in NCC on it too (they decide what the invoice still owes there), and the
    invoice's earlier credit notes before it."""
    inv_link = XeroInvoiceLink.objects.filter(invoice=note.invoice).first()
    if inv_link is None or not inv_link.xero_invoice_id:
        return "waiting"
    unsent = list(note.invoice.payments.exclude(method=PaymentMethod.XERO).exclude(
        xero_link__status=XeroPaymentLink.Status.SYNCED).values_list("pk", flat=True))
    if unsent:
        push_payments(unsent)
        if note.invoice.payments.filter(pk__in=unsent).exclude(
                xero_link__status=XeroPaymentLink.Status.SYNCED).exists():
            return "waiting"
    earlier = CreditNote.objects.filter(invoice=note.invoice, created_at__lt=note.created_at)
    if earlier.exclude(xero_link__status=Status.SYNCED).exists():
        return "waiting"
    return None


def push_credit_note(credit_note_id) -> str:
    """Send one credit note to Xero with its allocation or refund, exactly once. Returns the
    link's status, "waiting" (its invoice or payments first) or "busy" (another worker has it)."""
    note = CreditNote.objects.select_related("invoice__clinic").get(pk=credit_note_id)
    link, _ = XeroCreditNoteLink.objects.get_or_create(credit_note=note)
    if link.status == Status.SYNCED:
        return link.status
    waiting = _ready(note)
    if waiting:
        return waiting
    token = claims.new_token()
    if link.pk not in claims.claim(XeroCreditNoteLink, [link.pk], token):
        return "busy"
    try:
        link.refresh_from_db()
        if link.status == Status.SYNCED:
            return link.status
        if link.status == Status.FAILED:
            link.status, link.error = Status.PENDING, ""
        inv_link = XeroInvoiceLink.objects.get(invoice=note.invoice)
        conn = active_connection()
        contacts = InvoicePush(conn)
        try:
            contact = contacts._contacts([note.invoice]).get(contact_key(note.invoice))
        finally:
            contacts.close()
        if not contact:
            link.status = Status.FAILED
            link.error = ("The patient could not be added to Xero as a contact; see the "
                          "patient's Xero panel.")
            link.save()
            return link.status
        with XeroClient(conn) as api:
            return CreditNotePush(api, link, note, inv_link).run(
                contact, tracking_from_xero(note.invoice.clinic))
    finally:
        claims.release(XeroCreditNoteLink, token)


def enqueue_credit_note_push(credit_note_id) -> None:
    if not xero_connected():
        return
    from .tasks import push_credit_note_to_xero

    transaction.on_commit(lambda: push_credit_note_to_xero.enqueue(str(credit_note_id)))


def push_unsent_credit_notes() -> int:
    """Part of the sweep: credit notes not yet in Xero (never sent, reply lost, or waiting for
    their invoice). Failed ones wait for a person; returns how many are now synced."""
    if not xero_connected():
        return 0

    ids = list(CreditNote.objects.filter(invoice__xero_link__status=XeroInvoiceLink.Status.SYNCED)
               .exclude(xero_link__status__in=[XeroCreditNoteLink.Status.SYNCED,
                                               XeroCreditNoteLink.Status.FAILED])
               .values_list("pk", flat=True)[:200])
    return sum(push_credit_note(pk) == Status.SYNCED for pk in ids)
