from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from ncc import testing


@pytest.mark.django_db
def test_database_refuses_an_appointment_that_ends_before_it_starts(
    sydney_cbd, ben_clinician, review_type, john_smith
):
    start = datetime(2030, 3, 5, 9, 0, tzinfo=sydney_cbd.tz)
    with pytest.raises(IntegrityError), transaction.atomic():
        testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type, start,
                                 ends_at=start - timedelta(minutes=5))


@pytest.mark.django_db
def test_api_refuses_an_end_before_start_with_a_field_error(
    mia_client, sydney_cbd, ben_clinician, review_type, john_smith
):
    response = mia_client.post("/api/v1/appointments/", {
        "patient": str(john_smith.pk), "clinician": ben_clinician.pk, "clinic": sydney_cbd.pk,
        "appointment_type": review_type.pk, "starts_at": "2030-03-05T09:00:00+11:00",
        "ends_at": "2030-03-05T08:30:00+11:00"}, content_type="application/json")
    assert response.status_code == 400
    assert "ends_at" in response.json()


@pytest.mark.django_db
def test_clinician_books_into_their_own_column_only(
    ben_client, sydney_cbd, ben_clinician, ana_clinician, review_type, john_smith
):
    def book(clinician):
        return ben_client.post("/api/v1/appointments/", {
            "patient": str(john_smith.pk), "clinician": clinician.pk, "clinic": sydney_cbd.pk,
            "appointment_type": review_type.pk, "starts_at": "2030-03-05T09:00:00+11:00",
            "ends_at": "2030-03-05T09:30:00+11:00"}, content_type="application/json")

    assert book(ana_clinician).status_code == 403
    assert book(ben_clinician).status_code == 201
