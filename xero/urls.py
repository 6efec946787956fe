from django.urls import path

from . import views

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
]
