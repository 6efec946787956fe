from django.apps import AppConfig


class SetupConfig(AppConfig):
    """The in-app Settings pages: practice, clinics, clinicians and their rosters, appointment
    types, products, staff. It sits on top of the other apps (like reports) and holds no models."""

    name = "setup"
    verbose_name = "Settings pages"
