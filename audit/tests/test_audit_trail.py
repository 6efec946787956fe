"""The audit trail: complete (pages, API, exports, logins), append-only (no delete in admin; a
PostgreSQL trigger refuses UPDATE and DELETE), and readable by admins on the audit page and on
each patient's page."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.admin import AuditEventAdmin
from audit.models import AuditEvent
from audit.services import record

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_reading_patients_through_the_api_is_audited_per_patient(mia_receptionist, john_smith):
    _client(mia_receptionist).get("/api/v1/patients/")
    _client(mia_receptionist).get(f"/api/v1/patients/{john_smith.pk}/")
    rows = AuditEvent.objects.filter(object_id=str(john_smith.pk), actor=mia_receptionist)
    assert rows.filter(summary__startswith="Listed through the API").exists()
    assert rows.filter(summary="Viewed through the API").exists()


def test_opening_an_appointment_is_audited_against_its_patient(
        mia_receptionist, john_smith, ben_clinician, sydney_cbd, review_type):
    from datetime import datetime

    from ncc import testing

    visit = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                     datetime(2030, 3, 5, 9, 0, tzinfo=sydney_cbd.tz))
    _client(mia_receptionist).get(f"/book/a/{visit.pk}/")
    assert AuditEvent.objects.filter(object_id=str(john_smith.pk), action="view",
                                     summary__startswith="Opened the appointment").exists()


def test_the_admin_cannot_delete_or_change_audit_rows(rf, sam_owner):
    request = rf.get("/")
    request.user = sam_owner
    admin = AuditEventAdmin(AuditEvent, None)
    assert not admin.has_delete_permission(request)
    assert not admin.has_change_permission(request)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_to_update_or_delete_an_audit_row(sam_owner):
    event = record(sam_owner, AuditEvent.Action.OTHER, sam_owner, "kept for ever")
    for statement in ("UPDATE audit_auditevent SET summary = 'x' WHERE id = %s",
                      "DELETE FROM audit_auditevent WHERE id = %s"):
        with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
              connection.cursor() as cursor):
            cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == "kept for ever"


def test_the_audit_page_filters_by_patient_and_its_csv_export_is_audited(
        sam_owner, mia_receptionist, john_smith):
    _client(mia_receptionist).get(f"/patients/{john_smith.pk}/")
    sam = _client(sam_owner)
    page = sam.get("/audit/", {"patient": john_smith.number, "action": "view"})
    assert page.status_code == 200
    assert f"Viewed {john_smith.full_name}" in page.content.decode()
    csv = sam.get("/audit/", {"patient": john_smith.number, "export": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert mia_receptionist.email in csv.content.decode()
    assert AuditEvent.objects.filter(actor=sam_owner, action="export",
                                     summary__contains="audit events to CSV").exists()


def test_the_audit_page_is_for_admins_only(mia_receptionist):
    assert _client(mia_receptionist).get("/audit/").status_code == 403


def test_a_bad_patient_number_is_an_error_beside_the_field(sam_owner):
    page = _client(sam_owner).get("/audit/", {"patient": "abc"}).content.decode()
    assert "Enter the patient&#x27;s number" in page or "Enter the patient's number" in page


def test_a_patients_page_shows_its_access_history_to_admins(sam_owner, mia_receptionist,
                                                           john_smith):
    _client(mia_receptionist).get(f"/patients/{john_smith.pk}/")
    page = _client(sam_owner).get(f"/patients/{john_smith.pk}/").content.decode()
    assert 'data-testid="access-history"' in page and "Mia" in page
    mias = _client(mia_receptionist).get(f"/patients/{john_smith.pk}/").content.decode()
    assert 'data-testid="access-history"' not in mias
