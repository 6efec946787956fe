from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.book, name="book"),
    path("new/", views.new_booking, name="new"),
    path("patients/", views.patient_search, name="patient_search"),
    path("patients/picker/", views.patient_picker, name="patient_picker"),
    path("patients/duplicates/", views.patient_duplicates, name="patient_duplicates"),
    path("patients/<uuid:pk>/pick/", views.patient_pick, name="patient_pick"),
    path("next/<uuid:patient_pk>/", views.next_appointment, name="next"),
    path("a/<uuid:pk>/", views.appointment_detail, name="detail"),
    path("a/<uuid:pk>/edit/", views.appointment_edit, name="edit"),
    path("a/<uuid:pk>/move/", views.appointment_move, name="move"),
    path("a/<uuid:pk>/status/", views.appointment_status, name="status"),
    path("a/<uuid:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("a/<uuid:pk>/resend/", views.appointment_resend, name="resend"),
]
