"""Twenty receptionists click at once: exactly one booking wins, on SQLite and on PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client

from ncc import testing
from scheduling.models import Appointment

from .factories import at, future_monday

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_overlapping_bookings_book_exactly_one(
        sydney_cbd, mia_receptionist, ben_clinician, review_type):
    patients = [testing.make_patient(sydney_cbd, f"Pat{i}", "Concurrent", mobile="")
                for i in range(THREADS)]
    ben_clinician.user.last_name = "Cho"
    ben_clinician.user.save()
    day = future_monday()
    login = Client()
    login.force_login(mia_receptionist)
    session_cookie = login.cookies
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, dict]] = [None] * THREADS

    def attempt(i):
        client = Client()
        client.cookies = session_cookie
        payload = {
            "patient": str(patients[i].pk), "clinician": ben_clinician.pk,
            "clinic": sydney_cbd.pk, "appointment_type": review_type.pk,
            # 9:00, 9:01, ... 9:19, each 30 minutes: every pair overlaps.
            "starts_at": (at(sydney_cbd, day, 9) + timedelta(minutes=i)).isoformat(),
        }
        try:
            barrier.wait(timeout=10)
            response = client.post("/api/v1/appointments/", payload,
                                   content_type="application/json")
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    codes = [r[0] for r in results]
    assert codes.count(201) == 1, codes
    assert codes.count(400) == THREADS - 1, codes
    winner = Appointment.objects.select_related("patient").get()
    times = f"{winner.local_starts_at.hour % 12 or 12}:{winner.local_starts_at:%M}"
    for status, body in results:
        if status == 400:
            assert body["code"] == "conflict"
            assert body["detail"].startswith(
                f"Ben Cho already has {winner.patient.full_name} {times}–"), body
    live = list(Appointment.objects.exclude(status="cancelled").values_list(
        "clinician_id", "starts_at", "ends_at"))
    overlapping = [(a, b) for i, a in enumerate(live) for b in live[i + 1:]
                   if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]]
    assert overlapping == []
