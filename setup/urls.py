from django.urls import path

from . import views

app_name = "setup"

urlpatterns = [
    path("practice/", views.practice, name="practice"),
    path("clinics/", views.clinic_list, name="clinics"),
    path("clinics/new/", views.clinic_edit, name="clinic_new"),
    path("clinics/<int:pk>/", views.clinic_edit, name="clinic_edit"),
    path("clinicians/", views.clinician_list, name="clinicians"),
    path("clinicians/<int:pk>/", views.clinician_edit, name="clinician_edit"),
    path("clinicians/<int:pk>/roster/", views.roster, name="roster"),
    path("clinicians/<int:pk>/time-off/", views.time_off_add, name="time_off_add"),
    path("time-off/<int:pk>/remove/", views.time_off_remove, name="time_off_remove"),
    path("types/", views.type_list, name="types"),
    path("types/new/", views.type_edit, name="type_new"),
    path("types/<int:pk>/", views.type_edit, name="type_edit"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/active/", views.staff_active, name="staff_active"),
    path("staff/<int:pk>/reinvite/", views.staff_reinvite, name="staff_reinvite"),
    path("invite/<uidb64>/<token>/", views.accept_invite, name="accept_invite"),
    path("invite/done/", views.invite_accepted, name="invite_accepted"),
]
