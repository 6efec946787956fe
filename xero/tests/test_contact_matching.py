"""No duplicates: a contact Xero already holds (same number, or same name and email) is linked;
a name taken by someone else gets our patient number; a lost reply is settled by lookup."""

from ncc import testing
from xero import services
from xero.models import XeroApiCall, XeroContactLink


def test_existing_contact_with_same_name_and_email_is_linked_not_duplicated(
        fake_xero, xero_connection, john_smith):
    existing = fake_xero.add_contact(Name="John Smith", EmailAddress="John.Smith@example.com")

    link = services.sync_patient(john_smith)

    assert link.status == XeroContactLink.Status.SYNCED
    assert link.contact_id == existing["ContactID"]
    [contact] = fake_xero.contacts()
    assert contact["ContactNumber"] == f"P-{john_smith.number}"  # claimed with our number


def test_same_name_different_person_gets_the_patient_number_in_the_name(
        fake_xero, xero_connection, john_smith):
    other = fake_xero.add_contact(Name="John Smith", EmailAddress="someone.else@example.com")

    link = services.sync_patient(john_smith)

    assert link.status == XeroContactLink.Status.SYNCED
    assert link.contact_id != other["ContactID"]
    assert link.contact_name == f"John Smith (P-{john_smith.number})"
    assert len(fake_xero.contacts()) == 2
    # The next sync keeps the disambiguated name instead of clashing again.
    john_smith.mobile = "+61400000001"
    john_smith.save()
    assert services.sync_patient(john_smith).contact_name == link.contact_name


def test_existing_contact_with_our_number_is_linked(fake_xero, xero_connection, john_smith):
    existing = fake_xero.add_contact(Name="J Smith", ContactNumber=f"P-{john_smith.number}")
    XeroContactLink.objects.create(patient=john_smith, contact_number=f"P-{john_smith.number}",
                                   outcome_unknown=True)

    link = services.sync_patient(john_smith)

    assert link.contact_id == existing["ContactID"]
    assert len(fake_xero.contacts()) == 1


def test_two_patients_with_one_name_become_two_contacts(fake_xero, xero_connection, sydney_cbd):
    a = testing.make_patient(sydney_cbd, "Mary", "Jones", email="mary1@example.com")
    b = testing.make_patient(sydney_cbd, "Mary", "Jones", email="mary2@example.com")

    result = services.ContactSync(xero_connection).run([a.pk, b.pk])

    assert result.synced == 2
    names = sorted(c["Name"] for c in fake_xero.contacts())
    assert names == [f"Mary Jones (P-{a.number})", f"Mary Jones (P-{b.number})"]


def test_lost_reply_after_create_is_settled_by_lookup_not_resent(fake_xero, xero_connection,
                                                                 john_smith):
    fake_xero.post_updates_by_contact_number = False
    fake_xero.inject("drop", method="POST", path="/Contacts", times=1)

    link = services.sync_patient(john_smith)

    assert link.status == XeroContactLink.Status.SYNCED
    assert len(fake_xero.contacts()) == 1
    assert link.contact_id == fake_xero.contacts()[0]["ContactID"]
    calls = list(XeroApiCall.objects.filter(endpoint__startswith="/Contacts")
                 .order_by("created_at", "id").values_list("method", "status"))
    assert calls == [("POST", None), ("GET", 200)]  # lost, then looked up; nothing resent


def test_slow_reply_that_times_out_is_settled_without_duplicate(fake_xero, xero_connection,
                                                                john_smith, settings):
    settings.XERO_TIMEOUT_SECONDS = 0.3
    fake_xero.post_updates_by_contact_number = False
    fake_xero.inject("slow", method="POST", path="/Contacts", times=1, delay=0.6)

    link = services.sync_patient(john_smith)

    assert link.status == XeroContactLink.Status.SYNCED
    assert len(fake_xero.contacts()) == 1
    err = XeroApiCall.objects.filter(status__isnull=True).first()
    assert err.error == "Xero did not answer in time."


def test_lost_reply_before_the_write_leads_to_one_create(fake_xero, xero_connection,
                                                         john_smith):
    fake_xero.post_updates_by_contact_number = False
    fake_xero.inject("500", method="POST", path="/Contacts", times=1)

    link = services.sync_patient(john_smith)

    assert link.status == XeroContactLink.Status.SYNCED
    assert len(fake_xero.contacts()) == 1
