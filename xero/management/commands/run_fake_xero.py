"""Run the fake Xero on loopback for demos: prints the settings that point the app at it."""

import threading

from django.core.management.base import BaseCommand

from xero.fake import FakeXero


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
        fake = FakeXero(client_id=opts["client_id"], client_secret=opts["client_secret"],
                        speed=opts["speed"], org_names=tuple(opts["orgs"].split(",")))
        fake.start(port=opts["port"])
        self.stdout.write(f"Fake Xero on {fake.url} (clock x{opts['speed']:g}). "
                          "Put these in .env and restart the app:")
        for key, value in fake.settings().items():
            self.stdout.write(f"{key}={value}")
        self.stdout.write(f"XERO_CLOCK_SPEED={opts['speed']:g}")
        self.stdout.write("Ctrl-C to stop.")
        self.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            fake.stop()
