"""Invoices to Xero, exactly once: ACCREC with the patient's contact (synced first when needed),
our number as InvoiceNumber and Reference, the line's account and tax type, the clinic's tracking
option; batches with summarizeErrors=false; an Idempotency-Key on every write; and, because Xero
forgets that key after minutes, any write whose outcome is unknown is settled by looking the
invoice up by our number before anything is sent again.

Billing never imports this module: billing records invoices, payments and credit notes and calls
the hooks the xero app registers (xero.apps), and this module picks the work up from there.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import gst
from billing.errors import MissingMapping
from billing.mappings import LineMapping, Tracking, register_line_mapping, register_tracking
from billing.models import Invoice, InvoiceStatus, Payment, PaymentMethod

from . import claims
from .client import XeroClient, XeroError, XeroOutcomeUnknown, _timeout, validation_message
from .models import (
    XeroAccountMapping,
    XeroConnection,
    XeroContactLink,
    XeroInvoiceLink,
    XeroInvoiceSweep,
    XeroItemMapping,
    XeroOrphanInvoice,
    XeroPaymentLink,
    XeroTrackingMapping,
)
from .services import ContactSync, active_connection

MAX_ROUNDS = 6
LINE_AMOUNT_TYPES = {gst.INCLUSIVE: "Inclusive", gst.EXCLUSIVE: "Exclusive",
                     gst.NO_TAX: "NoTax"}


# -- mappings: Xero settings decide account, tax type and tracking of new lines --------------
def line_mapping_from_xero(appointment_type):

    mapping = XeroItemMapping.objects.filter(appointment_type=appointment_type).first()
    if mapping is not None:
        account = mapping.account_code or (XeroAccountMapping.objects.filter(
            purpose=XeroAccountMapping.Purpose.SALES).values_list("account_code", flat=True)
            .first()) or settings.BILLING_DEFAULT_ACCOUNT_CODE
        return LineMapping(account_code=account, tax_type=mapping.tax_type,
                           item_code=mapping.item_code)
    if XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
        raise MissingMapping(f"Map the type {appointment_type.name} in Xero settings before "
                             "invoicing it, so the invoice gets the right account and GST.")
    return None


def tracking_from_xero(clinic):

    mapping = XeroTrackingMapping.objects.filter(clinic=clinic).first()
    if mapping is None:
        return None
    return Tracking(category=mapping.category_name, option=mapping.option_name)


def xero_connected() -> bool:

    return XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists()


def register_xero_mappings() -> None:
    register_line_mapping(line_mapping_from_xero)
    register_tracking(tracking_from_xero)


# -- push --------------------------------------------------------------------------------------
@dataclass
class PushResult:
    synced: int = 0
    failed: int = 0
    push_calls: int = 0
    lookup_calls: int = 0
    unknown: int = 0  # sent, no usable reply, not found by a lookup yet: never resent blindly
    busy: int = 0  # claimed by another worker that is pushing them right now
    errors: dict = field(default_factory=dict)  # invoice number -> words


UNKNOWN_WORDS = ("sent to Xero, but no answer came back and Xero does not show it yet. NCC checks "
                 "Xero again by number before sending anything; press Check again in a minute.")


def _money(value) -> float:
    return float(value)


def invoice_payload(invoice: Invoice, contact_id: str, tracking) -> dict:
    lines = []
    for line in invoice.lines.all():
        item = {"Description": line.description, "Quantity": float(line.quantity),
                "UnitAmount": float(line.unit_amount), "AccountCode": line.account_code,
                "TaxType": line.tax_type, "LineAmount": _money(line.line_amount)}
        if line.item_code:
            item["ItemCode"] = line.item_code
        if tracking is not None:
            item["Tracking"] = [{"Name": tracking.category, "Option": tracking.option}]
        lines.append(item)
    return {
        "Type": "ACCREC", "Contact": {"ContactID": contact_id},
        "Date": invoice.issue_date.isoformat(), "DueDate": invoice.due_date.isoformat(),
        "LineAmountTypes": LINE_AMOUNT_TYPES[invoice.line_amount_type],
        "InvoiceNumber": invoice.number, "Reference": invoice.number,
        "Status": "DRAFT" if invoice.status == InvoiceStatus.DRAFT else "AUTHORISED",
        "CurrencyCode": "AUD", "LineItems": lines,
    }


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _amount(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(gst.CENT)


def _words(element: dict) -> str:
    messages = [e.get("Message", "") for e in element.get("ValidationErrors") or []]
    return "; ".join(m for m in messages if m) or "Xero refused the invoice."


class _BatchPush:
    """What the invoice and payment pushes share (xero/claims.py says why it is exactly once):
    the rows are claimed first (a row another worker holds is left to it); each write is marked
    "outcome unknown" with its time and committed before the call; a reply settles each element
    by our key; anything still unknown is looked up by our own number, and a lookup that finds
    nothing counts only after Xero's visibility delay; the wait for that is bounded, after which
    the row stays "outcome unknown" for the sweep or a person's "Check again"."""

    link_model = None  # XeroInvoiceLink or XeroPaymentLink
    key_prefix = ""

    def __init__(self, conn):
        self.api = XeroClient(conn)
        self.result = PushResult()
        self.batch_size = int(getattr(settings, "BILLING_XERO_BATCH_SIZE", 50))
        self.token = claims.new_token()
        self.started = time.monotonic()

    def close(self):
        claims.release(self.link_model, self.token)
        self.api.close()

    def _claim(self, pks) -> set:
        pks = set(pks)
        mine = claims.claim(self.link_model, pks, self.token)
        self.result.busy += len(pks - mine)
        return mine

    def _mark_sending(self, batch) -> None:
        now = timezone.now()
        for link in batch:
            link.attempts += 1
            link.outcome_unknown = True  # until a reply (or a settled lookup) says otherwise
            link.sent_at = now
            link.updated_at = now
        self._save(batch)  # committed before the call: a crash mid-call is settled by lookup

    def _put(self, batch, path: str, params: dict, body: dict, element_keys):
        """One batched write; None when its outcome is unknown. The key comes from the elements'
        own numbers, so a resend of the same elements carries the same key and body."""
        key = claims.batch_key(self.key_prefix, element_keys, body)
        try:
            reply = self.api.request("PUT", path, params=params, json=body, idempotency_key=key)
        except XeroOutcomeUnknown:
            self.result.push_calls += 1
            return None  # outcome_unknown stays set: looked up (after the delay) before a resend
        except XeroError:
            # Refused before anything was written (rate limit, Xero down, reconnect needed).
            for link in batch:
                link.outcome_unknown, link.sent_at = False, None
            self._save(batch)
            raise
        self.result.push_calls += 1
        return reply

    def _apply_reply(self, batch, reply, *, collection: str, key_of_link, key_of_element,
                     error_flag: str, taken_by_earlier_write=lambda words: False) -> None:
        Status = self.link_model.Status
        if reply.status == 200:
            by_key = {key_of_element(el): el for el in (reply.data or {}).get(collection, [])}
            for link in batch:
                element = by_key.get(key_of_link(link))
                if element is None:
                    continue  # not in the reply: stays unknown, looked up next round
                if element.get(error_flag) or element.get("StatusAttributeString") == "ERROR":
                    words = _words(element)
                    if taken_by_earlier_write(words):
                        link.sent_at = None  # it is there now: the lookup links it at once
                        continue
                    link.status, link.error = Status.FAILED, words[:2000]
                    link.outcome_unknown = False
                else:
                    self._synced(link, element)
        else:
            words = validation_message(reply.data) or f"Xero answered {reply.status}."
            for link in batch:
                link.status, link.error, link.outcome_unknown = Status.FAILED, words[:2000], False
        self._save(batch)

    def _settle_lookup(self, link, held) -> None:
        """After a lookup by our number: found is ours; not found counts only once settled."""
        if held:
            self._synced(link, held)
        elif claims.settled(link):
            link.outcome_unknown = False  # never applied: safe to send (with the same key)

    def _rounds(self, links, send) -> None:
        Status = self.link_model.Status
        for _round in range(MAX_ROUNDS):
            pending = [lk for lk in links if lk.status == Status.PENDING]
            unknown = [lk for lk in pending if lk.outcome_unknown]
            if unknown:
                self._lookup(unknown)
            to_send = [lk for lk in pending if lk.status == Status.PENDING
                       and not lk.outcome_unknown]
            if to_send:
                ours = claims.renew(self.link_model, [lk.pk for lk in to_send], self.token)
                for batch in _chunks([lk for lk in to_send if lk.pk in ours], self.batch_size):
                    send(batch)
                continue  # next round looks up whatever came back unknown
            waiting = [lk for lk in pending if lk.status == Status.PENDING and lk.outcome_unknown]
            if not waiting or not claims.wait_until_checkable(waiting, self.started):
                break
            claims.renew(self.link_model, [lk.pk for lk in waiting], self.token)

    def _tally(self, links, name_of) -> None:
        Status = self.link_model.Status
        for link in links:
            if link.status == Status.SYNCED:
                self.result.synced += 1
            elif link.status == Status.FAILED:
                self.result.failed += 1
                self.result.errors[name_of(link)] = link.error
            elif link.outcome_unknown:
                self.result.unknown += 1


class InvoicePush(_BatchPush):
    link_model = XeroInvoiceLink
    key_prefix = "ncc-invs-"

    def __init__(self, conn):
        super().__init__(conn)
        self.conn = conn

    # Contacts first: an invoice needs its patient's (or its payer's) ContactID.
    def _contacts(self, invoices) -> dict:
        """{contact_key(invoice): ContactID} for the invoices whose contact is in Xero."""
        linked = self._patient_contacts([inv for inv in invoices if not inv.payer_id])
        for payer_id in {inv.payer_id for inv in invoices if inv.payer_id}:
            contact_id = payer_contact_id(self.api, payer_id)
            if contact_id:
                linked[("payer", payer_id)] = contact_id
        return linked

    def _patient_contacts(self, invoices) -> dict:
        patient_ids = {inv.patient_id for inv in invoices}
        linked = dict(XeroContactLink.objects.filter(patient_id__in=patient_ids)
                      .exclude(contact_id="").values_list("patient_id", "contact_id"))
        missing = [pk for pk in patient_ids if pk not in linked]
        if missing:
            ContactSync(self.conn).run(missing)
            linked.update(XeroContactLink.objects.filter(patient_id__in=missing)
                          .exclude(contact_id="").values_list("patient_id", "contact_id"))
        return linked

    def _lookup(self, links: list[XeroInvoiceLink]) -> None:
        """Settle writes whose outcome is unknown: what Xero holds under our numbers is ours."""
        for batch in _chunks(links, self.batch_size):
            numbers = [link.invoice.number for link in batch]
            reply = self.api.request("GET", "/Invoices", params={
                "InvoiceNumbers": ",".join(numbers), "summaryOnly": "true"})
            self.result.lookup_calls += 1
            found = {inv["InvoiceNumber"]: inv for inv in (reply.data or {}).get("Invoices", [])
                     if inv.get("Type") == "ACCREC"} if reply.ok else {}
            if not reply.ok:
                continue  # still unknown: settled on the next round, never resent blindly
            for link in batch:
                self._settle_lookup(link, found.get(link.invoice.number))
            self._save(batch)

    def _synced(self, link, element):
        link.status = XeroInvoiceLink.Status.SYNCED
        link.xero_invoice_id = element.get("InvoiceID", "")
        link.xero_status = element.get("Status", "")
        link.xero_total = _amount(element.get("Total"))
        link.xero_amount_paid = _amount(element.get("AmountPaid"))
        link.error, link.outcome_unknown = "", False
        link.synced_at = timezone.now()

    def _save(self, links):
        XeroInvoiceLink.objects.bulk_update(
            links, ["status", "xero_invoice_id", "xero_status", "outcome_unknown", "sent_at",
                    "error", "attempts", "xero_total", "xero_amount_paid", "synced_at",
                    "updated_at"])

    def _send(self, batch, contacts, tracking_by_clinic) -> None:
        self._mark_sending(batch)
        payloads = [invoice_payload(link.invoice, contacts[contact_key(link.invoice)],
                                    tracking_by_clinic.get(link.invoice.clinic_id))
                    for link in batch]
        reply = self._put(batch, "/Invoices", {"summarizeErrors": "false", "unitdp": "4"},
                          {"Invoices": payloads},
                          [f"ncc-inv-{link.invoice.number}" for link in batch])
        if reply is not None:
            self._apply_reply(
                batch, reply, collection="Invoices",
                key_of_link=lambda link: link.invoice.number,
                key_of_element=lambda el: el.get("InvoiceNumber"), error_flag="HasErrors",
                taken_by_earlier_write=lambda words: "must be unique" in words
                or "already" in words)

    def run(self, invoice_ids) -> PushResult:
        invoices = list(Invoice.objects.filter(pk__in=list(invoice_ids))
                        .exclude(status=InvoiceStatus.VOIDED)
                        .select_related("patient", "clinic").prefetch_related("lines"))
        existing = {link.invoice_id: link for link in
                    XeroInvoiceLink.objects.filter(invoice__in=invoices)}
        new = [XeroInvoiceLink(invoice=inv) for inv in invoices if inv.pk not in existing]
        XeroInvoiceLink.objects.bulk_create(new, ignore_conflicts=True)
        mine = self._claim(XeroInvoiceLink.objects.filter(invoice__in=invoices).exclude(
            status=XeroInvoiceLink.Status.SYNCED).values_list("pk", flat=True))
        # Read after the claim: another worker may have finished some of them meanwhile.
        links = list(XeroInvoiceLink.objects.filter(pk__in=mine).exclude(
            status=XeroInvoiceLink.Status.SYNCED))
        by_id = {inv.pk: inv for inv in invoices}
        for link in links:
            link.invoice = by_id[link.invoice_id]  # with its prefetched lines
        links.sort(key=lambda link: link.invoice.number)  # same elements, same body and key
        for link in links:
            if link.status == XeroInvoiceLink.Status.FAILED:
                link.status, link.error = XeroInvoiceLink.Status.PENDING, ""
        contacts = self._contacts(invoices)
        tracking_by_clinic = {inv.clinic_id: tracking_from_xero(inv.clinic) for inv in invoices}
        for link in links:
            if contact_key(link.invoice) not in contacts:
                link.status = XeroInvoiceLink.Status.FAILED
                link.error = ("The payer could not be added to Xero as a contact; try again."
                              if link.invoice.payer_id else
                              "The patient could not be added to Xero as a contact; see the "
                              "patient's Xero panel.")
        self._save(links)

        try:
            self._rounds(links, lambda batch: self._send(batch, contacts, tracking_by_clinic))
        except XeroError as exc:
            for link in links:
                if link.status == XeroInvoiceLink.Status.PENDING:
                    link.error = exc.message[:2000]
            self._save(links)
            raise
        self._tally(links, lambda link: link.invoice.number)
        return self.result


def contact_key(invoice):
    """Whose Xero contact the invoice goes to: the third-party payer's, else the patient's."""
    return ("payer", invoice.payer_id) if invoice.payer_id else invoice.patient_id


def payer_contact_id(api, payer_id) -> str:
    """The payer's ContactID, creating the contact once: a create whose reply was lost is found
    again by its ContactNumber before anything is sent a second time."""
    from billing.models import Payer

    from .models import XeroPayerLink
    from .services import _quote

    link, _ = XeroPayerLink.objects.get_or_create(payer_id=payer_id)
    if link.contact_id:
        return link.contact_id
    payer = Payer.objects.get(pk=payer_id)
    reply = api.request("GET", "/Contacts",
                        params={"where": f"ContactNumber=={_quote(link.contact_number)}"})
    found = (reply.data or {}).get("Contacts", []) if reply.ok else []
    if not found:
        contact = {"Name": payer.name, "ContactNumber": link.contact_number,
                   "IsCustomer": True}
        if payer.email:
            contact["EmailAddress"] = payer.email
        if payer.abn:
            contact["TaxNumber"] = payer.abn
        try:
            reply = api.request("PUT", "/Contacts", json={"Contacts": [contact]},
                                idempotency_key=f"ncc-payer-{payer.pk}")
        except XeroOutcomeUnknown:
            return ""  # looked up by ContactNumber on the next push
        found = (reply.data or {}).get("Contacts", []) if reply.ok else []
        if not found:
            XeroPayerLink.objects.filter(pk=link.pk).update(
                error=_words((reply.data or {}).get("Elements", [{}])[0]
                             if reply.data else {})[:2000])
            return ""
    XeroPayerLink.objects.filter(pk=link.pk).update(contact_id=found[0]["ContactID"],
                                                    synced_at=timezone.now(), error="")
    return found[0]["ContactID"]


def push_invoices(invoice_ids) -> PushResult:
    """Push these invoices to Xero (those already there are left alone)."""

    push = InvoicePush(active_connection())
    try:
        return push.run(invoice_ids)
    finally:
        push.close()


def enqueue_push(invoice_id) -> None:
    """After an invoice is approved (or created approved): push it in the background when Xero
    is connected. Registered with billing.services by the billing app when xero is installed."""

    if not XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
        return
    from .tasks import push_invoices_to_xero

    transaction.on_commit(lambda: push_invoices_to_xero.enqueue([str(invoice_id)]))


# -- payments back: invoices changed in Xero ------------------------------------------------
@dataclass
class PullResult:
    calls: int = 0
    seen: int = 0
    updated: int = 0
    errors: dict = field(default_factory=dict)  # invoice number -> words


SWEEP_OVERLAP = timedelta(minutes=5)  # clocks differ a little; applying a change twice is harmless
PAGE_SIZE = 100


def _xero_date(value) -> date | None:
    """Xero JSON dates: "/Date(1439434356790+0000)/" or "2026-11-20T00:00:00"."""
    if not value:
        return None
    text = str(value)
    if text.startswith("/Date("):
        ms = int(text[6:].split("+")[0].split("-")[0].rstrip(")/"))
        return datetime.fromtimestamp(ms / 1000, tz=UTC).date()
    return date.fromisoformat(text[:10])


def apply_xero_invoices(elements: list[dict], result: PullResult) -> None:
    """Bring NCC in line with Xero for these invoices: money paid in Xero becomes a payment
    (method "xero") for the difference only, so applying the same change twice does nothing;
    a paid invoice marks its appointments paid through record_payment."""
    from billing import services
    from billing.errors import BillingError

    ids = [el.get("InvoiceID") for el in elements if el.get("InvoiceID")]
    links = {link.xero_invoice_id: link for link in XeroInvoiceLink.objects.filter(
        xero_invoice_id__in=ids).select_related("invoice")}
    for element in elements:
        link = links.get(element.get("InvoiceID"))
        if link is None:
            continue  # not one of ours (or not linked yet: the push will link it)
        result.seen += 1
        invoice = link.invoice
        changes = {"xero_status": element.get("Status") or link.xero_status,
                   "xero_total": _amount(element.get("Total")) if "Total" in element
                   else link.xero_total,
                   "xero_amount_paid": _amount(element.get("AmountPaid"))
                   if "AmountPaid" in element else link.xero_amount_paid}
        if any(getattr(link, k) != v for k, v in changes.items()):
            XeroInvoiceLink.objects.filter(pk=link.pk).update(**changes,
                                                              updated_at=timezone.now())
        paid_in_xero = Decimal(str(element.get("AmountPaid") or 0)).quantize(gst.CENT)
        missing = paid_in_xero - invoice.amount_paid
        if missing <= 0 or invoice.status not in (InvoiceStatus.AWAITING_PAYMENT,):
            continue
        paid_on = _xero_date(element.get("FullyPaidOnDate")) or timezone.localdate(
            timezone=invoice.clinic.tz)
        try:
            services.record_payment(invoice.pk, amount=min(missing, invoice.amount_due),
                                    method="xero", paid_on=min(
                                        paid_on, timezone.localdate(timezone=invoice.clinic.tz)),
                                    reference="Paid in Xero")
        except BillingError as exc:
            result.errors[invoice.number] = exc.message
        else:
            result.updated += 1


def pull_invoice_changes(since: datetime | None = None) -> PullResult:
    """Fetch ACCREC invoices changed in Xero since `since` (all when None), one call per page
    of 100, and apply them."""
    import httpx


    headers = {}
    if since is not None:
        headers["If-Modified-Since"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    result = PullResult()
    with httpx.Client(timeout=_timeout(), headers=headers) as http, \
            XeroClient(active_connection(), http=http) as api:
        page = 1
        while True:
            reply = api.request("GET", "/Invoices", params={
                "where": 'Type=="ACCREC"', "page": str(page), "pageSize": str(PAGE_SIZE),
                "summaryOnly": "true"})
            result.calls += 1
            if not reply.ok:

                raise XeroError(validation_message(reply.data) or
                                f"Xero answered {reply.status} when asked for invoices.")
            elements = (reply.data or {}).get("Invoices", [])
            apply_xero_invoices(elements, result)
            record_orphans(elements)
            pages = ((reply.data or {}).get("pagination") or {}).get("pageCount")
            if len(elements) < PAGE_SIZE or (pages is not None and page >= pages):
                break
            page += 1
    return result


def sweep_invoice_changes() -> PullResult | None:
    """The periodic sweep: everything changed in Xero since the last good sweep. Idempotent and
    safe to run late (the window simply widens)."""


    if not XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
        return None
    state, _ = XeroInvoiceSweep.objects.get_or_create(name="payments")
    started = timezone.now()
    since = state.changed_since - SWEEP_OVERLAP if state.changed_since else None
    try:
        result = pull_invoice_changes(since)
    except XeroError as exc:
        XeroInvoiceSweep.objects.filter(pk=state.pk).update(last_run_at=started,
                                                            last_error=exc.message)
        raise
    XeroInvoiceSweep.objects.filter(pk=state.pk).update(
        changed_since=started, last_run_at=started, last_calls=result.calls,
        last_updated=result.updated, last_error="")
    return result


def push_unsent_invoices() -> PushResult | None:
    """Part of the sweep: invoices that should be in Xero and are not (never sent, sent with an
    unknown outcome, or waiting after Xero was busy). Failed ones wait for a person's retry."""

    if not XeroConnection.objects.filter(status=XeroConnection.Status.ACTIVE).exists():
        return None
    ids = list(Invoice.objects.exclude(status__in=[InvoiceStatus.VOIDED, InvoiceStatus.DRAFT])
               .exclude(xero_link__status__in=[XeroInvoiceLink.Status.SYNCED,
                                               XeroInvoiceLink.Status.FAILED])
               .values_list("pk", flat=True)[:1000])
    return push_invoices(ids) if ids else None


def fetch_and_apply(xero_invoice_ids: list[str]) -> PullResult:
    """The invoices named by webhook events, fetched in batches by ID and applied."""

    result = PullResult()
    with XeroClient(active_connection()) as api:
        for batch in _chunks(list(xero_invoice_ids), 50):
            reply = api.request("GET", "/Invoices", params={"IDs": ",".join(batch),
                                                             "summaryOnly": "true"})
            result.calls += 1
            if reply.ok:
                apply_xero_invoices((reply.data or {}).get("Invoices", []), result)
    return result


# -- payments taken in NCC -> Xero -----------------------------------------------------------
def payment_reference(payment) -> str:
    """What we send as the payment's Reference: our id first (to find it again), then the
    desk's own reference."""
    return f"NCC {payment.pk}" + (f" {payment.reference}" if payment.reference else "")


def _payment_account(method: str = "") -> str:
    """The Xero bank or clearing account a payment of this method lands in (Settings: payment
    method accounts, e.g. a HICAPS clearing account), else the practice's payments account."""
    from billing.models import PaymentMethodAccount

    if method:
        code = (PaymentMethodAccount.objects.filter(method=method)
                .values_list("account_code", flat=True).first())
        if code:
            return code

    return (XeroAccountMapping.objects.filter(purpose=XeroAccountMapping.Purpose.PAYMENTS)
            .values_list("account_code", flat=True).first()
            or getattr(settings, "BILLING_XERO_PAYMENT_ACCOUNT", "090"))


class PaymentPush(_BatchPush):
    link_model = XeroPaymentLink
    key_prefix = "ncc-pays-"

    def __init__(self, conn):
        super().__init__(conn)
        self.account = _payment_account()
        self.accounts: dict[str, str] = {}

    def _account(self, method: str) -> str:
        if method not in self.accounts:
            self.accounts[method] = _payment_account(method)
        return self.accounts[method]

    def _save(self, links):
        XeroPaymentLink.objects.bulk_update(
            links, ["status", "xero_payment_id", "outcome_unknown", "sent_at", "error",
                    "attempts", "synced_at", "updated_at"])

    def _synced(self, link, element):
        link.status, link.xero_payment_id = XeroPaymentLink.Status.SYNCED, \
            element.get("PaymentID", "")
        link.error, link.outcome_unknown, link.synced_at = "", False, timezone.now()

    def _lookup(self, links) -> None:
        for batch in _chunks(links, 20):
            refs = {payment_reference(link.payment): link for link in batch}
            where = " OR ".join(f'Reference=="{ref}"' for ref in refs)
            reply = self.api.request("GET", "/Payments", params={"where": where})
            self.result.lookup_calls += 1
            if not reply.ok:
                continue
            found = {p.get("Reference"): p for p in (reply.data or {}).get("Payments", [])
                     if p.get("Status") != "DELETED"}
            for ref, link in refs.items():
                self._settle_lookup(link, found.get(ref))
            self._save(batch)

    def _send(self, batch) -> None:
        self._mark_sending(batch)
        body = {"Payments": [{
            "Invoice": {"InvoiceID": link.payment.invoice.xero_link.xero_invoice_id},
            "Account": {"Code": self._account(link.payment.method)},
            "Date": link.payment.date.isoformat(),
            "Amount": float(link.payment.amount), "Reference": payment_reference(link.payment),
        } for link in batch]}
        reply = self._put(batch, "/Payments", {"summarizeErrors": "false"}, body,
                          [f"ncc-pay-{link.payment_id}" for link in batch])
        if reply is not None:
            self._apply_reply(
                batch, reply, collection="Payments",
                key_of_link=lambda link: payment_reference(link.payment),
                key_of_element=lambda el: el.get("Reference"), error_flag="HasValidationErrors")

    def run(self, payment_ids) -> PushResult:
        payments = list(Payment.objects.filter(pk__in=list(payment_ids))
                        # Account credit spent is no money received: not a Xero payment.
                        .exclude(method__in=[PaymentMethod.XERO, PaymentMethod.ACCOUNT_CREDIT])
                        .filter(invoice__xero_link__status=XeroInvoiceLink.Status.SYNCED)
                        .select_related("invoice__xero_link"))
        have = set(XeroPaymentLink.objects.filter(payment__in=payments)
                   .values_list("payment_id", flat=True))
        XeroPaymentLink.objects.bulk_create(
            [XeroPaymentLink(payment=p) for p in payments if p.pk not in have],
            ignore_conflicts=True)
        by_id = {p.pk: p for p in payments}
        mine = self._claim(XeroPaymentLink.objects.filter(payment__in=payments).exclude(
            status=XeroPaymentLink.Status.SYNCED).values_list("pk", flat=True))
        links = list(XeroPaymentLink.objects.filter(pk__in=mine)
                     .exclude(status=XeroPaymentLink.Status.SYNCED))
        for link in links:
            link.payment = by_id[link.payment_id]
        links.sort(key=lambda link: str(link.payment_id))  # same elements, same body and key
        for link in links:
            if link.status == XeroPaymentLink.Status.FAILED:
                link.status, link.error = XeroPaymentLink.Status.PENDING, ""
        self._rounds(links, self._send)
        self._tally(links, lambda link: str(link.payment_id))
        return self.result


def push_payments(payment_ids) -> PushResult:
    """Send payments taken in NCC to Xero against their (already synced) invoices, once."""

    push = PaymentPush(active_connection())
    try:
        return push.run(payment_ids)
    finally:
        push.close()


def push_unsent_payments() -> PushResult | None:
    if not xero_connected():
        return None
    ids = list(Payment.objects.exclude(method=PaymentMethod.XERO)
               .filter(invoice__xero_link__status=XeroInvoiceLink.Status.SYNCED)
               .exclude(xero_link__status__in=[XeroPaymentLink.Status.SYNCED,
                                               XeroPaymentLink.Status.FAILED])
               .values_list("pk", flat=True)[:1000])
    return push_payments(ids) if ids else None


def enqueue_payment_push(payment_id) -> None:
    if not xero_connected():
        return
    from .tasks import push_payments_to_xero

    transaction.on_commit(lambda: push_payments_to_xero.enqueue([str(payment_id)]))


# -- voids ------------------------------------------------------------------------------------
def void_in_xero(invoice_ids) -> PushResult:
    """An invoice voided in NCC is voided in Xero too (a draft there is deleted). Xero voids only
    invoices without payments, as NCC does; its refusal is kept on the link in words."""

    result = PushResult()
    links = list(XeroInvoiceLink.objects.filter(
        invoice__pk__in=list(invoice_ids), invoice__status=InvoiceStatus.VOIDED,
        status=XeroInvoiceLink.Status.SYNCED).exclude(xero_status__in=["VOIDED", "DELETED"])
        .select_related("invoice"))
    if not links:
        return result
    with XeroClient(active_connection()) as api:
        for link in links:
            target = "DELETED" if link.xero_status in ("DRAFT", "SUBMITTED") else "VOIDED"
            try:
                reply = api.request(
                    "POST", f"/Invoices/{link.xero_invoice_id}",
                    json={"Invoices": [{"InvoiceID": link.xero_invoice_id, "Status": target}]},
                    idempotency_key=f"ncc-void-{link.xero_invoice_id}")
            except XeroOutcomeUnknown:
                result.push_calls += 1
                continue  # the next sweep reads the status back and tries again if needed
            result.push_calls += 1
            elements = (reply.data or {}).get("Invoices", []) if reply.ok else []
            if reply.ok and elements and not elements[0].get("HasErrors"):
                link.xero_status, link.error = elements[0].get("Status", target), ""
                link.xero_total = _amount(elements[0].get("Total", link.xero_total))
                result.synced += 1
            else:

                link.error = ((_words(elements[0]) if elements else "")
                              or validation_message(reply.data)
                              or f"Xero answered {reply.status} to the void.")[:2000]
                result.failed += 1
                result.errors[link.invoice.number] = link.error
            link.save(update_fields=["xero_status", "error", "xero_total", "updated_at"])
    return result


def void_unsynced_voids() -> PushResult | None:
    if not xero_connected():
        return None
    ids = list(Invoice.objects.filter(status=InvoiceStatus.VOIDED,
                                      xero_link__status=XeroInvoiceLink.Status.SYNCED)
               .exclude(xero_link__xero_status__in=["VOIDED", "DELETED"])
               .exclude(xero_link__error__gt="").values_list("pk", flat=True)[:500])
    return void_in_xero(ids) if ids else None


def enqueue_void(invoice_id) -> None:
    if not xero_connected():
        return
    from .tasks import void_invoices_in_xero

    transaction.on_commit(lambda: void_invoices_in_xero.enqueue([str(invoice_id)]))


def update_in_xero(invoice_id) -> str:
    """After a line or the payer changed on an invoice Xero already has (and nothing is paid):
    send the invoice again by its InvoiceID (POST updates it in place), so Xero's lines, tax
    and contact match NCC. Not in Xero yet: pushed as a new invoice. Sending the same content
    twice changes nothing, so a retry is safe."""
    link = XeroInvoiceLink.objects.filter(invoice_id=invoice_id).select_related("invoice").first()
    if link is None or not link.xero_invoice_id:
        push_invoices([invoice_id])
        return "pushed"
    invoice = (Invoice.objects.select_related("patient", "clinic").prefetch_related("lines")
               .get(pk=invoice_id))
    push = InvoicePush(active_connection())
    try:
        contact = push._contacts([invoice]).get(contact_key(invoice))
        if not contact:
            return "no contact"
        payload = invoice_payload(invoice, contact, tracking_from_xero(invoice.clinic))
        payload["InvoiceID"] = link.xero_invoice_id
        digest = hashlib.sha256(repr(payload).encode()).hexdigest()[:32]
        try:
            reply = push.api.request("POST", "/Invoices", params={"unitdp": "4"},
                                     json={"Invoices": [payload]},
                                     idempotency_key=f"ncc-upd-{digest}")
        except XeroOutcomeUnknown:
            XeroInvoiceLink.objects.filter(pk=link.pk).update(
                error="Sent an update to Xero; no reply came back. Check again.")
            return "unknown"
        element = ((reply.data or {}).get("Invoices") or [{}])[0] if reply.ok else {}
        if not reply.ok or element.get("HasErrors"):
            words = _words(element) if element else validation_message(reply.data)
            XeroInvoiceLink.objects.filter(pk=link.pk).update(
                error=f"Xero did not take the change: {words}"[:2000])
            return "refused"
        push._synced(link, element)
        push._save([link])
        return "updated"
    finally:
        push.close()


def enqueue_update(invoice_id) -> None:
    if not xero_connected():
        return
    from .tasks import update_invoices_in_xero

    transaction.on_commit(lambda: update_invoices_in_xero.enqueue([str(invoice_id)]))


def resync_invoice(invoice_id) -> str:
    """The reconciliation page's button: send what Xero lacks (invoice, desk payments, a void),
    then read Xero's copy back and apply it. Each step is exactly-once, so pressing twice is
    harmless. Returns what happened, in words."""
    invoice = Invoice.objects.get(pk=invoice_id)
    if invoice.status != InvoiceStatus.DRAFT and not invoice.is_voided:
        pushed = push_invoices([invoice.pk])
        if pushed.failed:
            return f"Xero refused it: {pushed.errors.get(invoice.number, '')}"
        push_payments(list(invoice.payments.values_list("pk", flat=True)))
    if invoice.is_voided:
        void_in_xero([invoice.pk])
    link = XeroInvoiceLink.objects.filter(invoice=invoice).first()
    if link and link.xero_invoice_id:
        fetch_and_apply([link.xero_invoice_id])
        return "re-synced with Xero."
    return "nothing to send to Xero."


def record_orphans(elements: list[dict]) -> int:
    """Xero ACCREC invoices numbered like ours that NCC has neither an invoice nor a link for."""

    prefix = settings.BILLING_INVOICE_PREFIX
    ours = [el for el in elements if el.get("Type", "ACCREC") == "ACCREC"
            and str(el.get("InvoiceNumber", "")).startswith(prefix) and el.get("InvoiceID")]
    if not ours:
        return 0
    linked = set(XeroInvoiceLink.objects.filter(
        xero_invoice_id__in=[el["InvoiceID"] for el in ours]).values_list(
        "xero_invoice_id", flat=True))
    known = set(Invoice.objects.filter(number__in=[el["InvoiceNumber"] for el in ours])
                .values_list("number", flat=True))
    found = 0
    for el in ours:
        if el["InvoiceID"] in linked or el["InvoiceNumber"] in known:
            continue
        XeroOrphanInvoice.objects.update_or_create(
            xero_invoice_id=el["InvoiceID"],
            defaults={"number": el["InvoiceNumber"][:30], "total": _amount(el.get("Total")),
                      "status": el.get("Status", "")})
        found += 1
    return found
