import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

from ncc import schedule
from ncc.scheduler import run_due, validate_schedule

logger = logging.getLogger("ncc.scheduler")


class Command(BaseCommand):
    help = ("Enqueue the periodic tasks of ncc/schedule.py when they fall due (the `scheduler` "
            "process). Safe to run twice: each due run is enqueued once.")

    def add_arguments(self, parser):
        parser.add_argument("--tick", type=float, default=15.0,
                            help="Seconds between looks at the schedule (default 15).")
        parser.add_argument("--once", action="store_true",
                            help="Look once, enqueue what is due, and exit (for a Cloud Run Job "
                                 "triggered by Cloud Scheduler, or cron).")

    def handle(self, *args, tick, once, **options):
        validate_schedule(schedule.SCHEDULE)  # a malformed schedule stops the process at start
        if once:
            enqueued = self._tick()
            self.stdout.write(f"Enqueued {len(enqueued)} due task(s).")
            return

        stop = threading.Event()

        def request_stop(signum, frame):
            logger.info("scheduler stopping (signal %s)", signum)
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        logger.info("scheduler started: %d entries, tick %ss", len(schedule.SCHEDULE), tick)
        while not stop.is_set():
            self._tick()
            stop.wait(tick)

    def _tick(self):
        close_old_connections()
        try:
            return run_due(schedule.SCHEDULE)
        except Exception:
            # The database may be restarting (Cloud SQL maintenance): log it, drop the
            # connection and try again on the next tick rather than crash-looping.
            logger.exception("scheduler tick failed")
            connections.close_all()
            return []
        finally:
            close_old_connections()
