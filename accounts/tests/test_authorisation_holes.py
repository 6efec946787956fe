"""The holes found when tried as an attacker: a clinician handing his appointment to a colleague's
column, reception voiding, crediting and exporting invoices, staff of one clinic reading another's
records. Each test is named after the finding."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.roles import sync_roles
from billing import services as billing_services
from ncc import testing
from scheduling.models import Appointment

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def start(sydney_cbd):
    return datetime(2030, 3, 5, 9, 0, tzinfo=sydney_cbd.tz)


@pytest.fixture
def bens_visit(john_smith, ben_clinician, sydney_cbd, review_type, start):
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, start)


def test_clinician_cannot_patch_his_appointment_into_a_colleagues_column(
        bens_visit, ben_clinician, ana_clinician):
    response = _client(ben_clinician.user).patch(
        f"/api/v1/appointments/{bens_visit.pk}/", {"clinician": ana_clinician.pk},
        content_type="application/json")
    assert response.status_code == 403
    assert Appointment.objects.get(pk=bens_visit.pk).clinician_id == ben_clinician.pk


def test_clinician_cannot_drag_his_appointment_into_a_colleagues_column(
        bens_visit, ben_clinician, ana_clinician):
    response = _client(ben_clinician.user).post(
        f"/book/a/{bens_visit.pk}/move/",
        {"date": "2030-03-05", "time": "11:00", "clinician": ana_clinician.pk})
    assert "own column" in response.content.decode()
    assert Appointment.objects.get(pk=bens_visit.pk).clinician_id == ben_clinician.pk


def test_clinician_cannot_edit_his_appointment_into_a_colleagues_column(
        bens_visit, ben_clinician, ana_clinician, review_type):
    response = _client(ben_clinician.user).post(f"/book/a/{bens_visit.pk}/edit/", {
        "date": "2030-03-05", "time": "11:00", "minutes": 30, "clinician": ana_clinician.pk,
        "appointment_type": review_type.pk, "notes": ""})
    assert "own column" in response.content.decode()
    assert Appointment.objects.get(pk=bens_visit.pk).clinician_id == ben_clinician.pk


def test_clinician_still_moves_his_appointment_within_his_own_column(bens_visit, ben_clinician):
    _client(ben_clinician.user).post(f"/book/a/{bens_visit.pk}/move/",
                                     {"date": "2030-03-05", "time": "10:00",
                                      "clinician": ben_clinician.pk})
    moved = Appointment.objects.get(pk=bens_visit.pk)
    assert moved.local_starts_at.hour == 10 and moved.clinician_id == ben_clinician.pk


def test_reception_still_gives_an_appointment_to_a_colleague(bens_visit, mia_receptionist,
                                                            ana_clinician):
    response = _client(mia_receptionist).patch(
        f"/api/v1/appointments/{bens_visit.pk}/", {"clinician": ana_clinician.pk},
        content_type="application/json")
    assert response.status_code == 200
    assert Appointment.objects.get(pk=bens_visit.pk).clinician_id == ana_clinician.pk


@pytest.fixture
def paid_invoice(bens_visit):
    Appointment.objects.filter(pk=bens_visit.pk).update(status="completed")
    invoice = billing_services.create_invoice_for_appointment(bens_visit.pk)
    billing_services.record_payment(invoice.pk, amount=invoice.total, method="card")
    return invoice


def test_receptionist_cannot_void_credit_or_export_invoices_by_default(
        paid_invoice, mia_receptionist):
    mia = _client(mia_receptionist)
    assert mia.post(f"/invoices/{paid_invoice.pk}/void/", {"reason": "x"}).status_code == 403
    assert mia.post(f"/invoices/{paid_invoice.pk}/credit/",
                    {"amount": "1.00", "reason": "x", "refund_method": "card"}).status_code == 403
    assert mia.get("/invoices/?export=csv").status_code == 403
    assert mia.post(f"/api/v1/invoices/{paid_invoice.pk}/void/").status_code == 403


def test_an_admin_gives_reception_the_export_permission_and_it_survives_a_role_sync(
        paid_invoice, mia_receptionist):
    group = Group.objects.get(name="receptionist")
    group.permissions.add(Permission.objects.get(codename="export_invoices"))
    sync_roles()  # what every migrate does
    assert group.permissions.filter(codename="export_invoices").exists()
    response = _client(mia_receptionist).get("/invoices/?export=csv")
    assert response.status_code == 200 and paid_invoice.number in response.content.decode()


def test_a_role_sync_still_removes_permissions_that_are_not_assignable(mia_receptionist):
    group = Group.objects.get(name="receptionist")
    group.permissions.add(Permission.objects.get(codename="delete_patient"))
    sync_roles()
    assert not group.permissions.filter(codename="delete_patient").exists()


@pytest.fixture
def brisbane_visit(brisbane, review_type):
    anna = testing.make_patient(brisbane, first_name="Anna", last_name="Queensland")
    clinician = testing.make_clinician("Bo", [brisbane])
    return testing.make_appointment(anna, clinician, brisbane, review_type,
                                    datetime(2030, 3, 5, 9, 0, tzinfo=brisbane.tz))


@pytest.fixture
def sydney_only_mia(mia_receptionist, sydney_cbd):
    mia_receptionist.clinics.set([sydney_cbd])
    return mia_receptionist


def test_staff_of_one_clinic_get_404_for_another_clinics_patient_and_appointment(
        sydney_only_mia, brisbane_visit):
    mia = _client(sydney_only_mia)
    anna = brisbane_visit.patient
    assert mia.get(f"/patients/{anna.pk}/").status_code == 404
    assert mia.get(f"/book/a/{brisbane_visit.pk}/").status_code == 404
    assert mia.get(f"/api/v1/patients/{anna.pk}/").status_code == 404
    assert mia.get(f"/api/v1/appointments/{brisbane_visit.pk}/").status_code == 404


def test_staff_of_one_clinic_do_not_find_another_clinics_patients_in_search(
        sydney_only_mia, brisbane_visit, john_smith):
    mia = _client(sydney_only_mia)
    anna = str(brisbane_visit.patient_id)
    assert anna not in mia.get("/book/patients/", {"q": "Queensland",
                                                   "mode": "jump"}).content.decode()
    assert anna not in mia.get("/patients/", {"q": "Queensland"}).content.decode()
    found = mia.get("/api/v1/patients/", {"q": "Queensland"}).json()
    assert found["count"] == 0
    assert mia.get("/api/v1/patients/").json()["count"] == 1  # John Smith of Sydney


def test_staff_of_one_clinic_cannot_switch_to_or_book_into_another(
        sydney_only_mia, brisbane, brisbane_visit, john_smith, review_type):
    mia = _client(sydney_only_mia)
    page = mia.get("/book/").content.decode()
    assert "Brisbane" not in page
    response = mia.post("/api/v1/appointments/", {
        "patient": str(john_smith.pk), "clinician": brisbane_visit.clinician_id,
        "clinic": brisbane.pk, "appointment_type": review_type.pk,
        "starts_at": (brisbane_visit.starts_at + timedelta(hours=2)).isoformat()},
        content_type="application/json")
    assert response.status_code == 403


def test_a_patient_seen_at_two_clinics_is_visible_from_both(
        sydney_only_mia, brisbane_visit, ben_clinician, sydney_cbd, review_type, start):
    anna = brisbane_visit.patient
    testing.make_appointment(anna, ben_clinician, sydney_cbd, review_type, start)
    assert _client(sydney_only_mia).get(f"/patients/{anna.pk}/").status_code == 200


def test_admins_see_every_clinic_even_with_clinics_chosen(sam_owner, sydney_cbd, brisbane_visit):
    sam_owner.clinics.set([sydney_cbd])
    assert _client(sam_owner).get(f"/patients/{brisbane_visit.patient_id}/").status_code == 200
