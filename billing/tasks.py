"""Background work of billing: tax invoices and receipts emailed with their PDF."""

from django.tasks import task

# An invoice email that failed is sent again after 5, 20 and 80 minutes; then it stays Failed
# until someone presses Send again on the invoice.
MAX_EMAIL_ATTEMPTS = 4


@task
def send_invoice_email(email_id: int) -> str:
    """Render the PDF and send it. The row is claimed (queued -> sending is the attempt count
    going up under a conditional update) so a duplicate enqueue sends nothing twice."""
    from datetime import timedelta

    from django.core.mail import EmailMessage
    from django.db.models import F
    from django.utils import timezone

    from .documents import document_for, render_document_pdf
    from .models import InvoiceEmail

    email = InvoiceEmail.objects.select_related("invoice__patient", "invoice__clinic",
                                                "invoice__payer").filter(pk=email_id).first()
    if email is None or email.status == InvoiceEmail.Status.SENT:
        return "nothing to do"
    claimed = (InvoiceEmail.objects.filter(pk=email.pk, attempts=email.attempts)
               .exclude(status=InvoiceEmail.Status.SENT)
               .update(attempts=F("attempts") + 1, retry_at=None))
    if not claimed:
        return "taken by another worker"
    invoice = email.invoice
    doc = document_for(invoice, email.kind)
    practice_name = invoice.clinic.name
    from clinics.models import Practice

    practice = Practice.current()
    if practice is not None:
        practice_name = practice.name
    body = (f"Dear {invoice.bill_to_name},\n\nAttached is your {doc.title.lower()} "
            f"{invoice.number} from {practice_name} for {invoice.patient.full_name}"
            f" (total ${invoice.total:,.2f}, amount due ${invoice.amount_due:,.2f}).\n\n"
            f"{invoice.clinic.name}\n{invoice.clinic.short_address}\n")
    message = EmailMessage(subject=f"{doc.title} {invoice.number} from {practice_name}",
                           body=body, to=[email.to_address])
    try:
        message.attach(doc.filename, render_document_pdf(invoice, email.kind), "application/pdf")
        message.send()
    except (OSError, ValueError) as exc:  # SMTP errors are OSErrors; refused addresses too
        attempts = email.attempts + 1
        retry_at = (timezone.now() + timedelta(minutes=5 * 4 ** (attempts - 1))
                    if attempts < MAX_EMAIL_ATTEMPTS else None)
        words = ("The mail server could not be reached or refused the message"
                 f" ({type(exc).__name__}), attempt {attempts} of {MAX_EMAIL_ATTEMPTS}.")
        InvoiceEmail.objects.filter(pk=email.pk).update(
            status=InvoiceEmail.Status.FAILED, error=words[:300], retry_at=retry_at)
        return "failed"
    InvoiceEmail.objects.filter(pk=email.pk).update(status=InvoiceEmail.Status.SENT, error="",
                                                    sent_at=timezone.now())
    return "sent"


@task
def retry_failed_invoice_emails() -> dict:
    """Periodic sweep: each failed invoice email whose retry time has come goes again."""
    from django.utils import timezone

    from .models import InvoiceEmail

    due = list(InvoiceEmail.objects.filter(status=InvoiceEmail.Status.FAILED,
                                           retry_at__lte=timezone.now())
               .values_list("pk", flat=True)[:100])
    sent = 0
    for pk in due:
        if send_invoice_email.call(pk) == "sent":
            sent += 1
    return {"due": len(due), "sent": sent}
