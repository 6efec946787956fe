"""Tokens: refreshed once however many workers need one, a lost refresh reply recovered within
Xero's grace period, and invalid_grant turned into 'reconnect Xero'."""

import threading

import pytest
from django.db import connection as db_connection

from xero import oauth
from xero.client import XeroClient, XeroReauthRequired
from xero.models import XeroConnection

from .conftest import connect, expire_access_token


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_users_of_an_expired_token_cause_one_refresh(fake_xero, sam_owner):
    conn = connect(fake_xero, sam_owner)
    expire_access_token(conn)
    before = fake_xero.stats["token_refreshes"]
    barrier = threading.Barrier(10)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            with XeroClient(XeroConnection.objects.get(pk=conn.pk)) as api:
                reply = api.request("GET", "/Contacts")
            results.append(reply.status)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [200] * 10
    assert fake_xero.stats["token_refreshes"] - before == 1
    conn.refresh_from_db()
    assert conn.refresh_count == 1


def test_refresh_tokens_rotate_and_are_stored_encrypted(fake_xero, xero_connection):
    old_refresh = xero_connection.refresh_token
    expire_access_token(xero_connection)
    oauth.access_token_for(xero_connection.pk)
    xero_connection.refresh_from_db()
    assert xero_connection.refresh_token != old_refresh
    assert old_refresh not in xero_connection.refresh_token_encrypted
    assert xero_connection.access_token not in xero_connection.access_token_encrypted


def test_lost_refresh_reply_is_recovered_within_the_grace_period(fake_xero, xero_connection):
    expire_access_token(xero_connection)
    fake_xero.inject("drop", path="/connect/token", times=1)
    token = oauth.access_token_for(xero_connection.pk)
    with XeroClient(xero_connection) as api:
        assert api.request("GET", "/Contacts").status == 200
    assert token
    assert fake_xero.stats["token_refreshes"] == 2  # the lost one, then the replay


def test_refresh_after_the_grace_period_needs_reauthorisation(fake_xero, xero_connection):
    expire_access_token(xero_connection)
    stale = xero_connection.refresh_token
    oauth.access_token_for(xero_connection.pk)  # rotates; `stale` is now the previous token
    fake_xero.clock.advance(31 * 60)
    xero_connection.refresh_from_db()
    xero_connection.refresh_token = stale  # as if the rotated reply had never been saved
    xero_connection.save()
    expire_access_token(xero_connection)
    with pytest.raises(XeroReauthRequired) as caught:
        oauth.access_token_for(xero_connection.pk)
    assert "reconnect Xero" in caught.value.message
    xero_connection.refresh_from_db()
    assert xero_connection.status == XeroConnection.Status.NEEDS_REAUTH
    assert "reconnect" in xero_connection.last_error


def test_revoked_connection_stops_sync_with_reconnect_message(fake_xero, xero_connection,
                                                            john_smith):
    from xero import client, services

    client.revoke_token(xero_connection.refresh_token)
    expire_access_token(xero_connection)
    with pytest.raises(XeroReauthRequired) as caught:
        services.sync_patient(john_smith)
    assert "reconnect Xero" in caught.value.message
    assert fake_xero.contacts() == []


def test_a_month_old_refresh_token_is_renewed_by_the_daily_sweep(fake_xero, xero_connection):
    from datetime import timedelta

    from django.utils import timezone

    from xero import services

    assert services.keep_token_alive() is False  # fresh: nothing to do
    XeroConnection.objects.filter(pk=xero_connection.pk).update(
        refresh_token_issued_at=timezone.now() - timedelta(days=31))
    assert services.keep_token_alive() is True
    xero_connection.refresh_from_db()
    assert xero_connection.refresh_token_issued_at > timezone.now() - timedelta(minutes=1)
    assert fake_xero.stats["token_refreshes"] == 1
