from rest_framework.routers import DefaultRouter

from billing.api import InvoiceViewSet, PaymentViewSet
from clinical.api import NoteViewSet
from clinics.api import ClinicianViewSet, ClinicViewSet
from patients.api import PatientViewSet
from scheduling.api import AppointmentTypeViewSet, AppointmentViewSet

router = DefaultRouter()
router.register("clinics", ClinicViewSet)
router.register("clinicians", ClinicianViewSet)
router.register("patients", PatientViewSet)
router.register("appointment-types", AppointmentTypeViewSet)
router.register("appointments", AppointmentViewSet)
router.register("invoices", InvoiceViewSet)
router.register("payments", PaymentViewSet)
router.register("notes", NoteViewSet)

urlpatterns = router.urls
