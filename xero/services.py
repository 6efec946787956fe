"""Xero business rules: connecting and disconnecting, mappings, and syncing patients to Xero
contacts exactly once.

Exactly-once is ours to guarantee (Xero forgets an Idempotency-Key after minutes): before a
create goes out, the patient's link is marked `outcome_unknown`; if no reply comes back, the
contact is looked up by ContactNumber (our patient number) before anything is sent again. A Xero
contact that already holds our number, or has the same name and email, is linked rather than
duplicated; a name Xero says is taken by someone else gets our patient number added to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from audit.services import record
from patients.models import Patient

from . import client, oauth
from .client import (
    CallRecord,
    XeroClient,
    XeroDayLimit,
    XeroError,
    XeroNotConnected,
    XeroOutcomeUnknown,
    XeroReauthRequired,
    XeroTokenRejected,
    save_records,
)
from .models import (
    XeroAccountMapping,
    XeroApiCall,
    XeroConnection,
    XeroContactLink,
    XeroItemMapping,
    XeroSyncJob,
    XeroTrackingMapping,
)

log = logging.getLogger(__name__)


def audit_record(actor, obj, summary: str, changes: dict | None = None) -> None:
    record(actor, "other", obj, summary, changes)

BATCH_SIZE = 50
MAX_TRIES_PER_PATIENT = 4
DUPLICATE_NAME_TEXT = "is already assigned to another contact"


# -- connection ------------------------------------------------------------------------------
def active_connection() -> XeroConnection:
    conn = XeroConnection.current()
    if conn is None or conn.status == XeroConnection.Status.DISCONNECTED:
        raise XeroNotConnected("Xero is not connected. An admin can connect it in Settings.")
    if conn.status == XeroConnection.Status.NEEDS_REAUTH:
        raise XeroReauthRequired(oauth.REAUTH_WORDS)
    if conn.status == XeroConnection.Status.CHOOSING:
        raise XeroNotConnected("Choose which Xero organisation to use in Settings first.")
    return conn


def complete_connection(*, actor, code: str) -> XeroConnection:
    """After the callback: exchange the code, list the organisations this consent reached and
    keep the connection (active when there is one organisation, else waiting for a choice)."""
    token = oauth.exchange_code(code)
    auth_event = oauth.jwt_claims(token["access_token"]).get("authentication_event_id", "")
    tenants = client.get_connections(token["access_token"], auth_event)
    if not tenants:
        raise XeroError("Xero says no organisation was chosen. Connect again and pick the "
                        "practice's organisation.")
    id_claims = oauth.jwt_claims(token.get("id_token", ""))
    with transaction.atomic():
        for old in XeroConnection.objects.exclude(status=XeroConnection.Status.DISCONNECTED):
            old.status, old.disconnected_at = XeroConnection.Status.DISCONNECTED, timezone.now()
            old.save(update_fields=["status", "disconnected_at"])
        conn = XeroConnection(connected_by=actor, auth_event_id=auth_event,
                              xero_user_email=id_claims.get("email", ""),
                              available_tenants=[{"tenantId": t["tenantId"], "tenantName":
                                                  t.get("tenantName", ""), "id": t["id"]}
                                                 for t in tenants])
        oauth.apply_token(conn, token)
        conn.save()
        if len(tenants) == 1:
            choose_tenant(conn, tenants[0]["tenantId"], actor=actor)
    return conn


def choose_tenant(conn: XeroConnection, tenant_id: str, *, actor) -> XeroConnection:
    chosen = next((t for t in conn.available_tenants if t["tenantId"] == tenant_id), None)
    if chosen is None:
        raise XeroError("That organisation is not one you connected; connect again.",
                        field="tenant_id")
    previous = XeroConnection.objects.exclude(pk=conn.pk).exclude(tenant_id="").order_by(
        "-connected_at").first()
    if previous is not None and previous.tenant_id != chosen["tenantId"]:
        # Another organisation: our contact links and tracking options point into the old one.
        XeroContactLink.objects.all().delete()
        XeroTrackingMapping.objects.all().delete()
    conn.tenant_id, conn.tenant_name = chosen["tenantId"], chosen["tenantName"]
    conn.xero_connection_id = chosen["id"]
    conn.status = XeroConnection.Status.ACTIVE
    conn.last_error = ""
    conn.save()
    audit_record(actor, conn, f"Connected Xero organisation {conn.tenant_name}")
    return conn


def disconnect(*, actor) -> None:
    """Revoke the refresh token (removes our access to every org this consent reached)."""
    conn = XeroConnection.current()
    if conn is None:
        return
    token = conn.refresh_token
    if token:
        client.revoke_token(token, connection_id=conn.pk)
    conn.status, conn.disconnected_at = XeroConnection.Status.DISCONNECTED, timezone.now()
    conn.access_token, conn.refresh_token = "", ""
    conn.save()
    audit_record(actor, conn, f"Disconnected Xero organisation {conn.tenant_name}")


def recent_errors(limit: int = 8) -> list[XeroApiCall]:
    return list(XeroApiCall.objects.exclude(error="")[:limit])


def keep_token_alive(max_age_days: int = 30) -> bool:
    """Xero's refresh token dies after 60 days unused: renew it when a quiet practice has not
    called Xero for a month. Returns True when it renewed. Idempotent."""
    conn = XeroConnection.current()
    if conn is None or conn.status != XeroConnection.Status.ACTIVE:
        return False
    issued = conn.refresh_token_issued_at or conn.connected_at
    if issued > timezone.now() - timedelta(days=max_age_days):
        return False
    try:
        oauth.access_token_for(conn.pk, stale_token=conn.access_token)
    except XeroError as exc:
        log.warning("Keeping the Xero token alive failed: %s", exc.message)
        return False
    return True


def prune_call_log(days: int = 30) -> int:
    """Keep a month of call records: enough to explain a problem, not an ever-growing table."""
    cutoff = timezone.now() - timedelta(days=days)
    return XeroApiCall.objects.filter(created_at__lt=cutoff).delete()[0]


# -- lists and mappings ----------------------------------------------------------------------
LISTS = {"accounts": "/Accounts", "items": "/Items", "tax_rates": "/TaxRates",
         "tracking": "/TrackingCategories"}
PLURAL = {"accounts": "Accounts", "items": "Items", "tax_rates": "TaxRates",
          "tracking": "TrackingCategories"}


def xero_lists(*, refresh: bool = False) -> dict:
    """Accounts, Items, TaxRates and TrackingCategories from Xero, cached for 10 minutes."""
    conn = active_connection()
    key = f"xero-lists:{conn.tenant_id}"
    lists = None if refresh else cache.get(key)
    if lists is None:
        lists = {}
        with XeroClient(conn) as api:
            for name, path in LISTS.items():
                params = {"where": 'Status=="ACTIVE"'} if name == "accounts" else None
                reply = api.request("GET", path, params=params)
                lists[name] = (reply.data or {}).get(PLURAL[name], []) if reply.ok else []
        cache.set(key, lists, 600)
    return lists


def save_item_mapping(*, appointment_type, item_code: str, account_code: str, tax_type: str,
                      actor) -> XeroItemMapping | None:
    item_code, account_code = item_code.strip(), account_code.strip()
    if not item_code and not account_code:
        XeroItemMapping.objects.filter(appointment_type=appointment_type).delete()
        return None
    mapping, _ = XeroItemMapping.objects.update_or_create(
        appointment_type=appointment_type,
        defaults={"item_code": item_code, "account_code": account_code,
                  "tax_type": tax_type or "OUTPUT"})
    audit_record(actor, mapping, f"Xero mapping for {appointment_type}: item {item_code or '-'}, "
                 f"account {account_code or '-'}, tax {mapping.tax_type}")
    return mapping


def save_account_mapping(*, purpose: str, account_code: str, lists: dict, actor):
    """The practice-wide default sales account or the bank account that takes payments."""
    if not account_code:
        XeroAccountMapping.objects.filter(purpose=purpose).delete()
        return None
    account = next((a for a in lists.get("accounts", []) if a.get("Code") == account_code), None)
    if account is None:
        raise XeroError("That account is no longer in Xero; reload the lists.", field=purpose)
    if purpose == XeroAccountMapping.Purpose.PAYMENTS and not (
            account.get("Type") == "BANK" or account.get("EnablePaymentsToAccount")):
        raise XeroError(f"Xero only takes payments into a bank account or one that allows "
                        f"payments; {account['Code']} {account['Name']} does not.", field=purpose)
    mapping, _ = XeroAccountMapping.objects.update_or_create(
        purpose=purpose, defaults={"account_code": account_code,
                                   "account_name": account.get("Name", "")})
    audit_record(actor, mapping, f"Xero {mapping.get_purpose_display().lower()}: "
                 f"{account_code} {mapping.account_name}")
    return mapping


def save_tracking_mapping(*, clinic, option_id: str, lists: dict, actor):
    if not option_id:
        XeroTrackingMapping.objects.filter(clinic=clinic).delete()
        return None
    for category in lists.get("tracking", []):
        for option in category.get("Options", []):
            if option["TrackingOptionID"] == option_id:
                mapping, _ = XeroTrackingMapping.objects.update_or_create(
                    clinic=clinic, defaults={
                        "category_id": category["TrackingCategoryID"],
                        "category_name": category["Name"], "option_id": option_id,
                        "option_name": option["Name"]})
                audit_record(actor, mapping, f"Xero tracking for {clinic}: {option['Name']}")
                return mapping
    raise XeroError("That tracking option is no longer in Xero; reload the lists.",
                    field="tracking")


# -- contacts --------------------------------------------------------------------------------
def contact_number(patient: Patient) -> str:
    return f"{settings.XERO_CONTACT_NUMBER_PREFIX}{patient.number}"


def _disambiguated(patient: Patient) -> str:
    return f"{patient.full_name} ({contact_number(patient)})"


def contact_payload(patient: Patient, name: str, contact_id: str = "") -> dict:
    data = {"Name": name, "FirstName": patient.first_name, "LastName": patient.last_name,
            "ContactNumber": contact_number(patient), "EmailAddress": patient.email or ""}
    if contact_id:
        data["ContactID"] = contact_id
    if patient.mobile:
        if patient.mobile.startswith("+61"):
            data["Phones"] = [{"PhoneType": "MOBILE", "PhoneCountryCode": "61",
                               "PhoneNumber": "0" + patient.mobile[3:]}]
        else:
            data["Phones"] = [{"PhoneType": "MOBILE", "PhoneNumber": patient.mobile}]
    if patient.address_line:
        data["Addresses"] = [{"AddressType": "POBOX", "AddressLine1": patient.address_line,
                              "City": patient.suburb, "Region": patient.state,
                              "PostalCode": patient.postcode, "Country": "Australia"}]
    return data


def changed_patients():
    """Patients not yet in Xero, changed since their last sync, or whose last sync failed."""
    return Patient.objects.filter(archived=False).filter(
        Q(xero_link__isnull=True) | ~Q(xero_link__status=XeroContactLink.Status.SYNCED)
        | Q(updated_at__gt=F("xero_link__synced_at")))


def _shared_names() -> set[str]:
    """Lower-cased full names that more than one of our patients has (one query)."""
    rows = (Patient.objects.annotate(f=Lower("first_name"), la=Lower("last_name"))
            .values("f", "la").annotate(n=Count("id")).filter(n__gt=1))
    return {f"{r['f']} {r['la']}" for r in rows}


def _name_for(patient: Patient, link: XeroContactLink | None, shared: set[str]) -> str:
    if link and link.contact_name and link.contact_name.startswith(patient.full_name):
        return link.contact_name
    if patient.full_name.lower() in shared:
        return _disambiguated(patient)
    return patient.full_name


def _quote(value: str) -> str:
    """A string literal for Xero's `where` (C#-like: backslash and double quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ors(field_name: str, values: list[str]) -> str:
    return " OR ".join(f"{field_name}=={_quote(v)}" for v in values)


@dataclass
class SyncResult:
    synced: int = 0
    failed: int = 0
    calls: int = 0
    errors: dict = field(default_factory=dict)  # patient id -> words


class ContactSync:
    """Sends patients to Xero 50 at a time, up to XERO_MAX_IN_FLIGHT batches at once. HTTP runs
    in worker threads; every database read and write stays in the calling thread."""

    def __init__(self, conn: XeroConnection, *, progress=None):
        self.conn = conn
        self.progress = progress
        self.records: deque[CallRecord] = deque()
        self.result = SyncResult()
        self.tries: dict = {}
        self.forced_names: dict = {}  # patient id -> name to use (after a name clash)
        self.forced_ids: dict = {}  # patient id -> Xero ContactID to claim
        self.shared_names: set | None = None

    # HTTP, in a worker thread
    def _send(self, api: XeroClient, method: str, path: str, **kw):
        try:
            return api.request(method, path, **kw), None
        except XeroError as exc:
            return None, exc

    def _api(self, token: str) -> XeroClient:
        def fixed(stale):
            if stale:
                raise XeroTokenRejected("Xero refused the access token.")
            return token
        return XeroClient(self.conn, token_source=fixed, log=self.records, http=self.http)

    def _flush(self) -> None:
        records = []
        while self.records:
            records.append(self.records.popleft())
        if records:
            self.result.calls += len(records)
            save_records(self.conn.pk, records)

    def run(self, patient_ids: list) -> SyncResult:
        import httpx

        self.http = httpx.Client(timeout=client._timeout(),
                                 limits=httpx.Limits(max_connections=10))
        queue = deque(patient_ids)
        # Twice Xero's concurrency is prepared ahead: the pacer lets only XERO_MAX_IN_FLIGHT
        # out at once, and the rest wait ready, so our database work overlaps Xero's.
        ahead = 2 * int(settings.XERO_MAX_IN_FLIGHT)
        in_flight: dict = {}
        stop: XeroError | None = None
        try:
            with ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="xero-sync") as pool:
                while (queue and stop is None) or in_flight:
                    while queue and stop is None and len(in_flight) < ahead:
                        # The token first: if Xero refuses us, nothing is marked as sent.
                        token = oauth.access_token_for(self.conn.pk)
                        batch = [queue.popleft() for _ in range(min(BATCH_SIZE, len(queue)))]
                        prepared = self._prepare(batch)
                        if prepared is None:
                            continue
                        elements, key = prepared
                        future = pool.submit(
                            self._send, self._api(token), "POST", "/Contacts",
                            params={"summarizeErrors": "false"},
                            json={"Contacts": elements}, idempotency_key=key)
                        in_flight[future] = (elements, token)
                    if not in_flight:
                        break
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        elements, token = in_flight.pop(future)
                        reply, exc = future.result()
                        try:
                            requeue = self._apply(elements, token, reply, exc)
                        except (XeroDayLimit, XeroReauthRequired, XeroNotConnected) as err:
                            stop = stop or err
                            requeue = []
                        queue.extend(requeue)
                        self._flush()
                    if self.progress:
                        self.progress(self.result)
        finally:
            self._flush()
            self.http.close()
        if stop is not None:
            raise stop
        return self.result

    def _prepare(self, patient_ids: list):
        patients = list(Patient.objects.filter(pk__in=patient_ids).select_related("xero_link"))
        if not patients:
            return None
        links = {}
        missing = []
        for p in patients:
            link = getattr(p, "xero_link", None)
            if link is None:
                link = XeroContactLink(patient=p, contact_number=contact_number(p))
                missing.append(link)
            links[p.pk] = link
        if missing:
            XeroContactLink.objects.bulk_create(missing, ignore_conflicts=True)
            fresh = {lk.patient_id: lk for lk in
                     XeroContactLink.objects.filter(patient_id__in=[m.patient_id
                                                                    for m in missing])}
            links.update(fresh)
        # Links whose last create has an unknown outcome: settle them before sending again.
        unknown = [p for p in patients if links[p.pk].outcome_unknown and
                   not links[p.pk].contact_id]
        settled = self._settle_unknown(unknown, links) if unknown else set()
        if self.shared_names is None:
            self.shared_names = _shared_names()
        shared = self.shared_names
        elements, to_mark = [], []
        for p in sorted(patients, key=lambda x: x.number):
            link = links[p.pk]
            if p.pk in settled:
                continue  # Xero already holds what we sent last time
            self.tries[p.pk] = self.tries.get(p.pk, 0) + 1
            if self.tries[p.pk] > MAX_TRIES_PER_PATIENT:
                self._fail(link, "Xero did not confirm this contact after several tries; "
                           "try again later.")
                continue
            contact_id = self.forced_ids.get(p.pk) or link.contact_id
            name = self.forced_names.get(p.pk) or _name_for(p, link, shared)
            elements.append(contact_payload(p, name, contact_id))
            if not contact_id:
                to_mark.append(link.pk)
        # Written before the call leaves: if no reply comes, we know to look before resending.
        XeroContactLink.objects.filter(pk__in=to_mark).update(
            outcome_unknown=True, status=XeroContactLink.Status.PENDING)
        if not elements:
            return None
        body = json.dumps(elements, sort_keys=True).encode()
        key = "contacts:" + hashlib.sha256(body).hexdigest()[:48]
        return elements, key

    def _lookup(self, field_name: str, values: list[str]) -> list[dict]:
        """GET /Contacts where Field=="a" OR ... (in chunks that keep the URL short)."""
        found = []
        api = XeroClient(self.conn, log=self.records, http=self.http)
        for i in range(0, len(values), 25):
            reply = api.request("GET", "/Contacts",
                                params={"where": _ors(field_name, values[i:i + 25])})
            if reply.ok:
                found.extend((reply.data or {}).get("Contacts", []))
        return found

    def _settle_unknown(self, patients: list[Patient], links: dict) -> set:
        numbers = {contact_number(p): p for p in patients}
        settled = set()
        for contact in self._lookup("ContactNumber", list(numbers)):
            p = numbers.get(contact.get("ContactNumber"))
            if p is not None and not links[p.pk].contact_id:
                self._linked(links[p.pk], contact)
                settled.add(p.pk)
        for p in patients:
            link = links[p.pk]
            if not link.contact_id:
                link.outcome_unknown = False  # Xero has no such contact: safe to create
                link.save(update_fields=["outcome_unknown", "updated_at"])
        return settled

    LINK_FIELDS = ["contact_id", "contact_name", "status", "outcome_unknown", "error",
                   "payload_hash", "synced_at", "updated_at"]

    def _linked(self, link: XeroContactLink, contact: dict, payload_hash: str = "",
                save: bool = True) -> None:
        link.contact_id = contact["ContactID"]
        link.contact_name = contact.get("Name", "")
        link.status = XeroContactLink.Status.SYNCED
        link.outcome_unknown = False
        link.error = ""
        link.payload_hash = payload_hash
        link.synced_at = link.updated_at = timezone.now()
        if save:
            link.save()
        self.forced_ids.pop(link.patient_id, None)
        self.forced_names.pop(link.patient_id, None)
        self.result.synced += 1
        self.result.errors.pop(link.patient_id, None)

    def _fail(self, link: XeroContactLink, words: str) -> None:
        link.status = XeroContactLink.Status.FAILED
        link.outcome_unknown = False
        link.error = words
        link.save()
        self.result.failed += 1
        self.result.errors[link.patient_id] = words

    def _apply(self, elements: list[dict], token: str, reply, exc) -> list:
        numbers = [e["ContactNumber"] for e in elements]
        links = {lk.contact_number: lk for lk in XeroContactLink.objects.filter(
            contact_number__in=numbers).select_related("patient")}
        ids = [links[n].patient_id for n in numbers if n in links]
        if exc is not None:
            if isinstance(exc, XeroOutcomeUnknown):
                # Leave outcome_unknown set: the next _prepare looks these up first.
                return ids
            # Nothing was written (refused before processing): clear the markers.
            XeroContactLink.objects.filter(contact_number__in=numbers,
                                           contact_id="").update(outcome_unknown=False)
            if isinstance(exc, XeroTokenRejected):
                oauth.access_token_for(self.conn.pk, stale_token=token)
                return ids
            if isinstance(exc, (XeroDayLimit, XeroReauthRequired, XeroNotConnected)):
                raise exc
            for n in numbers:
                if n in links:
                    self._fail(links[n], exc.message)
            return []
        if reply.status != 200:
            words = client.validation_message(reply.data)
            for n in numbers:
                if n in links:
                    self._fail(links[n], "Xero refused this contact: " + words)
            return []
        results = (reply.data or {}).get("Contacts", [])
        requeue, clashes, linked = [], [], []
        for sent, got in zip(elements, results, strict=False):
            link = links.get(sent["ContactNumber"])
            if link is None:
                continue
            messages = [e.get("Message", "") for e in got.get("ValidationErrors") or []]
            if got.get("StatusAttributeString") != "ERROR" and got.get("ContactID"):
                digest = hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest()
                self._linked(link, got, digest, save=False)
                linked.append(link)
            elif any(DUPLICATE_NAME_TEXT in m for m in messages):
                clashes.append((link, sent))
            elif any("contact ID is not valid" in m for m in messages) and sent.get("ContactID"):
                # The contact was deleted in Xero: start afresh (lookup first, then create).
                link.contact_id, link.outcome_unknown = "", True
                link.save(update_fields=["contact_id", "outcome_unknown", "updated_at"])
                requeue.append(link.patient_id)
            else:
                self._fail(link, "Xero refused this contact: " + " ".join(messages))
        _save_links(linked)
        if clashes:
            requeue.extend(self._resolve_name_clashes(clashes))
        return requeue

    def _resolve_name_clashes(self, clashes: list) -> list:
        """Xero says the name is taken. Same number, or same name and email: link to it.
        Otherwise add our patient number to the name and send again."""
        existing = self._lookup("Name", sorted({sent["Name"] for _, sent in clashes}))
        by_name: dict = {}
        for contact in existing:
            by_name.setdefault(contact.get("Name", "").lower(), []).append(contact)
        requeue = []
        for link, sent in clashes:
            patient = link.patient
            target = None
            for contact in by_name.get(sent["Name"].lower(), []):
                same_number = contact.get("ContactNumber") == sent["ContactNumber"]
                same_person = bool(patient.email) and not contact.get("ContactNumber") and \
                    (contact.get("EmailAddress") or "").lower() == patient.email.lower()
                if same_number or same_person:
                    target = contact
                if target is not None and XeroContactLink.objects.filter(
                        contact_id=target["ContactID"]).exclude(pk=link.pk).exists():
                    target = None
                if target is not None:
                    break
            if target is not None and target.get("ContactNumber") == sent["ContactNumber"]:
                self._linked(link, target)
            elif target is not None:
                self.forced_ids[link.patient_id] = target["ContactID"]
                requeue.append(link.patient_id)  # an update that claims it with our number
            elif sent["Name"] != _disambiguated(patient):
                self.forced_names[link.patient_id] = _disambiguated(patient)
                link.outcome_unknown = False
                link.save(update_fields=["outcome_unknown", "updated_at"])
                requeue.append(link.patient_id)
            else:
                self._fail(link, f"Xero already has another contact named {sent['Name']}.")
        return requeue


def _save_links(links: list[XeroContactLink]) -> None:
    """One executemany for a batch of linked contacts (bulk_update's CASE is slow for 50)."""
    if not links:
        return
    table = XeroContactLink._meta.db_table
    sql = (f"UPDATE {table} SET contact_id = %s, contact_name = %s, status = %s, "
           "outcome_unknown = %s, error = %s, payload_hash = %s, synced_at = %s, "
           "updated_at = %s WHERE id = %s")
    stamp = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [
            (lk.contact_id, lk.contact_name, lk.status, lk.outcome_unknown, lk.error,
             lk.payload_hash, stamp(lk.synced_at), stamp(lk.updated_at), lk.pk)
            for lk in links])


def sync_patient(patient: Patient, *, actor=None) -> XeroContactLink:
    """Sync one patient now (the button on the patient page and the JSON endpoint)."""
    conn = active_connection()
    try:
        ContactSync(conn).run([patient.pk])
    except XeroReauthRequired as exc:
        raise XeroReauthRequired(exc.message + " (reconnect Xero)") from exc
    finally:
        audit_record(actor, patient, "Synced to Xero")
    return XeroContactLink.objects.get(patient=patient)


# -- bulk jobs -------------------------------------------------------------------------------
STALE_JOB = timedelta(minutes=15)


def start_bulk_sync(*, actor, patient_ids: list | None = None) -> XeroSyncJob:
    """One bulk job at a time: a job in progress is returned instead of starting another."""
    active_connection()
    XeroSyncJob.objects.filter(
        status__in=[XeroSyncJob.Status.QUEUED, XeroSyncJob.Status.RUNNING],
        heartbeat_at__lt=timezone.now() - STALE_JOB).update(
        status=XeroSyncJob.Status.FAILED, finished_at=timezone.now(),
        message="Stopped without finishing (the background worker was not running or "
                "restarted). Start the sync again; nothing is sent twice.")
    running = XeroSyncJob.objects.filter(status__in=[XeroSyncJob.Status.QUEUED,
                                                     XeroSyncJob.Status.RUNNING,
                                                     XeroSyncJob.Status.PAUSED]).first()
    if running:
        return running
    total = len(patient_ids) if patient_ids is not None else changed_patients().count()
    job = XeroSyncJob.objects.create(started_by=actor, total=total)
    from .tasks import run_contact_sync_job

    transaction.on_commit(lambda: run_contact_sync_job.enqueue(str(job.pk)))
    return job


def run_sync_job(job_id, *, progress=None) -> XeroSyncJob:
    """Sync every changed patient for this job; pause at Xero's daily limit, resume later."""
    job = XeroSyncJob.objects.get(pk=job_id)
    if job.status in (XeroSyncJob.Status.DONE, XeroSyncJob.Status.FAILED):
        return job
    job.status, job.started_at, job.resume_at = XeroSyncJob.Status.RUNNING, \
        job.started_at or timezone.now(), None
    job.heartbeat_at = timezone.now()
    ids = list(changed_patients().order_by("number").values_list("pk", flat=True))
    job.total = job.synced + job.failed + len(ids)
    job.save()
    base_synced, base_failed, base_calls = job.synced, job.failed, job.calls

    def on_progress(result: SyncResult):
        XeroSyncJob.objects.filter(pk=job.pk).update(
            synced=base_synced + result.synced, failed=base_failed + result.failed,
            calls=base_calls + result.calls, heartbeat_at=timezone.now())
        if progress:
            progress(result)

    sync = ContactSync(active_connection(), progress=on_progress)
    try:
        sync.run(ids)
    except XeroDayLimit as exc:
        retry = float(exc.extra.get("retry_after") or 3600) / float(settings.XERO_CLOCK_SPEED)
        job.refresh_from_db()
        job.status, job.message = XeroSyncJob.Status.PAUSED, exc.message
        job.resume_at = timezone.now() + timedelta(seconds=retry)
        job.save()
        return job
    except XeroError as exc:
        job.refresh_from_db()
        job.status, job.message, job.finished_at = XeroSyncJob.Status.FAILED, exc.message, \
            timezone.now()
        job.save()
        return job
    job.refresh_from_db()
    job.synced, job.failed = base_synced + sync.result.synced, base_failed + sync.result.failed
    job.calls = base_calls + sync.result.calls
    job.status, job.finished_at = XeroSyncJob.Status.DONE, timezone.now()
    if job.failed:
        job.message = (f"{job.synced} synced, {job.failed} failed: see the patients marked "
                       "“Xero failed” for the reason.")
    elif job.synced:
        job.message = f"All {job.synced} patients synced."
    else:
        job.message = "Nothing to sync: every patient is up to date in Xero."
    job.save()
    return job


def resume_paused_jobs() -> int:
    """Periodic sweep: restart jobs whose day-limit pause is over. Idempotent."""
    from .tasks import run_contact_sync_job

    due = list(XeroSyncJob.objects.filter(status=XeroSyncJob.Status.PAUSED,
                                          resume_at__lte=timezone.now())
               .values_list("pk", flat=True))
    for pk in due:
        updated = XeroSyncJob.objects.filter(pk=pk, status=XeroSyncJob.Status.PAUSED).update(
            status=XeroSyncJob.Status.QUEUED)
        if updated:
            run_contact_sync_job.enqueue(str(pk))
    return len(due)
