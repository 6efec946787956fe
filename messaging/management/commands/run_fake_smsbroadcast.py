import threading

from django.conf import settings
from django.core.management.base import BaseCommand
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

    def handle(self, *args, port, username, password, site, no_receipts, balance, **options):
        token = settings.SMS_CALLBACK_TOKEN
        site = site.rstrip("/")
        fake = FakeSMSBroadcast(
            username=username, password=password, port=port, balance=balance,
            auto_receipt=not no_receipts,
            receipt_url=site + reverse("messaging:receipt_callback", args=[token]),
            inbound_url=site + reverse("messaging:inbound_callback", args=[token]),
        ).start()
        self.stdout.write(f"Fake SMS Broadcast on {fake.api_url} (user {username}); receipts and "
                          f"replies go to {site}. Ctrl-C to stop.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
