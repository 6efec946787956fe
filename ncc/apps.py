from django.apps import AppConfig


class NccConfig(AppConfig):
    name = "ncc"
    verbose_name = "Nexus Core Clinic"

    def ready(self):
        from .validators import install_form_date_bounds

        install_form_date_bounds()
