from django.urls import path

from . import import_views, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("import/", import_views.import_start, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("import/<int:pk>/run/", import_views.import_run, name="import_run"),
    path("import/<int:pk>/columns/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:pk>/undo/", import_views.import_undo, name="import_undo"),
    path("import/<int:pk>/report.csv", import_views.import_report_csv, name="import_report"),
    path("needs-checking/", import_views.needs_checking, name="needs_checking"),
    path("export.csv", import_views.export_csv, name="export"),
    path("duplicates/", views.duplicate_check, name="duplicate_check"),
    path("<uuid:pk>/", views.patient_detail, name="detail"),
    path("<uuid:pk>/edit/", views.patient_edit, name="edit"),
    path("<uuid:pk>/archive/", views.patient_archive, name="archive"),
]
