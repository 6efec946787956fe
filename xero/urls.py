from django.urls import path

from . import views, webhooks

app_name = "xero"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("connect/", views.connect, name="connect"),
    path("callback/", views.callback, name="callback"),
    path("tenant/", views.choose_tenant, name="choose_tenant"),
    path("disconnect/", views.disconnect, name="disconnect"),
    path("mappings/", views.mappings, name="mappings"),
    path("contacts/sync-changed/", views.sync_changed, name="sync_changed"),
    path("contacts/<uuid:pk>/sync/", views.sync_patient, name="sync_patient"),
    path("jobs/<uuid:pk>/", views.job_status, name="job"),
    path("invoices/reconcile/", views.reconcile, name="reconcile"),
    path("invoices/<uuid:pk>/send/", views.push_invoice, name="push_invoice"),
    path("invoices/<uuid:pk>/resync/", views.resync_invoice, name="resync_invoice"),
    path("webhook/", webhooks.xero_webhook, name="webhook"),
]
