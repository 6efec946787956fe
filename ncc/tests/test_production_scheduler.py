"""The scheduler enqueues each due periodic task exactly once, even with two schedulers."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ncc import schedule
from ncc.models import ScheduledTask
from ncc.scheduler import ScheduleError, load_task, run_due, validate_schedule

HEARTBEAT = ("ncc.tasks.heartbeat", 300)
PRUNE = ("ncc.tasks.prune_finished_task_results", 86400)


def enqueued_count(path):
    return DBTaskResult.objects.filter(task_path=path).count()


@pytest.mark.django_db
def test_a_due_task_is_enqueued_once_and_again_after_its_interval():
    now = timezone.now()
    assert [e.task_path for e in run_due([HEARTBEAT, PRUNE], now)] == [HEARTBEAT[0], PRUNE[0]]
    assert run_due([HEARTBEAT, PRUNE], now + timedelta(seconds=299)) == []
    assert [e.task_path for e in run_due([HEARTBEAT, PRUNE], now + timedelta(seconds=300))] == [
        HEARTBEAT[0]]
    assert enqueued_count(HEARTBEAT[0]) == 2
    assert enqueued_count(PRUNE[0]) == 1
    row = ScheduledTask.objects.get(pk=HEARTBEAT[0])
    assert row.next_run_at == now + timedelta(seconds=600)
    assert row.last_result_id == str(DBTaskResult.objects.filter(
        task_path=HEARTBEAT[0]).order_by("-enqueued_at").first().id)


@pytest.mark.django_db
def test_a_scheduler_that_was_down_for_hours_enqueues_each_task_once_not_per_missed_interval():
    start = timezone.now()
    run_due([HEARTBEAT], start)
    three_hours_later = start + timedelta(hours=3)
    assert len(run_due([HEARTBEAT], three_hours_later)) == 1
    assert enqueued_count(HEARTBEAT[0]) == 2
    assert ScheduledTask.objects.get(pk=HEARTBEAT[0]).next_run_at == (
        three_hours_later + timedelta(seconds=300))


@pytest.mark.django_db
def test_a_changed_interval_applies_from_the_next_run():
    now = timezone.now()
    run_due([("ncc.tasks.heartbeat", 3600)], now)
    run_due([("ncc.tasks.heartbeat", 60)], now + timedelta(seconds=1))
    row = ScheduledTask.objects.get(pk=HEARTBEAT[0])
    assert row.interval_seconds == 60
    assert row.next_run_at == now + timedelta(seconds=61)


@pytest.mark.django_db
def test_an_entry_that_cannot_be_loaded_is_recorded_and_the_others_still_run():
    now = timezone.now()
    enqueued = run_due([("ncc.tasks.no_such_task", 60), HEARTBEAT], now)
    assert [e.task_path for e in enqueued] == [HEARTBEAT[0]]
    broken = ScheduledTask.objects.get(pk="ncc.tasks.no_such_task")
    assert "ImportError" in broken.last_error
    assert broken.next_run_at == now  # still due: the next tick tries again


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_enqueue_each_run_once():
    now = timezone.now()
    barrier = threading.Barrier(2)
    results = []

    def scheduler():
        from django.db import connection
        try:
            barrier.wait(timeout=10)
            results.append(run_due([HEARTBEAT, PRUNE], now))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(e.task_path for batch in results for e in batch) == sorted(
        [HEARTBEAT[0], PRUNE[0]])
    assert enqueued_count(HEARTBEAT[0]) == 1
    assert enqueued_count(PRUNE[0]) == 1


def test_every_entry_of_the_project_schedule_is_a_task_with_a_sane_interval():
    intervals = validate_schedule(schedule.SCHEDULE)
    for path in intervals:
        load_task(path)


@pytest.mark.parametrize("bad", [
    [("ncc.tasks.heartbeat", 5)],
    [("heartbeat", 60)],
    [HEARTBEAT, HEARTBEAT],
    [("ncc.tasks.heartbeat",)],
])
def test_a_malformed_schedule_is_refused(bad):
    with pytest.raises(ScheduleError):
        validate_schedule(bad)


@pytest.mark.django_db(transaction=True)  # both commands close their connections between runs
def test_run_scheduler_once_enqueues_the_due_tasks_and_the_worker_runs_the_heartbeat():
    call_command("run_scheduler", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert enqueued_count(HEARTBEAT[0]) == 1
    DBTaskResult.objects.exclude(task_path=HEARTBEAT[0]).delete()
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    result = DBTaskResult.objects.get(task_path=HEARTBEAT[0])
    assert result.status == "SUCCESSFUL"
    assert result.return_value["status"] == "ok"
