from django.apps import AppConfig


class XeroConfig(AppConfig):
    name = "xero"
    verbose_name = "Xero"

    def ready(self):
        from accounts.roles import RECEPTIONIST, register_role_permissions
        from ncc.navigation import (
            DASHBOARD_ATTENTION,
            PATIENT_LIST_BADGES,
            PATIENT_PANELS,
            SETTINGS_SECTIONS,
            SettingsSection,
        )

        from .attention import xero_attention
        from .queries import synced_badges

        if xero_attention not in DASHBOARD_ATTENTION:
            DASHBOARD_ATTENTION.append(xero_attention)
        if not any(s.url_name == "xero:settings" for s in SETTINGS_SECTIONS):
            SETTINGS_SECTIONS.append(SettingsSection(
                "Xero", "xero:settings",
                "Connect the practice's Xero organisation, map appointment types and clinics, "
                "and sync patients as contacts."))
        if "xero/_patient_panel.html" not in PATIENT_PANELS:
            PATIENT_PANELS.append("xero/_patient_panel.html")
        if synced_badges not in PATIENT_LIST_BADGES:
            PATIENT_LIST_BADGES.append(synced_badges)
        self._pick_up_billing()
        # Reception may see links and sync a patient; connecting and mappings stay with admins.
        register_role_permissions(RECEPTIONIST, ["xero.view_xerocontactlink",
                                                 "xero.add_xerocontactlink"])

    @staticmethod
    def _pick_up_billing():
        """Billing never imports xero: it calls the hooks registered here when an invoice is
        owed, a payment taken, an invoice voided or a credit note issued, and shows what the
        extension points below render."""
        from billing import extensions, services
        from ncc.navigation import APPOINTMENT_BADGES

        from . import credit_notes, invoices
        from .queries import appointment_xero_badges, credit_note_tags, invoice_tags

        # Xero settings (type -> account/tax, clinic -> tracking option) shape new lines.
        invoices.register_xero_mappings()
        for hooks, hook in [(services.INVOICE_READY_HOOKS, invoices.enqueue_push),
                            (services.PAYMENT_RECORDED_HOOKS, invoices.enqueue_payment_push),
                            (services.INVOICE_VOIDED_HOOKS, invoices.enqueue_void),
                            (services.INVOICE_CHANGED_HOOKS, invoices.enqueue_update),
                            (services.CREDIT_NOTE_HOOKS, credit_notes.enqueue_credit_note_push),
                            (extensions.INVOICE_TAGS, invoice_tags),
                            (extensions.CREDIT_NOTE_TAGS, credit_note_tags),
                            (extensions.INVOICE_PANELS, "xero/_invoice_panel.html"),
                            (extensions.INVOICE_LIST_ACTIONS,
                             ("Reconcile with Xero", "xero:reconcile", "billing.change_invoice")),
                            (APPOINTMENT_BADGES, appointment_xero_badges)]:
            extensions.register(hooks, hook)
