"""A patient becomes one Xero contact: created, then updated, never duplicated."""

from xero import services
from xero.models import XeroApiCall, XeroContactLink


def test_patient_becomes_contact_with_our_number(fake_xero, xero_connection, john_smith):
    john_smith.address_line, john_smith.suburb, john_smith.state, john_smith.postcode = \
        "1 George St", "Sydney", "NSW", "2000"
    john_smith.save()
    link = services.sync_patient(john_smith)
    assert link.status == XeroContactLink.Status.SYNCED
    [contact] = fake_xero.contacts()
    assert contact["ContactID"] == link.contact_id
    assert contact["ContactNumber"] == f"P-{john_smith.number}"
    assert contact["Name"] == "John Smith"
    assert contact["EmailAddress"] == "john.smith@example.com"
    assert contact["Phones"][0]["PhoneType"] == "MOBILE"
    assert contact["Addresses"][0]["City"] == "Sydney"
    call = XeroApiCall.objects.filter(endpoint__startswith="/Contacts").first()
    assert call.status == 200 and call.min_remaining is not None and call.day_remaining


def test_second_sync_updates_the_same_contact(fake_xero, xero_connection, john_smith):
    services.sync_patient(john_smith)
    john_smith.email = "john@new.example"
    john_smith.save()
    link = services.sync_patient(john_smith)
    [contact] = fake_xero.contacts()
    assert contact["EmailAddress"] == "john@new.example"
    assert contact["ContactID"] == link.contact_id


def test_patient_without_email_or_mobile_still_syncs(fake_xero, xero_connection, sydney_cbd):
    from ncc import testing

    patient = testing.make_patient(sydney_cbd, "Nora", "Quiet", mobile="", email="")
    link = services.sync_patient(patient)
    assert link.status == XeroContactLink.Status.SYNCED
    assert fake_xero.contacts()[0]["Name"] == "Nora Quiet"
