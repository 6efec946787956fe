"""The tax invoice and the receipt a patient takes to their health fund: one HTML template,
printed from the browser or rendered to PDF with WeasyPrint.

A tax invoice must show (ATO): the words "Tax invoice", the seller's name and ABN, the date, what
was sold, the GST (or that a line is GST-free) and the total. A health fund also wants the
provider's number for the location of the visit and each service's item number.
"""

import base64
import mimetypes
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string

from clinics.models import Practice

from .models import Invoice


@dataclass(frozen=True)
class Document:
    kind: str  # "invoice" | "receipt"
    title: str
    filename: str


def document_for(invoice: Invoice, kind: str) -> Document:
    if kind == "receipt":
        return Document("receipt", "Receipt", f"receipt-{invoice.number}.pdf")
    return Document("invoice", "Tax invoice", f"tax-invoice-{invoice.number}.pdf")


def _logo_data_uri(practice) -> str:
    """The logo inline, so the PDF needs no URL fetch and the printed page no extra request."""
    if practice is None or not practice.logo:
        return ""
    try:
        with practice.logo.open("rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    mime = mimetypes.guess_type(practice.logo.name)[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def document_context(invoice: Invoice, kind: str) -> dict:
    invoice = (Invoice.objects.select_related("patient", "clinic", "payer", "clinician__user")
               .prefetch_related("clinician__provider_numbers").get(pk=invoice.pk))
    practice = Practice.current()
    clinician = invoice.clinician
    lines = list(invoice.lines.select_related("appointment__clinician__user").all())
    if clinician is None:
        clinician = next((ln.appointment.clinician for ln in lines if ln.appointment), None)
    gst_free_total = sum((ln.line_amount for ln in lines if ln.gst == 0), Decimal("0.00"))
    return {
        "doc": document_for(invoice, kind),
        "invoice": invoice,
        "practice": practice,
        "logo": _logo_data_uri(practice),
        "clinic": invoice.clinic,
        "clinician": clinician,
        "provider_number": clinician.provider_number_at(invoice.clinic) if clinician else "",
        "lines": lines,
        "payments": list(invoice.payments.all()),
        "credit_notes": list(invoice.credit_notes.all()),
        "gst_free_total": gst_free_total,
        "visit": next((ln.appointment for ln in lines if ln.appointment), None),
    }


def render_document_html(invoice: Invoice, kind: str, *, for_print: bool = True) -> str:
    context = document_context(invoice, kind)
    context["for_print"] = for_print
    return render_to_string("billing/document.html", context)


def render_document_pdf(invoice: Invoice, kind: str) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s at start-up

    return HTML(string=render_document_html(invoice, kind, for_print=False)).write_pdf()
