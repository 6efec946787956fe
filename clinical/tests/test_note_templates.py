"""Templates are edited by admins in the app; each note keeps the questions it was written
with, so a later edit or retirement changes no note."""

import pytest

from clinical import services
from clinical.models import NoteTemplate


def rows_post(template, rows, **fields):
    data = {"name": fields.get("name", template.name if template else "Gait review"),
            "description": "", "active": "on",
            "q-TOTAL_FORMS": str(len(rows)),
            "q-INITIAL_FORMS": str(template.question_count if template else 0),
            "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"q-{i}-{key}"] = value
    return data


@pytest.mark.django_db
def test_shipped_templates_are_there(db):
    names = set(NoteTemplate.objects.values_list("name", flat=True))
    assert {"Initial podiatry assessment", "Diabetic foot assessment", "Review (SOAP)",
            "Nail surgery", "Orthotic prescription"} <= names


@pytest.mark.django_db
def test_admin_builds_a_template_with_every_kind_of_question(sam_client):
    rows = [
        {"section": "Gait", "label": "Observation", "kind": "text"},
        {"section": "Gait", "label": "Cadence", "kind": "number", "unit": "steps/min"},
        {"section": "Gait", "label": "Foot posture", "kind": "choice",
         "options": "Pronated, Neutral, Supinated", "per_foot": "on"},
        {"section": "Plan", "label": "Advice", "kind": "checkboxes",
         "options": "Stretches, Footwear"},
        {"section": "Plan", "label": "Review on", "kind": "date"},
        {"section": "", "label": "", "kind": "text"},  # a blank row is ignored
    ]
    response = sam_client.post("/clinical/templates/new/", rows_post(None, rows))
    assert response.status_code == 302, response.context["rows"].errors
    template = NoteTemplate.objects.get(name="Gait review")
    assert [s["title"] for s in template.schema] == ["Gait", "Plan"]
    posture = template.schema[0]["questions"][2]
    assert posture["per_foot"] and posture["options"] == ["Pronated", "Neutral", "Supinated"]


@pytest.mark.django_db
def test_a_choice_without_options_is_explained(sam_client):
    rows = [{"section": "Gait", "label": "Posture", "kind": "choice", "options": "Flat"}]
    response = sam_client.post("/clinical/templates/new/", rows_post(None, rows))
    assert response.status_code == 200
    assert "at least two options" in response.content.decode()
    assert not NoteTemplate.objects.filter(name="Gait review").exists()


@pytest.mark.django_db
def test_editing_a_template_leaves_old_notes_unchanged(sam_client, signed_note, draft_note,
                                                       soap_template):
    before = signed_note.schema
    rows = services.rows_from_schema(soap_template.schema)
    rows[0]["label"] = "Patient's story"
    rows[2]["DELETE"] = rows[3]["DELETE"] = True
    rows = [{k: ("on" if v is True else v) for k, v in r.items() if v is not False}
            for r in rows]
    response = sam_client.post(f"/clinical/templates/{soap_template.pk}/",
                               rows_post(soap_template, rows))
    assert response.status_code == 302
    soap_template.refresh_from_db()
    assert soap_template.schema[0]["questions"][0]["label"] == "Patient's story"
    assert soap_template.question_count == 2
    signed_note.refresh_from_db()
    assert signed_note.schema == before
    page = sam_client.get(f"/clinical/notes/{signed_note.pk}/").content.decode()
    assert "Subjective" in page and "Heel pain easing" in page and "Patient&#x27;s story" not in page


@pytest.mark.django_db
def test_carry_forward_copies_the_previous_answers(ben_clinician, signed_note, soap_template,
                                                   john_smith):
    note = services.start_note(actor=ben_clinician.user, patient=john_smith,
                               template=soap_template, carry_forward=True)
    assert note.answers == {"subjective": "Heel pain easing", "plan": "Review 4 weeks"}
    fresh = services.start_note(actor=ben_clinician.user, patient=john_smith,
                                template=soap_template, carry_forward=False)
    assert fresh.answers == {}


@pytest.mark.django_db
def test_a_visit_has_one_note(ben_client, visit, soap_template):
    url = f"/clinical/patients/{visit.patient_id}/notes/new/?appointment={visit.pk}"
    first = ben_client.post(url, {"template": soap_template.pk})
    second = ben_client.post(url, {"template": soap_template.pk})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert visit.clinical_notes.count() == 1
