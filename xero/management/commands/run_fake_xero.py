"""Run the fake Xero on loopback for demos: prints the settings that point the app at it.

It serves what NCC uses (identity, connections, contacts, invoices, payments, credit notes with
allocations and refunds, settings), and a bookkeeper's page at /fake-admin/ to record a payment
in "Xero" (or POST /fake-admin/pay with number and amount), which the app's sweep brings back."""

import threading

from django.core.management.base import BaseCommand

from xero.fake import FakeXero


def build_fake(client_id="ncc-demo-client", client_secret="ncc-demo-secret", speed=1.0,
               orgs="Walk Easy Podiatry (Demo)") -> FakeXero:
    """The fake the demo runs (tests use the same construction)."""
    return FakeXero(client_id=client_id, client_secret=client_secret, speed=speed,
                    org_names=tuple(name.strip() for name in orgs.split(",") if name.strip()))


class Command(BaseCommand):
    help = "Serve a fake Xero (identity, connections, Accounting API) for demos and manual tests."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=4010)
        parser.add_argument("--speed", type=float, default=1.0,
                            help="Run the fake clock this many times faster than real time.")
        parser.add_argument("--client-id", default="ncc-demo-client")
        parser.add_argument("--client-secret", default="ncc-demo-secret")
        parser.add_argument("--orgs", default="Walk Easy Podiatry (Demo)",
                            help="Comma-separated organisation names (several = tenant choice).")

    def handle(self, *args, **opts):
        fake = build_fake(opts["client_id"], opts["client_secret"], opts["speed"], opts["orgs"])
        fake.start(port=opts["port"])
        self.stdout.write(f"Fake Xero on {fake.url} (clock x{opts['speed']:g}). "
                          "Put these in .env and restart the app:")
        for key, value in fake.settings().items():
            self.stdout.write(f"{key}={value}")
        self.stdout.write(f"XERO_CLOCK_SPEED={opts['speed']:g}")
        self.stdout.write(f"Record a payment in this Xero: {fake.url}/fake-admin/")
        self.stdout.write("Ctrl-C to stop.")
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            fake.stop()
