"""Letters go out by email in the background, with the filed PDF attached."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

from .models import Letter

log = logging.getLogger(__name__)


@task()
def email_letter(letter_id: str) -> str:
    letter = Letter.objects.select_related("pdf", "author").get(pk=letter_id)
    if letter.status != Letter.Status.QUEUED:
        return letter.status  # sent already, or taken back: never twice
    message = EmailMessage(
        subject=letter.subject,
        body=f"Please find attached a letter from {letter.author.get_full_name()} about "
             f"{letter.patient.full_name}.\n",
        from_email=settings.DEFAULT_FROM_EMAIL, to=[letter.recipient_email],
        reply_to=[letter.author.email])
    with letter.pdf.file.open("rb") as fh:
        message.attach(f"{letter.subject[:80]}.pdf", fh.read(), "application/pdf")
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("letter email failed", extra={"letter": letter_id, "error": type(exc).__name__})
        Letter.objects.filter(pk=letter.pk).update(
            status=Letter.Status.FAILED,
            status_detail=f"The mail server refused it ({type(exc).__name__}); send again.")
        return Letter.Status.FAILED
    Letter.objects.filter(pk=letter.pk).update(
        status=Letter.Status.SENT, sent_at=timezone.now(),
        status_detail=f"Emailed to {letter.recipient_email}.")
    return Letter.Status.SENT
