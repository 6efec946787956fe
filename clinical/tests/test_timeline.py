"""The patient's clinical timeline: notes, addenda, attachments, letters and referrals, newest
first, filtered by kind and clinician, searchable."""

import pytest

from clinical import services


@pytest.mark.django_db
def test_timeline_filters_and_searches(ben_client, signed_note, ben_clinician, ana_clinician,
                                       soap_template, john_smith):
    services.add_addendum(signed_note, actor=ben_clinician.user, text="Rang about orthoses")
    ana_note = services.start_note(actor=ana_clinician.user, patient=john_smith,
                                   template=soap_template)
    services.save_draft(ana_note, actor=ana_clinician.user, raw_answers={"plan": "Ice"})
    url = f"/clinical/patients/{john_smith.pk}/timeline/"
    everything = ben_client.get(url).content.decode()
    assert "Addendum to Review (SOAP)" in everything and "Heel pain easing" in everything
    only_addenda = ben_client.get(url, {"kind": "addendum"}).content.decode()
    assert "Rang about orthoses" in only_addenda and "Heel pain easing" not in only_addenda
    by_ana = ben_client.get(url, {"author": ana_clinician.user_id}).content.decode()
    assert "Ice" in by_ana and "Heel pain easing" not in by_ana
    searched = ben_client.get(url, {"q": "heel"}).content.decode()
    assert "Heel pain easing" in searched and "Ice" not in searched


@pytest.mark.django_db
def test_patient_page_shows_the_clinical_panel(ben_client, signed_note, john_smith):
    page = ben_client.get(f"/patients/{john_smith.pk}/").content.decode()
    assert "Clinical record" in page and signed_note.get_absolute_url() in page


@pytest.mark.django_db
def test_clinical_alerts_come_from_the_patient_and_signed_notes(ben_clinician, john_smith,
                                                                visit):
    from clinical.models import NoteTemplate
    from clinical.queries import clinical_alerts

    template = NoteTemplate.objects.get(slug="initial-assessment")
    note = services.start_note(actor=ben_clinician.user, patient=john_smith, template=template,
                               appointment=visit)
    services.save_draft(note, actor=ben_clinician.user, raw_answers={
        "allergies": "Elastoplast", "medical_history": ["Diabetes", "Anticoagulants"]})
    assert clinical_alerts(john_smith) == []
    services.sign_note(note, actor=ben_clinician.user)
    assert clinical_alerts(john_smith) == ["Allergies: Elastoplast", "Diabetes",
                                           "Anticoagulants"]
