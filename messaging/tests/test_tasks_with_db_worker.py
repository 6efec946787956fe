"""The real queue: send_sms enqueues on commit into django_tasks_db, `db_worker --batch` sends."""

import pytest
from django.core.management import call_command

from messaging import services
from messaging.models import SMSMessage, SMSStatus

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_db_worker_sends_what_send_sms_enqueued(john_smith, fake_smsb, settings):
    settings.TASKS = DB_TASKS
    message = services.send_sms(patient=john_smith, body="Sent by the worker")
    assert fake_smsb.messages == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    message.refresh_from_db()
    assert message.status == SMSStatus.SENT
    assert [m.body for m in fake_smsb.messages] == ["Sent by the worker"]


@pytest.mark.django_db(transaction=True)
def test_a_server_error_defers_the_retry_instead_of_sending_at_once(john_smith, fake_smsb,
                                                                   settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    fake_smsb.fail_next("503")
    message = services.send_sms(patient=john_smith, body="Retry me")
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    message.refresh_from_db()
    assert message.status == SMSStatus.QUEUED and message.attempts == 1
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == message.next_attempt_at
    assert SMSMessage.objects.count() == 1 and fake_smsb.messages == []
