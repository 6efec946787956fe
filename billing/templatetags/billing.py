from django import template

from ..queries import invoices_for_patient, uninvoiced_completed_appointments, unpaid_total

register = template.Library()


@register.simple_tag
def patient_billing(patient):
    """What the patient page's billing panel shows: recent invoices, balance, what to invoice."""
    invoices = invoices_for_patient(patient)
    return {
        "invoices": list(invoices[:8]),
        "count": invoices.count(),
        "balance": unpaid_total(invoices),
        "uninvoiced": list(uninvoiced_completed_appointments(patient)[:5]),
    }


@register.filter
def money(value):
    if value is None or value == "":
        return ""
    if value < 0:
        return f"−${-value:,.2f}"
    return f"${value:,.2f}"


_STATUS_TAGS = {"draft": "tag", "awaiting_payment": "tag tag-warn", "paid": "tag tag-ok",
                "voided": "tag"}


@register.filter
def invoice_tag(status):
    """Classes from the shared stylesheet, for pages that do not load billing.css."""
    return _STATUS_TAGS.get(status, "tag")
