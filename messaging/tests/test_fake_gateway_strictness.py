"""The fake SMS Broadcast refuses what the real one refuses and produces faults in the order the
real one does: a reply lost before recording leaves no message, one lost after recording does."""

import httpx
import pytest

from messaging.fake import FakeSMSBroadcast

OK_REQUEST = {"to": "0412345678", "from": "WalkEasy", "message": "Hello", "ref": "abc123",
              "maxsplit": "1"}


def post(fake, **changes):
    data = {"username": fake.username, "password": fake.password, **OK_REQUEST, **changes}
    return httpx.post(fake.api_url, data=data, timeout=2)


def test_a_valid_request_is_taken_once_and_answered_with_the_international_number(fake_smsb):
    response = post(fake_smsb)
    assert response.text.startswith("OK: 61412345678:")
    assert fake_smsb.copies("abc123") == 1


@pytest.mark.parametrize("changes, error", [
    ({"ref": "r" * 21}, "ERROR: The reference cannot be longer than 20 characters."),
    ({"from": "Walk Easy"}, "ERROR: The sender can only contain letters and numbers."),
    ({"from": "Walk-Easy"}, "ERROR: The sender can only contain letters and numbers."),
    ({"from": "WalkEasyFeet"}, "ERROR: The sender cannot be longer than 11 characters."),
    ({"message": ""}, "ERROR: No message was supplied."),
    ({"to": ""}, "ERROR: No recipients were supplied."),
    ({"maxsplit": "6"}, "ERROR: maxsplit must be a number from 1 to 5."),
    ({"password": "wrong"}, "ERROR: Username or password is incorrect"),
])
def test_requests_the_real_gateway_refuses_are_refused_and_not_recorded(fake_smsb, changes,
                                                                         error):
    assert post(fake_smsb, **changes).text == error
    assert fake_smsb.messages == []


@pytest.mark.parametrize("sender", ["", "61400111222", "WalkEasy", "WE2"])
def test_a_blank_sender_a_number_or_a_short_name_is_accepted(fake_smsb, sender):
    assert post(fake_smsb, **{"from": sender}).text.startswith("OK:")


def test_a_ref_of_exactly_twenty_characters_is_accepted(fake_smsb):
    assert post(fake_smsb, ref="r" * 20).text.startswith("OK:")


@pytest.mark.parametrize("fault, recorded", [
    ("drop_before", 0), ("500", 0), ("503", 0), ("429", 0),
    ("reset_after", 1), ("502", 1), ("504", 1),
])
def test_faults_happen_before_or_after_recording_as_on_the_real_service(fake_smsb, fault,
                                                                        recorded):
    fake_smsb.fail_next(fault)
    try:
        response = post(fake_smsb)
    except httpx.TransportError:
        assert fault in ("drop_before", "reset_after")
    else:
        assert response.status_code == int(fault)
        if fault == "429":
            assert response.headers["Retry-After"] == str(fake_smsb.retry_after_seconds)
    fake_smsb.wait_idle()
    assert fake_smsb.copies("abc123") == recorded


def test_a_slow_reply_is_recorded_only_after_the_client_gave_up(fake_smsb):
    fake_smsb.fail_next("slow")
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(fake_smsb.api_url, timeout=0.2, data={
            "username": fake_smsb.username, "password": fake_smsb.password, **OK_REQUEST})
    fake_smsb.wait_idle()
    assert fake_smsb.copies("abc123") == 1


def test_a_balance_request_never_consumes_a_fault(fake_smsb):
    fake_smsb.fail_next("500")
    data = {"username": fake_smsb.username, "password": fake_smsb.password, "action": "balance"}
    assert httpx.post(fake_smsb.api_url, data=data, timeout=2).text == "OK: 5000"
    assert post(fake_smsb).status_code == 500


def test_random_faults_follow_the_given_rates_reproducibly():
    with FakeSMSBroadcast(fault_rates={"reset_after": 0.2, "slow": 0.1}, seed=7) as a, \
            FakeSMSBroadcast(fault_rates={"reset_after": 0.2, "slow": 0.1}, seed=7) as b:
        draws = [[fake._take_fault({}) for _ in range(1000)] for fake in (a, b)]
    assert draws[0] == draws[1]
    assert 150 < draws[0].count("reset_after") < 250 and 60 < draws[0].count("slow") < 140


def test_an_unknown_fault_name_is_refused(fake_smsb):
    with pytest.raises(ValueError):
        fake_smsb.fail_next("teapot")
