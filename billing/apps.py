from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from accounts.roles import CLINICIAN, RECEPTIONIST, register_role_permissions
        from ncc.navigation import (
            APPOINTMENT_BADGES,
            APPOINTMENT_PANELS,
            DASHBOARD_ATTENTION,
            PATIENT_PANELS,
        )

        view = ["billing.view_invoice", "billing.view_invoiceline", "billing.view_payment"]
        # Reception takes the money; clinicians see what was billed but do not bill.
        register_role_permissions(RECEPTIONIST, view + [
            "billing.add_invoice", "billing.change_invoice",
            "billing.add_invoiceline", "billing.change_invoiceline", "billing.delete_invoiceline",
            "billing.add_payment",
            "billing.view_product", "billing.view_payer", "billing.add_payer",
            "billing.change_payer", "billing.view_dayend", "billing.add_dayend",
        ])
        register_role_permissions(CLINICIAN, view + ["billing.view_product"])
        if "billing/_patient_panel.html" not in PATIENT_PANELS:
            PATIENT_PANELS.append("billing/_patient_panel.html")
        if "billing/_appointment_hook.html" not in APPOINTMENT_PANELS:
            APPOINTMENT_PANELS.append("billing/_appointment_hook.html")
        from .attention import billing_attention, book_badges

        if book_badges not in APPOINTMENT_BADGES:
            APPOINTMENT_BADGES.append(book_badges)
        if billing_attention not in DASHBOARD_ATTENTION:
            DASHBOARD_ATTENTION.append(billing_attention)
