"""Clinical fixtures: the shipped templates (applied by migration) and a visit of John's with
Ben, today."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from clinical import services
from clinical.models import NoteTemplate
from ncc import testing


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _shipped_templates(db):
    """Migration 0002 ships them; a transactional test's flush removes them again."""
    from clinical.shipped import install

    if not NoteTemplate.objects.filter(slug="diabetic-foot").exists():
        install(NoteTemplate)


@pytest.fixture
def diabetic_template(db):
    return NoteTemplate.objects.get(slug="diabetic-foot")


@pytest.fixture
def soap_template(db):
    return NoteTemplate.objects.get(slug="review-soap")


@pytest.fixture
def visit(john_smith, ben_clinician, sydney_cbd, review_type):
    today = timezone.localdate()
    start = datetime.combine(today, time(10, 0), tzinfo=sydney_cbd.tz)
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, start)


@pytest.fixture
def draft_note(visit, ben_clinician, soap_template):
    return services.start_note(actor=ben_clinician.user, patient=visit.patient,
                               template=soap_template, appointment=visit)


@pytest.fixture
def signed_note(draft_note, ben_clinician):
    services.save_draft(draft_note, actor=ben_clinician.user,
                        raw_answers={"subjective": "Heel pain easing", "plan": "Review 4 weeks"})
    return services.sign_note(draft_note, actor=ben_clinician.user)


def days_ago(n):
    return timezone.now() - timedelta(days=n)
