"""Bulk sync: 50 contacts a call, exactly one Xero contact per patient even when Xero drops
replies after creating, answers 429 and 503; one bad contact fails alone."""

from django.db.models import Count

from xero import client, services
from xero.models import XeroApiCall, XeroContactLink, XeroSyncJob

from .conftest import make_patients


def test_500_patients_with_lost_replies_429s_and_503s_become_exactly_500_contacts(
        fake_xero, xero_connection, sydney_cbd):
    patients = make_patients(sydney_cbd, 500)
    # Prove we do not lean on Xero matching ContactNumber on POST: a resend would duplicate.
    fake_xero.post_updates_by_contact_number = False
    fake_xero.inject("drop", method="POST", path="/Contacts", every=5)
    fake_xero.inject("429", method="POST", path="/Contacts", times=2)
    fake_xero.inject("503", method="POST", path="/Contacts", times=2)
    job = XeroSyncJob.objects.create(total=500)

    job = services.run_sync_job(job.pk)

    assert job.status == XeroSyncJob.Status.DONE, job.message
    assert (job.synced, job.failed) == (500, 0)
    contacts = fake_xero.contacts()
    assert len(contacts) == 500
    assert len({c["ContactNumber"] for c in contacts}) == 500
    links = XeroContactLink.objects.filter(status="synced").exclude(contact_id="")
    assert links.count() == 500
    assert {lk.contact_id for lk in links} == {c["ContactID"] for c in contacts}
    by_number = {c["ContactNumber"]: c["ContactID"] for c in contacts}
    assert all(by_number[f"P-{p.number}"] == p.xero_link.contact_id
               for p in type(patients[0]).objects.select_related("xero_link"))
    assert fake_xero.stats["dropped"] >= 2
    assert fake_xero.stats["max_in_flight"] <= 5
    # 10 batches of 50, plus a lookup and a resend per lost reply, plus the refused calls.
    posts = XeroApiCall.objects.filter(method="POST", endpoint__startswith="/Contacts")
    assert posts.filter(status=200).count() <= 14
    assert posts.filter(status=429).count() == 2 and posts.filter(status=503).count() == 2


def test_one_invalid_contact_fails_alone_and_keeps_its_error(fake_xero, xero_connection,
                                                             sydney_cbd):
    patients = make_patients(sydney_cbd, 60)
    bad = patients[7]
    type(bad).objects.filter(pk=bad.pk).update(email="not an email")  # legacy data

    result = services.ContactSync(xero_connection).run([p.pk for p in patients])

    assert (result.synced, result.failed) == (59, 1)
    link = XeroContactLink.objects.get(patient=bad)
    assert link.status == XeroContactLink.Status.FAILED
    assert link.error == "Xero refused this contact: Email address must be valid."
    assert len(fake_xero.contacts()) == 59
    assert XeroApiCall.objects.filter(method="POST", endpoint__startswith="/Contacts").count() == 2


def test_changed_patients_are_only_the_new_changed_and_failed(fake_xero, xero_connection,
                                                              sydney_cbd):
    patients = make_patients(sydney_cbd, 3)
    services.ContactSync(xero_connection).run([p.pk for p in patients])
    assert services.changed_patients().count() == 0
    patients[1].email = "changed@example.com"
    patients[1].save()
    assert list(services.changed_patients()) == [patients[1]]


def test_day_limit_pauses_the_job_and_it_resumes_later(fake_xero, xero_connection, sydney_cbd):
    make_patients(sydney_cbd, 120)
    org = fake_xero.org
    org.day.limit = org.day.count + 1 if org.day.started is not None else 1
    job = XeroSyncJob.objects.create(total=120)

    job = services.run_sync_job(job.pk)

    assert job.status == XeroSyncJob.Status.PAUSED
    assert "daily limit" in job.message
    assert job.resume_at is not None
    assert job.synced == 50
    assert XeroContactLink.objects.filter(status="synced").count() == 50

    org.day.limit = 5000
    fake_xero.clock.advance(86400)  # the next day, for Xero and for our pacing
    client.clock().advance(86400)
    from django.utils import timezone

    XeroSyncJob.objects.filter(pk=job.pk).update(resume_at=timezone.now())
    assert services.resume_paused_jobs() == 1
    job = services.run_sync_job(job.pk)
    assert job.status == XeroSyncJob.Status.DONE
    assert job.synced == 120
    assert len(fake_xero.contacts()) == 120
    dupes = XeroContactLink.objects.values("contact_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not dupes.exists()


def test_a_job_whose_worker_vanished_does_not_block_a_new_one(fake_xero, xero_connection,
                                                              sam_owner):
    from datetime import timedelta

    from django.utils import timezone

    stuck = XeroSyncJob.objects.create(status=XeroSyncJob.Status.RUNNING,
                                       heartbeat_at=timezone.now() - timedelta(hours=1))
    fresh = services.start_bulk_sync(actor=sam_owner)
    assert fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == XeroSyncJob.Status.FAILED and "Start the sync again" in stuck.message
    assert services.start_bulk_sync(actor=sam_owner).pk == fresh.pk  # one at a time
