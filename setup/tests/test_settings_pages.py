"""The Settings pages: admins only, validation beside the field with nothing half-saved, a new
clinic's default reminder, staff deactivated never deleted and never a password hash on screen,
and no Django admin for anyone but a superuser."""

from datetime import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from clinics.models import Clinic, ProviderNumber
from messaging.models import ReminderRule
from ncc import testing
from scheduling import services as scheduling
from scheduling.models import AppointmentType
from scheduling.services import BookingError
from scheduling.tests.factories import at, future_monday

pytestmark = pytest.mark.django_db

SETUP_PAGES = ["setup:practice", "setup:clinics", "setup:clinic_new", "setup:clinicians",
               "setup:types", "setup:type_new",
               "setup:staff", "setup:staff_invite"]


@pytest.mark.parametrize("who", ["mia_client", "ben_client"])
def test_settings_pages_are_for_admins_only(who, request):
    client = request.getfixturevalue(who)
    for name in SETUP_PAGES:
        assert client.get(reverse(name)).status_code == 403, name


def test_every_settings_page_opens_for_an_admin(sam_client, ben_clinician, review_type):
    for name in SETUP_PAGES:
        assert sam_client.get(reverse(name)).status_code == 200, name
    assert sam_client.get(reverse("setup:clinician_edit", args=[ben_clinician.pk])).status_code == 200
    assert sam_client.get(reverse("setup:type_edit", args=[review_type.pk])).status_code == 200


def _clinic_post(**changes):
    data = {"name": "Walk Easy Newtown", "short_name": "Newtown", "address_line": "1 King St",
            "suburb": "Newtown", "state": "NSW", "postcode": "2042", "phone": "02 9519 0000",
            "email": "", "time_zone": "Australia/Perth", "active": "on",
            "hours-TOTAL_FORMS": "7", "hours-INITIAL_FORMS": "7", "hours-MIN_NUM_FORMS": "7",
            "hours-MAX_NUM_FORMS": "7"}
    for d in range(7):
        data[f"hours-{d}-weekday"] = str(d)
        if d < 5:
            data.update({f"hours-{d}-is_open": "on", f"hours-{d}-opens": "08:30",
                         f"hours-{d}-closes": "17:30"})
    data.update(changes)
    return data


def test_new_clinic_gets_hours_and_a_day_before_reminder_at_nine_in_its_zone(sam_client):
    response = sam_client.post(reverse("setup:clinic_new"), _clinic_post())
    assert response.status_code == 302
    clinic = Clinic.objects.get(short_name="Newtown")
    assert clinic.phone == "+61295190000" and clinic.time_zone == "Australia/Perth"
    assert [(h.weekday, h.opens, h.closes) for h in clinic.opening_hours.all()] == [
        (d, time(8, 30), time(17, 30)) for d in range(5)]
    rule = ReminderRule.objects.get(clinic=clinic)
    assert rule.kind == "day_before" and rule.send_at == time(9) and rule.active
    assert "Reply" not in rule.template.body  # the clinic has no reply number yet
    assert AuditEvent.objects.filter(object_type="clinics.clinic", object_id=str(clinic.pk)).exists()


def test_bad_clinic_input_is_shown_beside_the_field_and_nothing_is_saved(sam_client):
    response = sam_client.post(reverse("setup:clinic_new"), _clinic_post(
        postcode="20", phone="12", **{"hours-1-closes": "07:00"}))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="field has-error') >= 2
    assert "Closing time must be after opening time." in page
    assert "is not a valid phone number" in page or "Enter a phone number" in page
    assert not Clinic.objects.filter(short_name="Newtown").exists()
    assert not ReminderRule.objects.exists()


def test_clinician_gets_a_provider_number_per_clinic(sam_client, ben_clinician, sydney_cbd,
                                                      brisbane):
    response = sam_client.post(reverse("setup:clinician_edit", args=[ben_clinician.pk]), {
        "first_name": "Ben", "last_name": "Cho", "title": "", "profession": "Podiatrist",
        "colour": "#0d9488", "clinics": [sydney_cbd.pk, brisbane.pk], "provider_number": "",
        f"provider_{sydney_cbd.pk}": "2426011a", f"provider_{brisbane.pk}": "",
        "active": "on", "display_order": "0"})
    assert response.status_code == 302
    ben_clinician.refresh_from_db()
    assert ben_clinician.provider_number_at(sydney_cbd) == "2426011A"
    assert set(ben_clinician.clinics.all()) == {sydney_cbd, brisbane}
    bad = sam_client.post(reverse("setup:clinician_edit", args=[ben_clinician.pk]), {
        "first_name": "Ben", "profession": "Podiatrist", "colour": "red",
        f"provider_{brisbane.pk}": "12", "display_order": "0"})
    assert bad.status_code == 200
    assert "Enter a colour like #3b82f6." in bad.content.decode()
    assert "A Medicare provider number looks like" in bad.content.decode()
    assert ProviderNumber.objects.count() == 1


def test_type_for_named_clinicians_refuses_anyone_else(sydney_cbd, ben_clinician, ana_clinician,
                                                       john_smith, mia_receptionist):
    surgery = testing.make_type("Nail surgery", 45, "210.00")
    surgery.clinicians.set([ben_clinician])
    monday = future_monday()
    with pytest.raises(BookingError, match="not booked for"):
        scheduling.book_appointment(actor=mia_receptionist, patient=john_smith,
                                    clinician=ana_clinician, clinic=sydney_cbd,
                                    appointment_type=surgery,
                                    starts_at=at(sydney_cbd, monday, 10))
    scheduling.book_appointment(actor=mia_receptionist, patient=john_smith,
                                clinician=ben_clinician, clinic=sydney_cbd,
                                appointment_type=surgery, starts_at=at(sydney_cbd, monday, 10))


def test_invite_makes_a_login_without_a_password_and_sends_a_one_time_link(
        sam_client, sydney_cbd, brisbane, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sam_client.post(reverse("setup:staff_invite"), {
            "first_name": "Liam", "last_name": "Walker", "email": "Liam@WalkEasy.example",
            "role": "clinician", "home_clinic": brisbane.pk, "clinics": [brisbane.pk]})
    assert response.status_code == 302
    liam = User.objects.get(email="liam@walkeasy.example")
    assert not liam.has_usable_password() and liam.role == "clinician"
    assert list(liam.clinician.clinics.all()) == [brisbane]
    assert len(mail.outbox) == 1 and "/settings/invite/" in mail.outbox[0].body
    again = sam_client.post(reverse("setup:staff_invite"), {
        "first_name": "L", "email": "liam@walkeasy.example", "role": "receptionist",
        "home_clinic": brisbane.pk})
    assert "already has this email address" in again.content.decode()


def test_staff_are_deactivated_never_deleted_and_no_hash_is_shown(sam_client, sam_owner,
                                                                   mia_receptionist):
    page = sam_client.get(reverse("setup:staff_edit", args=[mia_receptionist.pk])).content.decode()
    assert mia_receptionist.password not in page and "md5$" not in page
    assert "Superuser" not in page and "Delete" not in page
    sam_client.post(reverse("setup:staff_active", args=[mia_receptionist.pk]), {"active": "0"})
    mia_receptionist.refresh_from_db()
    assert not mia_receptionist.is_active
    listing = sam_client.get(reverse("setup:staff") + "?show=inactive").content.decode()
    assert mia_receptionist.email in listing
    # Nobody locks themselves out.
    sam_client.post(reverse("setup:staff_active", args=[sam_owner.pk]), {"active": "0"})
    sam_owner.refresh_from_db()
    assert sam_owner.is_active


def test_an_admin_cannot_change_their_own_role(sam_client, sam_owner, sydney_cbd):
    response = sam_client.post(reverse("setup:staff_edit", args=[sam_owner.pk]), {
        "first_name": "Sam", "last_name": "", "role": "receptionist",
        "home_clinic": sydney_cbd.pk})
    assert "You can&#x27;t change your own role" in response.content.decode()
    sam_owner.refresh_from_db()
    assert sam_owner.role == "admin"


def test_practice_details_are_validated_and_saved(sam_client):
    bad = sam_client.post(reverse("setup:practice"), {"name": "Walk Easy", "abn": "12 345"})
    assert bad.status_code == 200 and 'class="field has-error' in bad.content.decode()
    good = sam_client.post(reverse("setup:practice"), {
        "name": "Walk Easy Podiatry", "abn": "51 824 753 556", "phone": "02 9231 4455",
        "invoice_terms": "Due on the day."})
    assert good.status_code == 302


def test_price_blank_at_a_clinic_falls_back_to_the_standard_price(sam_client, sydney_cbd,
                                                                   brisbane):
    response = sam_client.post(reverse("setup:type_new"), {
        "name": "Nail surgery", "duration_minutes": "45", "colour": "#aa3366",
        "price": "210.00", "tax_treatment": "gst_free", "item_number": "F1205",
        f"price_{sydney_cbd.pk}": "245.00", f"price_{brisbane.pk}": "", "active": "on"})
    assert response.status_code == 302
    kind = AppointmentType.objects.get(name="Nail surgery")
    assert kind.price_at(sydney_cbd) == Decimal("245.00")
    assert kind.price_at(brisbane) == Decimal("210.00")


PAGES = ["/book/", "/patients/", "/invoices/", "/sms/", "/reports/", "/settings/"]


@pytest.mark.parametrize("who", ["sam_client", "mia_client", "ben_client"])
def test_no_link_to_django_admin_for_non_superusers(who, request, john_smith):
    client = request.getfixturevalue(who)
    for url in PAGES + [john_smith.get_absolute_url()]:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403)
        assert 'href="/admin/' not in response.content.decode(), url


def test_django_admin_opens_for_a_superuser_only(sam_client, sam_owner):
    assert sam_owner.is_staff and not sam_owner.is_superuser
    assert sam_client.get("/admin/").status_code == 302
    sam_owner.is_superuser = True
    sam_owner.save()
    assert sam_client.get("/admin/").status_code == 200
    assert 'href="/admin/' not in sam_client.get("/settings/").content.decode()
