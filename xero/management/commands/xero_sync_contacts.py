"""Sync changed patients (or all) to Xero contacts now, with a progress line."""

import sys

from django.core.management.base import BaseCommand, CommandError

from xero import services
from xero.client import XeroError
from xero.models import XeroSyncJob


class Command(BaseCommand):
    help = "Sync new and changed patients to Xero as contacts (50 per call, within rate limits)."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true",
                            help="Send every patient, not only new and changed ones.")

    def handle(self, *args, **opts):
        if opts["all"]:
            from xero.models import XeroContactLink

            XeroContactLink.objects.filter(status="synced").update(status="pending")
        try:
            services.active_connection()
        except XeroError as exc:
            raise CommandError(exc.message) from exc
        job = XeroSyncJob.objects.create(total=services.changed_patients().count())
        out = self.stdout

        def progress(result):
            done = result.synced + result.failed
            pct = int(100 * done / job.total) if job.total else 100
            line = (f"\r{done}/{job.total} ({pct}%) synced={result.synced} "
                    f"failed={result.failed} calls={result.calls}")
            out.write(line, ending="")
            sys.stdout.flush()

        job = services.run_sync_job(job.pk, progress=progress)
        out.write("")
        out.write(f"{job.get_status_display()}: {job.message}")
        if job.status == XeroSyncJob.Status.PAUSED:
            out.write(f"Resumes after {job.resume_at:%Y-%m-%d %H:%M} UTC (the scheduler "
                      "restarts it; or run this command again then).")
        if job.status == XeroSyncJob.Status.FAILED:
            raise CommandError(job.message)
