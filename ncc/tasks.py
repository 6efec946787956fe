"""Background tasks of the core: a heartbeat that proves the worker runs, and housekeeping."""

import logging

from django.core.management import call_command
from django.db import connection
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task
def heartbeat() -> dict:
    """Touch the database from the worker and say so; its result row proves the worker is alive."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    now = timezone.now().isoformat()
    logger.info("worker heartbeat", extra={"task_id": "heartbeat"})
    return {"status": "ok", "at": now, "database": connection.vendor}


@task
def prune_finished_task_results() -> None:
    """Delete finished task results older than 14 days (failed ones after 30) so the queue table
    stays small; running it twice deletes nothing more."""
    call_command("prune_db_task_results", min_age_days=14, failed_min_age_days=30, verbosity=0)
