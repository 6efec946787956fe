"""A signed note refuses change through the page, the API, the services and (on PostgreSQL)
plain SQL; later facts go in addenda that keep their author and time."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from clinical import services
from clinical.models import Addendum, Note


@pytest.mark.django_db
def test_typing_in_a_draft_saves_it_and_signing_locks_it(ben_client, draft_note):
    url = f"/clinical/notes/{draft_note.pk}/"
    response = ben_client.post(url + "autosave/", {"subjective": "Left heel pain, 3 weeks",
                                                   "plan": ""})
    assert response.status_code == 200 and b"Draft saved" in response.content
    draft_note.refresh_from_db()
    assert draft_note.answers == {"subjective": "Left heel pain, 3 weeks"}
    assert "Left heel pain" in draft_note.body_text

    response = ben_client.post(url + "sign/", {"subjective": "Left heel pain, 3 weeks",
                                               "plan": "Orthoses"})
    assert response.status_code == 302
    draft_note.refresh_from_db()
    assert draft_note.is_signed and draft_note.answers["plan"] == "Orthoses"


@pytest.mark.django_db
def test_signed_note_refuses_change_through_the_page(ben_client, signed_note):
    before = signed_note.answers
    response = ben_client.post(f"/clinical/notes/{signed_note.pk}/autosave/",
                               {"subjective": "rewritten"})
    assert response.status_code == 409 and b"signed" in response.content
    ben_client.post(f"/clinical/notes/{signed_note.pk}/sign/", {"subjective": "rewritten"})
    signed_note.refresh_from_db()
    assert signed_note.answers == before
    page = ben_client.get(f"/clinical/notes/{signed_note.pk}/").content.decode()
    assert 'id="note-form"' not in page and "Heel pain easing" in page


@pytest.mark.django_db
def test_signed_note_refuses_change_through_the_api(ben_client, signed_note):
    response = ben_client.patch(f"/api/v1/notes/{signed_note.pk}/",
                                {"answers": {"subjective": "rewritten"}},
                                content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "note_signed"
    assert ben_client.post(f"/api/v1/notes/{signed_note.pk}/sign/").status_code == 409
    signed_note.refresh_from_db()
    assert signed_note.answers["subjective"] == "Heel pain easing"


@pytest.mark.django_db
def test_api_saves_a_draft_with_feet_answers(ben_client, visit, ben_clinician,
                                             diabetic_template):
    note = services.start_note(actor=ben_clinician.user, patient=visit.patient,
                               template=diabetic_template, appointment=visit)
    response = ben_client.patch(f"/api/v1/notes/{note.pk}/", {"answers": {
        "dp_pulse": {"left": "Absent", "right": "Palpable"}, "hba1c": "7.9"}},
        content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["answers"] == {"hba1c": "7.9",
                                          "dp_pulse": {"left": "Absent", "right": "Palpable"}}
    bad = ben_client.patch(f"/api/v1/notes/{note.pk}/", {"answers": {"hba1c": "high"}},
                           content_type="application/json")
    assert bad.status_code == 400 and "number" in bad.json()["hba1c"]


@pytest.mark.django_db
def test_another_clinician_cannot_write_in_bens_draft(client, draft_note, ana_clinician):
    client.force_login(ana_clinician.user)
    response = client.post(f"/clinical/notes/{draft_note.pk}/autosave/", {"subjective": "x"})
    assert response.status_code == 403
    draft_note.refresh_from_db()
    assert draft_note.answers == {}


@pytest.mark.django_db
def test_services_refuse_to_change_a_signed_note(signed_note, ben_clinician):
    with pytest.raises(services.SignedNoteError):
        services.save_draft(signed_note, actor=ben_clinician.user, raw_answers={"plan": "x"})
    with pytest.raises(services.SignedNoteError):
        services.sign_note(signed_note, actor=ben_clinician.user)


@pytest.mark.django_db
def test_addenda_keep_their_author_and_time(ben_client, signed_note, ben_clinician):
    response = ben_client.post(f"/clinical/notes/{signed_note.pk}/addenda/",
                               {"text": "Patient rang: pain worse at night."})
    assert response.status_code == 302
    addendum = Addendum.objects.get()
    assert addendum.author == ben_clinician.user and addendum.created_at is not None
    page = ben_client.get(f"/clinical/notes/{signed_note.pk}/").content.decode()
    assert "Patient rang: pain worse at night." in page
    assert timezone.localtime(addendum.created_at).strftime("%-d %b %Y") in page
    assert AuditEvent.objects.filter(object_type="clinical.addendum",
                                     actor=ben_clinician.user).exists()


@pytest.mark.django_db
def test_only_the_author_or_an_admin_adds_addenda(client, signed_note, ana_clinician,
                                                  sam_owner):
    client.force_login(ana_clinician.user)
    response = client.post(f"/clinical/notes/{signed_note.pk}/addenda/", {"text": "mine"})
    assert response.status_code == 400
    client.force_login(sam_owner)
    response = client.post(f"/clinical/notes/{signed_note.pk}/addenda/", {"text": "Admin"})
    assert response.status_code == 302
    assert [a.author for a in Addendum.objects.all()] == [sam_owner]


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_an_sql_update_of_a_signed_note(signed_note):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    with pytest.raises(IntegrityError, match="signed"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE clinical_note SET answers = '{}'::jsonb WHERE id = %s",
                       [signed_note.pk])
    with pytest.raises(IntegrityError, match="signed"), transaction.atomic():
        Note.objects.filter(pk=signed_note.pk).update(status="draft", signed_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Note.objects.filter(pk=signed_note.pk).delete()
    # Bookkeeping columns may still move (updated_at), and drafts are not affected.
    Note.objects.filter(pk=signed_note.pk).update(template=None)
    signed_note.refresh_from_db()
    assert signed_note.answers["subjective"] == "Heel pain easing"
