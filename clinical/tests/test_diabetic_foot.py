"""The diabetic foot assessment suggests a risk category and review interval from findings."""

import pytest

from clinical import services
from clinical.answers import suggested_risk


@pytest.mark.parametrize("answers,category", [
    ({"monofilament_not_felt": {}, "dp_pulse": {"left": "Palpable", "right": "Palpable"}},
     "Low"),
    ({"monofilament_not_felt": {"left": ["Hallux"]}}, "Moderate"),
    ({"dp_pulse": {"left": "Absent"}}, "Moderate"),
    ({"dp_pulse": {"left": "Palpable"}, "deformity": {"right": "Yes"}}, "Moderate"),
    ({"monofilament_not_felt": {"left": ["Hallux"]}, "previous_ulcer": "Yes"}, "High"),
    ({"monofilament_not_felt": {"right": ["Hallux"]}, "pt_pulse": {"right": "Diminished"}},
     "High"),
])
def test_risk_category_follows_the_findings(answers, category):
    assert suggested_risk(answers)[0] == category


def test_review_interval_follows_the_category():
    assert suggested_risk({"dp_pulse": {"left": "Palpable"}})[1] == "every 12 months"
    high = suggested_risk({"dp_pulse": {"left": "Absent"}, "kidney_failure": "Yes"})
    assert high == ("High", "every 1 to 3 months")


def test_no_suggestion_before_findings():
    assert suggested_risk({"hba1c": "7"}) is None


@pytest.mark.django_db
def test_autosave_shows_the_suggested_category(ben_client, visit, ben_clinician,
                                               diabetic_template):
    note = services.start_note(actor=ben_clinician.user, patient=visit.patient,
                               template=diabetic_template, appointment=visit)
    response = ben_client.post(f"/clinical/notes/{note.pk}/autosave/", {
        "monofilament_not_felt__left": ["", "Hallux", "5th metatarsal head"],
        "dp_pulse__left": "Absent", "dp_pulse__right": "Palpable"})
    body = response.content.decode()
    assert "Suggested risk category: High" in body and "every 1 to 3 months" in body
    note.refresh_from_db()
    assert note.answers["monofilament_not_felt"]["left"] == ["Hallux", "5th metatarsal head"]
    assert "Left: Hallux, 5th metatarsal head" in note.body_text
