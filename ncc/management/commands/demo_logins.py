from django.core.management.base import BaseCommand

from accounts.models import User
from accounts.roles import ROLE_CHOICES
from ncc import demo


class Command(BaseCommand):
    help = "Print one demo login per role (the demo practice's password for all of them)."

    def handle(self, *args, **opts):
        self.stdout.write(f"  Demo logins (password for each: {demo.DEMO_PASSWORD}):")
        for role, label in ROLE_CHOICES:
            # The people of SCENARIOS.md first (Sam, Ben, Mia), else the first user of the role.
            user = (User.objects.filter(email=demo.FEATURED_LOGINS.get(role, ""), is_active=True)
                    .first()
                    or User.objects.filter(role=role, is_active=True).order_by("pk").first())
            if user is None:
                continue
            self.stdout.write(f"    {label:<13} {user.email}")
