import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from messaging.fake import FakeSMSBroadcast


class Command(BaseCommand):
    help = ("Run the fake SMS Broadcast on loopback for demos: set SMS_PROVIDER=smsbroadcast, "
            "SMSB_API_URL=http://127.0.0.1:<port>/api-adv.php, SMSB_USERNAME/SMSB_PASSWORD to "
            "the values below. Replies: POST /fake/reply with from=0412345678&message=Y.")

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--username", default=settings.SMSB_USERNAME or "ncc-demo")
        parser.add_argument("--password", default=settings.SMSB_PASSWORD or "demo-secret")
        parser.add_argument("--site", default=settings.SITE_URL,
                            help="Where NCC runs, for receipts and replies.")
        parser.add_argument("--no-receipts", action="store_true",
                            help="Do not post a Delivered receipt after each message.")
        parser.add_argument("--balance", type=int, default=5000)
        parser.add_argument("--fault", action="append", default=[], metavar="KIND=RATE",
                            help="Inject a fault into that share of sends, e.g. reset_after=0.2 "
                                 "or slow=0.1 (kinds: see messaging/fake/server.py). Repeatable. "
                                 "One-off faults: POST /fake/fail with kind=502&times=1.")
        parser.add_argument("--slow-seconds", type=float, default=30.0,
                            help="The longest a 'slow' reply waits for NCC to give up.")

    def handle(self, *args, port, username, password, site, no_receipts, balance, fault,
               slow_seconds, **options):
        rates = {}
        for item in fault:
            kind, _, rate = item.partition("=")
            try:
                rates[kind] = float(rate)
            except ValueError:
                raise CommandError(f"--fault {item!r}: write KIND=RATE, e.g. slow=0.1") from None
        token = settings.SMS_CALLBACK_TOKEN
        site = site.rstrip("/")
        try:
            fake = FakeSMSBroadcast(
                username=username, password=password, port=port, balance=balance,
                auto_receipt=not no_receipts, fault_rates=rates, slow_seconds=slow_seconds,
                receipt_url=site + reverse("messaging:receipt_callback", args=[token]),
                inbound_url=site + reverse("messaging:inbound_callback", args=[token]),
            ).start()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Fake SMS Broadcast on {fake.api_url} (user {username}); receipts and "
                          f"replies go to {site}. Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
