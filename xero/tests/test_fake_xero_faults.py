"""The fake Xero's faults come in the order real services produce them: a slow write is applied
only at the end of its delay (a lookup meanwhile finds nothing), a lost reply may come before or
after the write, a reset comes after the body was read, and 429/5xx say what Xero says."""

import threading

import httpx
import pytest


@pytest.fixture
def invoice(api):
    contact = api.put("/Contacts", json={"Contacts": [{"Name": "Jo Citizen"}]}).json()
    return {"Type": "ACCREC", "Contact": {"ContactID": contact["Contacts"][0]["ContactID"]},
            "InvoiceNumber": "INV-1", "Status": "AUTHORISED", "LineItems": [{
                "Description": "Review", "Quantity": 1, "UnitAmount": 75.0,
                "AccountCode": "200", "TaxType": "OUTPUT"}]}


def held(api, number="INV-1") -> list:
    return api.get("/Invoices", params={"InvoiceNumbers": number}).json()["Invoices"]


def test_a_slow_write_is_applied_after_the_client_gave_up_and_only_then_visible(
        fake, api, invoice):
    fault = fake.inject("slow", method="PUT", path="/Invoices", times=1, delay=2.0)
    with pytest.raises(httpx.ReadTimeout):
        api.put("/Invoices", json={"Invoices": [invoice]}, timeout=0.2)
    assert held(api) == []  # the lookup right after the timeout sees nothing yet
    assert fault.done.wait(10)
    assert [i["InvoiceNumber"] for i in held(api)] == ["INV-1"]


@pytest.mark.parametrize(("kind", "options", "applied"), [
    ("drop", {}, True), ("lost_reply", {}, True),
    ("drop_before", {}, False), ("lost_request", {}, False),
    ("reset", {}, True), ("reset", {"applied": False}, False),
])
def test_a_lost_reply_comes_before_or_after_the_write(fake, api, invoice, kind, options,
                                                      applied):
    fake.inject(kind, method="PUT", path="/Invoices", times=1, **options)
    with pytest.raises(httpx.TransportError):
        api.put("/Invoices", json={"Invoices": [invoice]})
    assert len(held(api)) == int(applied)
    assert fake.stats["dropped"] == 1


def test_a_reset_is_a_tcp_reset_not_a_clean_close(fake, api, invoice):
    fake.inject("reset", method="PUT", path="/Invoices", times=1)
    with pytest.raises(httpx.ReadError):  # ECONNRESET, where a clean close is a protocol error
        api.put("/Invoices", json={"Invoices": [invoice]})


def test_429_says_which_limit_and_when_to_come_back_and_changes_nothing(fake, api, invoice):
    fake.inject("429", method="PUT", path="/Invoices", times=1, problem="day", retry_after=40)
    refused = api.put("/Invoices", json={"Invoices": [invoice]})
    assert refused.status_code == 429
    assert (refused.headers["X-Rate-Limit-Problem"], refused.headers["Retry-After"]) == \
        ("day", "40")
    assert held(api) == [] and fake.stats["http_429"] == 1


@pytest.mark.parametrize(("status", "applied"), [(500, False), (503, False), (502, True),
                                                 (504, True)])
def test_server_errors_from_a_gateway_may_hide_a_finished_write(fake, api, invoice, status,
                                                                applied):
    fake.inject(str(status), method="PUT", path="/Invoices", times=1)
    reply = api.put("/Invoices", json={"Invoices": [invoice]})
    assert reply.status_code == status and reply.json()["Status"] == status
    assert len(held(api)) == int(applied)


def test_faults_are_chosen_by_method_path_and_count(fake, api):
    fake.inject("503", method="GET", path="/accounts", every=3, skip=1)
    fake.inject("500", method="POST", path="/Accounts")  # another method: never fires
    statuses = [api.get("/Accounts").status_code for _ in range(8)]
    assert statuses == [200, 200, 200, 503, 200, 200, 503, 200]
    assert api.get("/TaxRates").status_code == 200
    fake.clear_faults()
    assert api.get("/Accounts").status_code == 200


def test_a_concurrent_repeat_of_an_idempotency_key_waits_for_the_first(fake, api, invoice):
    fake.inject("slow", method="PUT", path="/Invoices", times=1, delay=1.0)
    key = {"Idempotency-Key": "ncc-inv-INV-1"}
    first: list = []

    def send_first():
        try:
            api.put("/Invoices", json={"Invoices": [invoice]}, headers=key, timeout=0.2)
        except httpx.ReadTimeout as gave_up:
            first.append(gave_up)

    sender = threading.Thread(target=send_first)
    sender.start()
    sender.join()
    repeat = api.put("/Invoices", json={"Invoices": [invoice]}, headers=key, timeout=10)
    assert first  # the first gave up before its write was applied
    assert repeat.status_code == 200, repeat.text  # so the repeat waited for it
    assert [i["InvoiceID"] for i in held(api)] == [repeat.json()["Invoices"][0]["InvoiceID"]]
    assert fake.stats["idempotent_replays"] == 1


def test_an_unknown_fault_kind_is_refused(fake):
    with pytest.raises(ValueError, match="Unknown fault kind"):
        fake.inject("flaky")
