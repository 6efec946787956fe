from django import template

from scheduling.models import AppointmentStatus

from ..queries import appointment_invoice_badges

register = template.Library()

INVOICEABLE = {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, AppointmentStatus.CANCELLED}


@register.inclusion_tag("billing/_appointment_panel.html", takes_context=True)
def appointment_invoice(context, appointment):
    """The invoice part of the book's appointment dialog: the invoice and its Xero status, or a
    button to create it once the visit is completed (a fee for a no-show or cancellation asks
    first, on the next page)."""
    request = context["request"]
    info = appointment_invoice_badges([appointment.pk]).get(appointment.pk)
    day = appointment.local_starts_at.date().isoformat()
    return {
        "a": appointment, "invoice": info, "csrf_token": context.get("csrf_token"),
        "can_create": (info is None and appointment.status in INVOICEABLE
                       and request.user.has_perm("billing.add_invoice")),
        "is_fee": appointment.status != AppointmentStatus.COMPLETED,
        "next": f"/book/?date={day}",
    }
