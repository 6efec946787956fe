"""Fixtures for SMS tests: the fake SMS Broadcast on a free loopback port."""

import pytest
from django.urls import reverse

from messaging.fake import FakeSMSBroadcast

IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TOKEN = "test-callback-token-0123456789"


@pytest.fixture
def fake_smsb(settings):
    """A running fake gateway; NCC's settings point the real provider at it."""
    fake = FakeSMSBroadcast(slow_seconds=10).start()  # "slow" waits for the hang-up
    settings.SMS_PROVIDER = "smsbroadcast"
    settings.SMSB_API_URL = fake.api_url
    settings.SMSB_USERNAME = fake.username
    settings.SMSB_PASSWORD = fake.password
    settings.SMSB_TIMEOUT_SECONDS = 0.3
    settings.SMSB_CONNECT_TIMEOUT_SECONDS = 0.3
    settings.SMS_CALLBACK_TOKEN = TOKEN
    yield fake
    fake.stop()


@pytest.fixture
def fake_smsb_live(fake_smsb, live_server, settings):
    """The fake posts receipts and replies to the live test server's callbacks."""
    settings.TASKS = IMMEDIATE_TASKS
    fake_smsb.receipt_url = live_server.url + reverse("messaging:receipt_callback", args=[TOKEN])
    fake_smsb.inbound_url = live_server.url + reverse("messaging:inbound_callback", args=[TOKEN])
    return fake_smsb


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE_TASKS
