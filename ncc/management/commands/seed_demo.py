from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from ncc import demo


class Command(BaseCommand):
    help = "Load the Walk Easy demo practice: clinics, staff, patients and appointments."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Same seed, same practice.")
        parser.add_argument("--patients", type=int, default=600)
        parser.add_argument("--weeks", type=int, default=12,
                            help="Weeks of appointments: the past weeks plus four ahead.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when the database already has staff users.")
        parser.add_argument("--quiet-progress", action="store_true")

    def handle(self, *args, **opts):
        if User.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("Demo data already loaded; leaving the database as it is.")
                return
            raise CommandError("The database already has users: seed_demo fills an empty one "
                               "(use --if-empty to skip quietly, or flush first).")

        def progress(total, label):
            return tqdm(total=total, desc=label, unit=" rows", disable=opts["quiet_progress"],
                        file=self.stderr._out)

        summary = demo.seed(opts["seed"], opts["patients"], opts["weeks"], progress)
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {summary.clinics} clinics, {summary.clinicians} clinicians, "
            f"{summary.patients} patients, {summary.appointments} appointments, "
            f"{summary.invoices} invoices."))
        for role, email, name in summary.logins:
            self.stdout.write(f"  {role:<13} {email:<32} password: {demo.DEMO_PASSWORD}  ({name})")
