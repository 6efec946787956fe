"""Reception sees that a note exists and who wrote it, never its content; every read is audited."""

import pytest

from audit.models import AuditEvent


@pytest.mark.django_db
def test_receptionist_sees_note_signed_and_author_but_not_the_text(mia_client, signed_note,
                                                                   mia_receptionist):
    page = mia_client.get(f"/clinical/notes/{signed_note.pk}/").content.decode()
    assert "Note signed" in page and "Ben" in page
    assert "Heel pain easing" not in page and "Review 4 weeks" not in page
    api = mia_client.get(f"/api/v1/notes/{signed_note.pk}/").json()
    assert api["status"] == "signed" and "answers" not in api and "body_text" not in api
    timeline = mia_client.get(f"/clinical/patients/{signed_note.patient_id}/timeline/",
                              {"q": "heel"}).content.decode()
    assert "Review (SOAP)" in timeline and "Heel pain easing" not in timeline
    assert AuditEvent.objects.filter(actor=mia_receptionist, object_id=str(signed_note.pk),
                                     action="view").exists()


@pytest.mark.django_db
def test_appointment_dialog_shows_the_note_status_to_reception(mia_client, signed_note):
    body = mia_client.get(f"/book/a/{signed_note.appointment_id}/").content.decode()
    assert "Note signed" in body and "Heel pain easing" not in body


@pytest.mark.django_db
def test_every_read_of_a_note_is_audited(ben_client, signed_note, ben_clinician):
    ben_client.get(f"/clinical/notes/{signed_note.pk}/")
    ben_client.get(f"/api/v1/notes/{signed_note.pk}/")
    reads = AuditEvent.objects.filter(actor=ben_clinician.user, action="view",
                                      object_type="clinical.note")
    assert reads.count() == 2


@pytest.mark.django_db
def test_reception_cannot_write_notes_or_letters(mia_client, visit, signed_note):
    assert mia_client.get(f"/clinical/patients/{visit.patient_id}/notes/new/").status_code == 403
    assert mia_client.post(f"/clinical/notes/{signed_note.pk}/letters/new/").status_code == 403
    assert mia_client.post(f"/clinical/notes/{signed_note.pk}/addenda/",
                           {"text": "x"}).status_code == 403


@pytest.mark.django_db
def test_template_editor_is_for_admins_only(ben_client, mia_client):
    assert ben_client.get("/clinical/templates/").status_code == 403


@pytest.mark.django_db
def test_an_admin_can_let_reception_read_notes_and_the_choice_survives_a_role_sync(
        mia_client, signed_note):
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import sync_roles

    reception = Group.objects.get(name="receptionist")
    reception.permissions.add(Permission.objects.get(codename="view_note_content"))
    sync_roles()
    page = mia_client.get(f"/clinical/notes/{signed_note.pk}/").content.decode()
    assert "Heel pain easing" in page
