"""Referrers, referrals (visits used counted from completed appointments; booking warns when
used up or expired) and letters (filled from the note, PDF, emailed by the worker, filed)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from clinical import services
from clinical.models import Attachment, Letter, Referral, Referrer
from ncc import testing
from scheduling.services import BookingError, book_appointment

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def dr_lee(db):
    return Referrer.objects.create(name="Dr Jane Lee", practice="Harbour Medical",
                                   provider_number="2426011A", email="jlee@harbour.example")


@pytest.mark.django_db
def test_reception_adds_a_referrer_with_phone_checked(mia_client):
    bad = mia_client.post("/clinical/referrers/new/", {"name": "Dr Ho", "kind": "gp",
                                                       "phone": "12", "active": "on"})
    assert bad.status_code == 200 and "phone" in bad.context["form"].errors
    ok = mia_client.post("/clinical/referrers/new/", {"name": "Dr Ho", "kind": "gp",
                                                      "phone": "02 9231 4455", "active": "on",
                                                      "provider_number": "2426011a"})
    assert ok.status_code == 302
    assert Referrer.objects.get().phone == "+61292314455"
    assert "Dr Ho" in mia_client.get("/clinical/referrers/").content.decode()


@pytest.mark.django_db
def test_cdm_referral_counts_completed_visits_this_year_and_booking_warns(
        mia_client, mia_receptionist, john_smith, ben_clinician, sydney_cbd, review_type,
        dr_lee):
    year = timezone.localdate().year
    response = mia_client.post(f"/clinical/patients/{john_smith.pk}/referrals/new/", {
        "kind": "cdm", "referrer": dr_lee.pk, "issued_on": f"{year - 1}-11-01"})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.visits_allowed == 5
    # Last year's visit does not count; this year's five completed visits do.
    testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                             datetime(year - 1, 12, 1, 10, tzinfo=sydney_cbd.tz),
                             status="completed")
    for week in range(5):
        testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 datetime(year, 1, 5, 10, tzinfo=sydney_cbd.tz)
                                 + timedelta(weeks=week),
                                 status="completed")
    usage = services.referral_usage(referral, date(year, 6, 1))
    assert (usage["used"], usage["problem"]) == (5, "All 5 visits used")
    page = mia_client.get(f"/patients/{john_smith.pk}/").content.decode()
    assert "5 of 5 visits used" in page

    start = datetime.combine(timezone.localdate() + timedelta(days=1), time(10),
                             tzinfo=sydney_cbd.tz)
    with pytest.raises(BookingError) as exc:
        book_appointment(actor=mia_receptionist, patient=john_smith, clinician=ben_clinician,
                         clinic=sydney_cbd, appointment_type=review_type, starts_at=start)
    assert exc.value.needs_confirmation and "referral: all 5 visits used" in exc.value.message


@pytest.mark.django_db
def test_an_expired_referral_warns(john_smith, dr_lee, mia_receptionist):
    services.save_referral(actor=mia_receptionist, patient=john_smith, kind="dva",
                           referrer=dr_lee, issued_on=date(2024, 1, 1),
                           expires_on=date(2025, 1, 1))
    warnings = services.referral_warnings(john_smith, date(2025, 3, 1))
    assert warnings and "expired 01/01/2025" in warnings[0][1]


@pytest.mark.django_db
@override_settings(TASKS=IMMEDIATE)
def test_letter_is_filled_from_the_note_edited_sent_and_filed(ben_client, signed_note, dr_lee,
                                                              mia_receptionist, john_smith,
                                                              django_capture_on_commit_callbacks):
    services.save_referral(actor=mia_receptionist, patient=john_smith, kind="private",
                           referrer=dr_lee, issued_on=date(2025, 1, 1))
    response = ben_client.post(f"/clinical/notes/{signed_note.pk}/letters/new/")
    letter = Letter.objects.get()
    assert response["Location"] == letter.get_absolute_url()
    assert letter.recipient_email == "jlee@harbour.example"
    assert "Dear Dr Jane Lee" in letter.body and "Heel pain easing" in letter.body
    body = letter.body.replace("Please contact me", "Happy to discuss. Please contact me")
    with django_capture_on_commit_callbacks(execute=True):
        response = ben_client.post(letter.get_absolute_url(), {
            "recipient_name": letter.recipient_name, "recipient_email": letter.recipient_email,
            "subject": letter.subject, "body": body, "send": "1"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "sent" and letter.pdf.kind == Attachment.Kind.LETTER
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["jlee@harbour.example"]
    assert sent.attachments[0][1][:5] == b"%PDF-" and sent.attachments[0][2] == "application/pdf"
    # Filed: the letter no longer changes, and the download is the filed PDF.
    again = ben_client.post(letter.get_absolute_url(), {"recipient_name": "X", "subject": "Y",
                                                        "body": "Z", "send": "1"})
    assert again.status_code == 200
    letter.refresh_from_db()
    assert letter.recipient_name == "Dr Jane Lee" and len(mail.outbox) == 1
    pdf = ben_client.get(f"/clinical/letters/{letter.pk}/pdf/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"


@pytest.mark.django_db
def test_a_letter_without_an_email_address_says_so(ben_client, signed_note):
    ben_client.post(f"/clinical/notes/{signed_note.pk}/letters/new/")
    letter = Letter.objects.get()
    response = ben_client.post(letter.get_absolute_url(), {
        "recipient_name": "Dr Who", "recipient_email": "", "subject": "S", "body": "B",
        "send": "1"})
    assert response.status_code == 200 and "email address" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == "draft" and letter.pdf_id is None
