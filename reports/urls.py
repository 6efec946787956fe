from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("revenue/", views.revenue, name="revenue"),
    path("appointments/", views.appointments, name="appointments"),
    path("demographics/", views.demographics, name="demographics"),
    path("receivables/", views.receivables, name="receivables"),
    path("takings/", views.takings, name="takings"),
]
