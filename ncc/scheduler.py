"""Enqueue the periodic tasks listed in ncc/schedule.py when they fall due.

One row per schedule entry (ScheduledTask) holds when it is next due. A tick claims each due row
with a conditional UPDATE on the `next_run_at` it read and enqueues the task in the same
transaction: with two schedulers running (a deploy overlapping the old revision, or a Cloud
Scheduler job beside the always-on process) only one claim succeeds, so each due run is enqueued
exactly once; if the enqueue fails the transaction rolls back and the run stays due for the next
tick. A scheduler that was down for hours enqueues each overdue task once, not once per missed
interval, and then continues on its interval.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduledTask

logger = logging.getLogger("ncc.scheduler")


class ScheduleError(ValueError):
    """The schedule itself is wrong (a bad interval, an entry twice)."""


@dataclass(frozen=True)
class Enqueued:
    task_path: str
    result_id: str
    due_at: datetime


def validate_schedule(schedule: list[tuple[str, int]]) -> dict[str, int]:
    """The schedule as {task path: interval}, or ScheduleError when an entry is malformed."""
    intervals: dict[str, int] = {}
    for entry in schedule:
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise ScheduleError(f"Each schedule entry is (task path, seconds); got {entry!r}.")
        path, seconds = entry
        if not isinstance(path, str) or "." not in path:
            raise ScheduleError(f"{path!r} is not a dotted path to a task.")
        if not isinstance(seconds, int) or seconds < 10:
            raise ScheduleError(f"{path} must run at most every 10 seconds; got {seconds!r}.")
        if path in intervals:
            raise ScheduleError(f"{path} is listed twice in the schedule.")
        intervals[path] = seconds
    return intervals


def load_task(path: str) -> Task:
    obj = import_string(path)
    if not isinstance(obj, Task):
        raise ScheduleError(f"{path} is not a task (decorate it with @task).")
    return obj


def sync_schedule(intervals: dict[str, int], now: datetime) -> None:
    """Give every schedule entry a row: a new entry is due now; a changed interval applies from
    the next run. Rows of entries no longer listed are left alone and simply never run (an older
    revision still running during a deploy may still list them)."""
    rows = {row.task_path: row for row in ScheduledTask.objects.filter(task_path__in=intervals)}
    for path, seconds in intervals.items():
        row = rows.get(path)
        if row is None:
            ScheduledTask.objects.get_or_create(
                task_path=path, defaults={"interval_seconds": seconds, "next_run_at": now})
        elif row.interval_seconds != seconds:
            soonest = min(row.next_run_at, now + timedelta(seconds=seconds))
            ScheduledTask.objects.filter(pk=path).update(interval_seconds=seconds,
                                                         next_run_at=soonest)


def next_run_after(due_at: datetime, interval: timedelta, now: datetime) -> datetime:
    """The following run keeps to the grid (due, due+i, due+2i...) unless the scheduler fell more
    than one interval behind; then it restarts the grid from now instead of catching up."""
    following = due_at + interval
    return following if following > now else now + interval


def run_due(schedule: list[tuple[str, int]], now: datetime | None = None) -> list[Enqueued]:
    """Enqueue every task that is due at `now`; return what this scheduler enqueued."""
    now = now or timezone.now()
    intervals = validate_schedule(schedule)
    sync_schedule(intervals, now)
    enqueued = []
    due_rows = ScheduledTask.objects.filter(task_path__in=intervals, next_run_at__lte=now)
    for row in due_rows.order_by("next_run_at"):
        following = next_run_after(row.next_run_at, timedelta(seconds=row.interval_seconds), now)
        try:
            task = load_task(row.task_path)
            with transaction.atomic():
                claimed = ScheduledTask.objects.filter(
                    pk=row.pk, next_run_at=row.next_run_at,
                ).update(next_run_at=following, last_enqueued_at=now, last_error="")
                if not claimed:
                    continue  # another scheduler enqueued this run
                result = task.enqueue()
                ScheduledTask.objects.filter(pk=row.pk).update(last_result_id=str(result.id))
        except Exception as exc:
            # One broken entry must not stop the others: record why it did not run (visible in
            # the admin and the logs) and leave it due so the next tick tries again.
            logger.exception("scheduled task %s could not be enqueued", row.task_path)
            ScheduledTask.objects.filter(pk=row.pk).update(
                last_error=f"{exc.__class__.__name__}: {exc}"[:2000])
            continue
        logger.info("enqueued scheduled task %s", row.task_path,
                    extra={"task_id": str(result.id)})
        enqueued.append(Enqueued(row.task_path, str(result.id), row.next_run_at))
    return enqueued
