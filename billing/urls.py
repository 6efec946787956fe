from django.urls import path

from . import views, views_desk

app_name = "billing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("day/", views.day_invoicing, name="day"),
    path("close-day/", views_desk.close_day, name="close_day"),
    path("close-day/<uuid:pk>/status/", views_desk.close_day_status, name="close_day_status"),
    path("products/", views_desk.product_list, name="products"),
    path("products/new/", views_desk.product_edit, name="product_new"),
    path("products/<int:pk>/", views_desk.product_edit, name="product_edit"),
    path("payers/", views_desk.payer_list, name="payers"),
    path("payers/new/", views_desk.payer_edit, name="payer_new"),
    path("payers/<int:pk>/", views_desk.payer_edit, name="payer_edit"),
    path("from-appointment/", views.create_for_appointment, name="create_for_appointment"),
    path("<uuid:pk>/", views.invoice_detail, name="detail"),
    path("<uuid:pk>/lines/", views.edit_lines, name="edit_lines"),
    path("<uuid:pk>/payments/", views.record_payment, name="record_payment"),
    path("<uuid:pk>/approve/", views.approve_invoice, name="approve"),
    path("<uuid:pk>/void/", views.void_invoice, name="void"),
    path("<uuid:pk>/credit/", views.credit_invoice, name="credit"),
    path("<uuid:pk>/products/", views.add_product, name="add_product"),
    path("<uuid:pk>/payer/", views.set_payer, name="set_payer"),
    path("<uuid:pk>/benefit/", views.benefit_and_gap, name="benefit_and_gap"),
    path("<uuid:pk>/email/", views.email_document, name="email"),
    path("<uuid:pk>/<str:kind>/print/", views.document, name="document"),
    path("<uuid:pk>/<str:kind>.pdf", views.document_pdf, name="document_pdf"),
]
