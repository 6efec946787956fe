from django.urls import path

from . import views, webhooks

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("day/", views.day_invoicing, name="day"),
    path("xero/webhook/", webhooks.xero_webhook, name="xero_webhook"),
    path("xero/reconcile/", views.reconcile, name="reconcile"),
    path("<uuid:pk>/xero/resync/", views.resync, name="resync"),
    path("from-appointment/", views.create_for_appointment, name="create_for_appointment"),
    path("<uuid:pk>/", views.invoice_detail, name="detail"),
    path("<uuid:pk>/lines/", views.edit_lines, name="edit_lines"),
    path("<uuid:pk>/payments/", views.record_payment, name="record_payment"),
    path("<uuid:pk>/approve/", views.approve_invoice, name="approve"),
    path("<uuid:pk>/void/", views.void_invoice, name="void"),
    path("<uuid:pk>/credit/", views.credit_invoice, name="credit"),
    path("<uuid:pk>/xero/", views.push_to_xero, name="push_to_xero"),
]
