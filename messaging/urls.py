from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("messages/", views.message_list, name="list"),
    path("patient/<uuid:patient_pk>/", views.conversation, name="conversation"),
    path("patient/<uuid:patient_pk>/send/", views.send, name="send"),
    path("message/<uuid:pk>/resend/", views.resend, name="resend"),
    path("message/<uuid:pk>/delivered/", views.mark_delivered, name="mark_delivered"),
    path("message/<uuid:pk>/read/", views.mark_read, name="mark_read"),
    path("settings/", views.sms_settings, name="settings"),
    path("callback/<str:token>/receipt/", views.receipt_callback, name="receipt_callback"),
    path("callback/<str:token>/inbound/", views.inbound_callback, name="inbound_callback"),
]
