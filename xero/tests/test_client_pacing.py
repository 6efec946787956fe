"""The client keeps within Xero's limits by itself: the minute budget from the headers, at most
five calls in flight per organisation, Retry-After after a 429, backoff after 503."""

import threading

from xero.client import XeroClient
from xero.fake import FakeXero


def _client(conn, log):
    token = conn.access_token
    return XeroClient(conn, token_source=lambda stale: token, log=log)


def test_minute_budget_is_respected_without_a_single_429(fake_xero, xero_connection, settings):
    settings.XERO_MINUTE_LIMIT = 60
    log = []
    with _client(xero_connection, log) as api:
        for _ in range(130):
            assert api.request("GET", "/Accounts").status == 200
    assert fake_xero.stats["http_429"] == 0
    # 130 calls at 60 a minute: the third window opens two simulated minutes after the first.
    assert fake_xero.simulated_minutes() >= 2.0
    assert [r.min_remaining for r in log[:3]] == [59, 58, 57]


def test_no_more_than_five_calls_in_flight(fake_xero, xero_connection):
    fake_xero.inject("slow", method="GET", path="/Accounts", delay=0.15)
    log, results = [], []
    api = _client(xero_connection, log)

    def call():
        results.append(api.request("GET", "/Accounts").status)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    api.close()
    assert results == [200] * 12
    assert fake_xero.stats["max_in_flight"] <= 5
    assert fake_xero.stats["http_429"] == 0


def test_429_retry_after_and_503_backoff_are_retried(fake_xero, xero_connection):
    fake_xero.inject("429", method="GET", path="/TaxRates", times=1)
    fake_xero.inject("503", method="GET", path="/TaxRates", times=2)
    log = []
    with _client(xero_connection, log) as api:
        reply = api.request("GET", "/TaxRates")
    assert reply.status == 200
    assert [r.status for r in log] == [429, 503, 503, 200]
    assert log[0].retry_after == 1 and log[0].rate_problem == "minute"
    assert log[1].error == "Xero had a temporary problem (HTTP 503); we tried again."


def test_day_limit_is_reported_not_retried(settings, db):
    from xero.client import XeroDayLimit
    from xero.models import XeroConnection

    with FakeXero(speed=600, day_limit=2) as fake:
        for key, value in fake.settings().items():
            setattr(settings, key, value)
        settings.XERO_CLOCK_SPEED = 600
        settings.XERO_REDIRECT_URI = "http://testserver/xero/callback/"
        from .conftest import connect

        conn = connect(fake)
        assert conn.status == XeroConnection.Status.ACTIVE
        log = []
        with _client(conn, log) as api:
            api.request("GET", "/Accounts")
            api.request("GET", "/Accounts")
            try:
                api.request("GET", "/Accounts")
                raised = None
            except XeroDayLimit as exc:
                raised = exc
        assert raised is not None and "daily limit" in raised.message
        assert raised.extra["retry_after"] > 80000
        assert log[-1].status == 429 and log[-1].rate_problem == "day"
