from django.urls import path

from . import views

app_name = "clinical"

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("patients/<uuid:patient_pk>/notes/new/", views.note_new, name="note_new"),
    path("patients/<uuid:patient_pk>/timeline/", views.patient_timeline, name="timeline"),
    path("patients/<uuid:patient_pk>/referrals/new/", views.referral_new, name="referral_new"),
    path("notes/<uuid:pk>/", views.note_detail, name="note"),
    path("notes/<uuid:pk>/autosave/", views.note_autosave, name="autosave"),
    path("notes/<uuid:pk>/sign/", views.note_sign, name="sign"),
    path("notes/<uuid:pk>/addenda/", views.note_addendum, name="addendum"),
    path("notes/<uuid:pk>/attachments/", views.attachment_upload, name="upload"),
    path("notes/<uuid:pk>/letters/new/", views.letter_new, name="letter_new"),
    path("attachments/<uuid:pk>/", views.attachment_file, name="attachment"),
    path("attachments/<uuid:pk>/thumbnail/", views.attachment_thumbnail, name="thumbnail"),
    path("letters/<uuid:pk>/", views.letter_detail, name="letter"),
    path("letters/<uuid:pk>/pdf/", views.letter_pdf, name="letter_pdf"),
    path("letters/<uuid:pk>/send-again/", views.letter_resend, name="letter_resend"),
    path("referrers/", views.referrer_list, name="referrers"),
    path("referrers/new/", views.referrer_edit, name="referrer_new"),
    path("referrers/<int:pk>/", views.referrer_edit, name="referrer_edit"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
]
