"""The SMS Broadcast provider against the fake gateway over real HTTP on loopback."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging.fake import FakeSMSBroadcast
from messaging.providers import TransportError
from messaging.providers.smsbroadcast import SMSBroadcastProvider, gateway_number, parse_lines


def send(provider, to="+61412345678", body="Hello", ref="abc123"):
    return provider.send(to=to, body=body, sender="WalkEasy", ref=ref, max_parts=1)


@pytest.mark.parametrize("raw", ["+61412345678", "0412345678", "61412345678", "412345678",
                                 "0412 345 678"])
def test_numbers_are_normalised_to_614(raw):
    assert gateway_number(raw) == "61412345678"


@pytest.mark.parametrize("raw", ["+6129231445", "+14155550100", "", "0212345678"])
def test_non_australian_mobiles_are_refused(raw):
    with pytest.raises(ValueError):
        gateway_number(raw)


def test_reply_lines_are_split_with_or_without_spaces():
    assert parse_lines("OK: 61400111222:2942263\nBAD:0400:Invalid Number\nERROR: nope") == [
        ("OK", "61400111222", "2942263"), ("BAD", "0400", "Invalid Number"),
        ("ERROR", "", "nope")]


def test_send_posts_credentials_in_the_body_and_returns_the_gateway_reference(fake_smsb):
    result = send(SMSBroadcastProvider())
    assert result.gateway_ref == fake_smsb.messages[0].smsref
    sent = fake_smsb.messages[0]
    assert (sent.to, sent.sender, sent.body, sent.ref) == ("61412345678", "WalkEasy", "Hello",
                                                           "abc123")
    assert all("password" not in p and "s3cret" not in p for p in fake_smsb.paths)


def test_bad_line_is_a_permanent_failure_with_the_gateways_reason(fake_smsb):
    fake_smsb.fail_next("bad")
    with pytest.raises(TransportError) as exc:
        send(SMSBroadcastProvider())
    assert exc.value.permanent and "Invalid Number" in exc.value.message


def test_wrong_credentials_are_a_permanent_error(fake_smsb):
    with pytest.raises(TransportError) as exc:
        send(SMSBroadcastProvider(password="wrong"))
    assert exc.value.permanent and "incorrect" in exc.value.message


def test_server_errors_can_be_retried(fake_smsb):
    fake_smsb.fail_next("503")
    with pytest.raises(TransportError) as exc:
        send(SMSBroadcastProvider())
    assert not exc.value.permanent and not exc.value.outcome_unknown
    assert fake_smsb.messages == []


def test_refused_connection_can_be_retried(fake_smsb):
    with pytest.raises(TransportError) as exc:
        send(SMSBroadcastProvider(base_url=FakeSMSBroadcast.closed_url()))
    assert not exc.value.permanent and not exc.value.outcome_unknown


def test_timeout_leaves_the_outcome_unknown_although_the_gateway_accepted_it(fake_smsb):
    fake_smsb.fail_next("slow")
    with pytest.raises(TransportError) as exc:
        send(SMSBroadcastProvider())
    assert exc.value.outcome_unknown
    fake_smsb.wait_idle()
    assert len(fake_smsb.messages) == 1


UNREACHABLE = {"refused": FakeSMSBroadcast.closed_url,
               "dns": lambda: "http://sms-gateway.invalid/api-adv.php"}


@pytest.mark.parametrize("fault, unknown", [
    ("refused", False), ("dns", False), ("429", False), ("500", False), ("503", False),
    ("drop_before", True), ("reset_after", True), ("502", True), ("504", True), ("slow", True),
])
def test_the_provider_says_which_failures_may_have_reached_the_gateway(fault, unknown, fake_smsb):
    url = UNREACHABLE[fault]() if fault in UNREACHABLE else fake_smsb.api_url
    if fault not in UNREACHABLE:
        fake_smsb.fail_next(fault)
    with pytest.raises(TransportError) as exc:
        SMSBroadcastProvider(base_url=url).send(to="+61412345678", body="Hi", sender="WalkEasy",
                                                ref="r1", max_parts=1)
    assert exc.value.outcome_unknown is unknown and not exc.value.permanent
    if fault == "429":
        assert exc.value.retry_after == fake_smsb.retry_after_seconds


def test_balance_is_read(fake_smsb):
    fake_smsb.balance = 42
    assert SMSBroadcastProvider().balance() == 42


@given(st.from_regex(r"4[0-9]{8}", fullmatch=True),
       st.sampled_from(["+61{}", "0{}", "61{}", "{}", "+61 {}", "0{} "]))
def test_every_written_form_of_a_mobile_gives_the_same_gateway_number(rest, form):
    assert gateway_number(form.format(rest)) == "61" + rest
