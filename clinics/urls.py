from django.urls import path

from . import views

app_name = "clinics"

urlpatterns = [
    path("switch/", views.switch_clinic, name="switch"),
]
