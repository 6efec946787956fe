from django.db import models


class Report(models.Model):
    """No table: it carries the permission to see the dashboard and reports (admins)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "Can view the dashboard and reports")]

    def __str__(self):
        return "Reports"
