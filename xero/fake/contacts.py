"""Contacts in the fake Xero: PUT (create only) and POST (create or update by ContactID or
ContactNumber) batches with summarizeErrors, POST /Contacts/{id}, GET /Contacts (where, IDs,
includeArchived, searchTerm, page, If-Modified-Since) and GET /Contacts/{ContactID or Number}.
A Name is unique among active contacts; IsCustomer/IsSupplier are read-only."""

from __future__ import annotations

import re
import uuid

from .common import (
    batch_reply,
    elements_of,
    envelope,
    failed,
    modified_since,
    not_found,
    paged,
    public,
    touch,
    where,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
READ_ONLY = {"ContactID", "IsSupplier", "IsCustomer", "UpdatedDateUTC", "StatusAttributeString",
             "ValidationErrors", "HasValidationErrors"}


def contact_errors(org, contact_id: str | None, data: dict) -> list[str]:
    errors = []
    name = (data.get("Name") or "").strip()
    if not name:
        errors.append("The contact name must be provided.")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or less.")
    else:
        for other_id in org.names.get(name.lower(), ()):
            if other_id != contact_id and org.contacts[other_id]["ContactStatus"] == "ACTIVE":
                errors.append(f"The contact name {name} is already assigned to another "
                              "contact. The contact name must be unique across all active "
                              "contacts.")
                break
    if len(data.get("ContactNumber") or "") > 50:
        errors.append("The contact number must be 50 characters or less.")
    email = data.get("EmailAddress")
    if email and not EMAIL_RE.match(email):
        errors.append("Email address must be valid.")
    return errors


def save_contact(fake, org, existing: dict | None, data: dict) -> dict:
    contact = dict(existing) if existing else {
        "ContactID": str(uuid.uuid4()), "ContactStatus": "ACTIVE", "IsSupplier": False,
        "IsCustomer": False, "Addresses": [], "Phones": [], "ContactGroups": [],
        "ContactPersons": [], "HasAttachments": False}
    for k, v in data.items():
        if k not in READ_ONLY:
            contact[k] = v
    touch(fake, contact)
    contact["HasValidationErrors"] = False
    cid = contact["ContactID"]
    if existing:
        org.names.get(existing.get("Name", "").lower(), set()).discard(cid)
        if org.numbers.get(existing.get("ContactNumber")) == cid:
            del org.numbers[existing["ContactNumber"]]
    org.names.setdefault(contact.get("Name", "").lower(), set()).add(cid)
    if contact.get("ContactNumber"):
        org.numbers.setdefault(contact["ContactNumber"], cid)
    org.contacts[cid] = contact
    return contact


def find_contact(org, key: str) -> dict | None:
    found = org.contacts.get(key)
    if found:
        return found
    cid = org.numbers.get(key)
    return org.contacts.get(cid) if cid else None


def mark_customer(fake, org, contact_id: str) -> None:
    """Xero sets IsCustomer once a sales document exists for the contact (without bumping its
    UpdatedDateUTC: If-Modified-Since does not see it)."""
    contact = org.contacts.get(contact_id)
    if contact:
        contact["IsCustomer"] = True


def get_contacts(fake, request, org, match):
    test = where(request)
    include_archived = request.query.get("includeArchived", "false").lower() == "true"
    ids = {i for i in request.query.get("IDs", "").split(",") if i}
    items = [c for c in org.contacts.values()
             if (include_archived or c["ContactStatus"] == "ACTIVE")
             and (not ids or c["ContactID"] in ids) and test(c)]
    items = modified_since(request, items)
    term = request.query.get("searchTerm", "").lower()
    if term:
        items = [c for c in items if any(term in (c.get(f) or "").lower() for f in
                                         ("Name", "FirstName", "LastName", "ContactNumber",
                                          "EmailAddress"))]
    items, pagination = paged(request, items)
    return 200, envelope(fake, "Contacts", [public(c) for c in items], pagination)


def get_contact(fake, request, org, match):
    contact = find_contact(org, match["key"])
    if not contact:
        return not_found()
    return 200, envelope(fake, "Contacts", [public(contact)])


def write_contacts(fake, request, org, match):
    results = []
    for data in elements_of(request, "Contacts"):
        existing, refusal = _target(fake, org, request, match, data)
        if refusal:
            results.append(failed(data, [refusal]))
            continue
        merged = dict(existing or {}, **data)
        errors = contact_errors(org, existing and existing["ContactID"], merged)
        if errors:
            results.append(failed(data, errors))
            continue
        saved = save_contact(fake, org, existing, data)
        results.append(dict(public(saved), StatusAttributeString="OK"))
    return batch_reply(fake, request, "Contacts", results)


def _target(fake, org, request, match, data) -> tuple[dict | None, str | None]:
    """(the contact this element updates or None to create, a refusal)."""
    if match and match.groupdict().get("key"):
        existing = find_contact(org, match["key"])
        return (existing, None) if existing else (None, "Contact not found.")
    if data.get("ContactID"):
        existing = org.contacts.get(data["ContactID"])
        if existing is None or request.method == "PUT":
            return None, "The contact ID is not valid."
        return existing, None
    if data.get("ContactNumber"):
        same_number = org.contacts.get(org.numbers.get(data["ContactNumber"], ""))
        if same_number and request.method == "PUT":
            return None, "The contact number is already assigned to another contact."
        if same_number and request.method == "POST" and fake.post_updates_by_contact_number:
            return same_number, None
    return None, None


def install(fake) -> None:
    fake.route("GET", r"/Contacts", get_contacts, "accounting.contacts")
    fake.route("GET", r"/Contacts/(?P<key>[^/]+)", get_contact, "accounting.contacts")
    fake.route("POST", r"/Contacts", write_contacts, "accounting.contacts")
    fake.route("PUT", r"/Contacts", write_contacts, "accounting.contacts")
    fake.route("POST", r"/Contacts/(?P<key>[^/]+)", write_contacts, "accounting.contacts")
