"""A clinician lands on My day: across his clinics, next patient first, note status per visit,
unsigned notes from earlier days."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from clinical import services
from clinical.queries import my_day
from ncc import testing


@pytest.mark.django_db
def test_my_day_puts_the_next_patient_first_across_clinics(ben_clinician, sydney_cbd, brisbane,
                                                           review_type, soap_template):
    ben_clinician.clinics.add(brisbane)
    today = timezone.localdate()
    now = datetime.combine(today, time(11, 0), tzinfo=sydney_cbd.tz)
    seen = testing.make_patient(sydney_cbd, "Ann", "Early")
    nxt = testing.make_patient(brisbane, "Bob", "Next")
    later = testing.make_patient(sydney_cbd, "Cat", "Later")
    a_seen = testing.make_appointment(seen, ben_clinician, sydney_cbd, review_type,
                                      datetime.combine(today, time(9), tzinfo=sydney_cbd.tz),
                                      status="completed")
    # 10:30 in Brisbane is 11:30 in Sydney (no daylight saving in Queensland in summer).
    testing.make_appointment(nxt, ben_clinician, brisbane, review_type,
                             datetime.combine(today, time(10, 30), tzinfo=brisbane.tz))
    testing.make_appointment(later, ben_clinician, sydney_cbd, review_type,
                             datetime.combine(today, time(15), tzinfo=sydney_cbd.tz))
    services.start_note(actor=ben_clinician.user, patient=seen, template=soap_template,
                        appointment=a_seen)
    day = my_day(ben_clinician, today, now=now)
    assert day["next"].appointment.patient == nxt
    assert [v.appointment.patient for v in day["later"]] == [later]
    assert [(v.appointment.patient, v.note_status) for v in day["seen"]] == [(seen, "draft")]


@pytest.mark.django_db
def test_my_day_page_lists_unsigned_notes_from_earlier_days(ben_client, ben_clinician, visit,
                                                            sydney_cbd, review_type,
                                                            soap_template, john_smith):
    old = testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                   visit.starts_at - timedelta(days=3))
    old_note = services.start_note(actor=ben_clinician.user, patient=john_smith,
                                   template=soap_template, appointment=old)
    page = ben_client.get("/clinical/my-day/").content.decode()
    assert "Unsigned notes from earlier days (1)" in page
    assert old_note.get_absolute_url() in page
    assert f"/clinical/patients/{john_smith.pk}/notes/new/?appointment={visit.pk}" in page


@pytest.mark.django_db
def test_my_day_is_in_the_clinicians_menu(ben_client, mia_receptionist):
    assert b"My day" in ben_client.get("/clinical/my-day/").content
    ben_client.force_login(mia_receptionist)
    assert ben_client.get("/clinical/my-day/").status_code == 403
