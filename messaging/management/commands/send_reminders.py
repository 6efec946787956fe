from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from messaging import services


class Command(BaseCommand):
    help = ("Send the SMS reminders that are due now (idempotent: safe to run as often as you "
            "like; the scheduler runs it every 5 minutes).")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO time (for demos), e.g. "
                                          "2026-03-02T09:00+11:00")
        parser.add_argument("--queue-only", action="store_true",
                            help="Write the reminders but leave sending to the worker.")

    def handle(self, *args, now=None, queue_only=False, **options):
        when = None
        if now:
            try:
                when = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError("--now must be an ISO time such as 2026-03-02T09:00+11:00") \
                    from None
            if timezone.is_naive(when):
                raise CommandError("--now needs a UTC offset, e.g. +11:00")
        stats = services.send_due_reminders(when, dispatch=not queue_only)
        self.stdout.write(
            f"Queued {stats['queued']} reminder(s); sent {stats.get('sent', 0)}, "
            f"failed {stats.get('failed', 0)}, retrying {stats.get('retry', 0)}, "
            f"unknown {stats.get('unknown', 0)}.")
