"""Line items of sales documents (invoices and credit notes) in the fake Xero: validation with
Xero's messages, and totals in whole cents by Xero's rule — each line's amount rounded, its tax
rounded (halves away from zero), then summed. Written apart from billing.gst so the two check
each other."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .common import cents


def _div(n: int, d: int) -> int:
    sign = -1 if n < 0 else 1
    return sign * ((2 * abs(n) + d) // (2 * d))


def sales_rates(org) -> dict[str, float]:
    return {r["TaxType"]: r["EffectiveRate"] for r in org.tax_rates
            if r["Status"] == "ACTIVE" and r.get("CanApplyToRevenue")}


def contact_errors(org, data: dict) -> list[str]:
    contact = data.get("Contact") if isinstance(data.get("Contact"), dict) else {}
    if not contact:
        return ["A Contact must be specified for this type of transaction"]
    cid = contact.get("ContactID") or org.numbers.get(contact.get("ContactNumber") or "")
    if cid not in org.contacts:
        return ["The Contact must contain a valid ContactID."]
    return []


def resolve_contact(org, data: dict) -> dict:
    contact = data["Contact"]
    cid = contact.get("ContactID") or org.numbers.get(contact.get("ContactNumber"))
    held = org.contacts[cid]
    return {"ContactID": cid, "Name": held["Name"],
            **({"ContactNumber": held["ContactNumber"]} if held.get("ContactNumber") else {})}


def line_errors(org, data: dict) -> list[str]:
    errors = []
    lines = data.get("LineItems")
    if not isinstance(lines, list) or not lines:
        return ["At least one line item is required."]
    if data.get("LineAmountTypes", "Exclusive") not in ("Exclusive", "Inclusive", "NoTax"):
        errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
    accounts = {a["Code"]: a for a in org.accounts if a["Status"] == "ACTIVE"
                and a["Type"] in ("REVENUE", "SALES", "OTHERINCOME")}
    rates = sales_rates(org)
    tracking = {(c["Name"], o["Name"]) for c in org.tracking if c["Status"] == "ACTIVE"
                for o in c["Options"] if o["Status"] == "ACTIVE"}
    tracking_ids = {(c["TrackingCategoryID"], o["TrackingOptionID"]): (c["Name"], o["Name"])
                    for c in org.tracking for o in c["Options"]}
    for line in lines:
        if not isinstance(line, dict):
            errors.append("Each line item must be an object.")
            continue
        if not (line.get("Description") or "").strip():
            errors.append("Description is required for each line item.")
        elif len(line["Description"]) > 4000:
            errors.append("The description must be 4000 characters or less.")
        code = line.get("AccountCode")
        if code not in accounts:
            errors.append(f"Account code '{code}' is not a valid code for this document.")
        tax = line.get("TaxType") or (accounts.get(code) or {}).get("TaxType")
        if tax not in rates:
            errors.append(f"The TaxType code '{tax}' does not exist or cannot be used with this "
                          "type of transaction.")
        for name, default in (("Quantity", 1), ("UnitAmount", 0)):
            try:
                if not Decimal(str(line.get(name, default))).is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors.append(f"{name} '{line.get(name)}' is not a valid number.")
        lines_tracking = line.get("Tracking") or []
        if len(lines_tracking) > 2:
            errors.append("A line item can have at most two tracking categories.")
        for t in lines_tracking:
            pair = (t.get("Name"), t.get("Option")) if t.get("Name") else \
                tracking_ids.get((t.get("TrackingCategoryID"), t.get("TrackingOptionID")))
            if pair not in tracking:
                errors.append(f"Tracking option {t.get('Option')} of {t.get('Name')} does not "
                              "exist.")
    return errors


def compute(org, data: dict, unitdp: int) -> dict:
    """Lines with LineItemID, LineAmount, TaxType and TaxAmount; SubTotal, TotalTax, Total."""
    kind = data.get("LineAmountTypes", "Exclusive")
    rates = sales_rates(org)
    lines, tax_total, amount_total = [], 0, 0
    places = Decimal(1).scaleb(-unitdp)
    for line in data["LineItems"]:
        quantity = Decimal(str(line.get("Quantity", 1)))
        unit = Decimal(str(line.get("UnitAmount", 0))).quantize(places, rounding=ROUND_HALF_UP)
        gross = quantity * unit
        if line.get("DiscountRate"):
            gross = gross * (100 - Decimal(str(line["DiscountRate"]))) / 100
        amount = cents(gross)
        tax_type = line.get("TaxType") or org.account(code=line.get("AccountCode"))["TaxType"]
        rate = Decimal(str(rates[tax_type])) if kind != "NoTax" else Decimal(0)
        rate_bp = int(rate * 100)  # basis points: 10% -> 1000
        tax = _div(amount * rate_bp, 10000 + rate_bp) if kind == "Inclusive" else \
            _div(amount * rate_bp, 10000)
        lines.append(dict(line, LineItemID=line.get("LineItemID") or str(uuid.uuid4()),
                          Quantity=float(quantity), UnitAmount=float(unit), TaxType=tax_type,
                          LineAmount=amount / 100, TaxAmount=tax / 100))
        tax_total += tax
        amount_total += amount
    subtotal = amount_total - tax_total if kind == "Inclusive" else amount_total
    return {"LineAmountTypes": kind, "LineItems": lines, "SubTotal": subtotal / 100,
            "TotalTax": tax_total / 100, "Total": (subtotal + tax_total) / 100}


def unitdp(request) -> int:
    return 4 if request.query.get("unitdp") == "4" else 2
