from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("day/", views.day_invoicing, name="day"),
    path("from-appointment/", views.create_for_appointment, name="create_for_appointment"),
    path("<uuid:pk>/", views.invoice_detail, name="detail"),
    path("<uuid:pk>/lines/", views.edit_lines, name="edit_lines"),
    path("<uuid:pk>/payments/", views.record_payment, name="record_payment"),
    path("<uuid:pk>/approve/", views.approve_invoice, name="approve"),
    path("<uuid:pk>/void/", views.void_invoice, name="void"),
    path("<uuid:pk>/credit/", views.credit_invoice, name="credit"),
]
