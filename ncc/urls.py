from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from reports.practice_export import export_everything
from xero.webhooks import xero_webhook

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("clinic/", include("clinics.urls")),
    path("patients/", include("patients.urls")),
    path("book/", include("scheduling.urls")),
    path("sms/", include("messaging.urls")),
    path("invoices/", include("billing.urls")),
    path("xero/", include("xero.urls")),
    # The webhook address registered in Xero's developer portal before the xero app owned it.
    path("invoices/xero/webhook/", xero_webhook, name="xero_webhook_registered"),
    path("reports/", include("reports.urls")),
    path("export/everything.zip", export_everything, name="export_everything"),
    path("clinical/", include("clinical.urls")),
    path("settings/", include(([path("", views.settings_index, name="index")], "settings"))),
    path("settings/", include("setup.urls")),
    path("audit/", include("audit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ncc.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler403 = "ncc.error_views.permission_denied"
handler404 = "ncc.error_views.page_not_found"
handler500 = "ncc.error_views.server_error"
