from django.apps import AppConfig


class NccConfig(AppConfig):
    name = "ncc"
    verbose_name = "Nexus Core Clinic"
