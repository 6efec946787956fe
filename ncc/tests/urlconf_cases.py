"""Every URL of the project, found by walking the URLconf, with concrete arguments for each: the
authorisation matrix and the hostile-input tests are generated from it, so a new view is tested
(and, without an entry in the matrix, fails) the day it is added."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ncc import testing

SKIP_NAMESPACES = {"admin"}  # Django admin: staff only, its own tests (test_audit_admin...)


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "patients:detail"
    route: str
    params: tuple[str, ...]


def project_routes() -> list[Route]:
    """One Route per URL name (DRF's format-suffix twins are the same view and skipped)."""
    seen, routes = set(), []

    def walk(patterns, prefix="", ns=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in SKIP_NAMESPACES:
                    continue
                inner = f"{ns}{p.namespace}:" if p.namespace else ns
                walk(p.url_patterns, prefix + str(p.pattern), inner)
            elif isinstance(p, URLPattern) and p.name:
                name = ns + p.name
                params = tuple(p.pattern.regex.groupindex)
                if "format" in params or name in seen:
                    continue
                seen.add(name)
                routes.append(Route(name, prefix + str(p.pattern), params))

    walk(get_resolver().url_patterns)
    return routes


def make_world():
    """One of each record a URL can name, owned by Ben (clinician) at Sydney CBD."""
    from django.conf import settings

    from billing import services as billing_services
    from messaging.models import SMSMessage
    from patients.models import PatientImport
    from scheduling.models import Appointment
    from xero.models import XeroSyncJob

    clinic = testing.make_clinic("Sydney CBD", "Australia/Sydney")
    users = {
        "receptionist": testing.make_user("receptionist", "Mia", "mia@walkeasy.example", clinic),
        "admin": testing.make_user("admin", "Sam", "sam@walkeasy.example", clinic),
    }
    ben = testing.make_clinician("Ben", [clinic])
    users["clinician"] = ben.user
    patient = testing.make_patient(clinic)
    kind = testing.make_type()
    visit = testing.make_appointment(patient, ben, clinic, kind,
                                     datetime(2030, 3, 5, 9, 0, tzinfo=clinic.tz))
    Appointment.objects.filter(pk=visit.pk).update(status="completed")
    invoice = billing_services.create_invoice_for_appointment(visit.pk)
    payment = billing_services.record_payment(invoice.pk, amount="1.00", method="cash")
    sms = SMSMessage.objects.create(patient=patient, clinic=clinic, number="+61412345678",
                                    body="Hello")
    job = PatientImport.objects.create(file_name="p.csv", content=b"first_name,last_name,date_of_birth\nJo,Bloggs,1980-01-01\n",
                                       home_clinic=clinic)
    sync = XeroSyncJob.objects.create()
    clinical = _clinical_world(users, ben, patient, visit)
    from billing.models import Payer, Product
    from scheduling.models import TimeOff
    product = Product.objects.create(code="CREAM", name="Urea cream", price="18.95")
    leaver = testing.make_user("receptionist", "Zoe", "zoe@walkeasy.example", clinic)
    payer = Payer.objects.create(name="DVA", kind="dva")
    by_name = {
        "patients": patient.pk, "scheduling": visit.pk, "billing": invoice.pk,
        "messaging": sms.pk, "xero:sync_patient": patient.pk, "xero:job": sync.pk,
        "xero:resync_invoice": invoice.pk, "xero:push_invoice": invoice.pk,
        "patients:import_detail": job.pk, "patients:import_run": job.pk,
        "patients:import_mapping": job.pk, "patients:import_progress": job.pk,
        "patients:import_undo": job.pk, "patients:import_report": job.pk,
        "clinic-detail": clinic.pk, "clinician-detail": ben.pk, "patient-detail": patient.pk,
        "appointmenttype-detail": kind.pk, "invoice-detail": invoice.pk,
        "invoice-approve": invoice.pk, "invoice-void": invoice.pk, "payment-detail": payment.pk,
        "appointment-detail": visit.pk, "appointment-cancel": visit.pk,
        "setup:clinic_edit": clinic.pk, "setup:clinician_edit": ben.pk,
        "setup:type_edit": kind.pk,
        "setup:staff_edit": leaver.pk, "setup:staff_active": leaver.pk,
        "setup:staff_reinvite": leaver.pk, "setup:roster": ben.pk, "setup:time_off_add": ben.pk,
        "setup:time_off_remove": TimeOff.objects.create(
            clinician=ben, reason="Leave", starts_at=datetime(2030, 4, 1, tzinfo=clinic.tz),
            ends_at=datetime(2030, 4, 2, tzinfo=clinic.tz)).pk,
        **clinical,
        "billing:product_edit": product.pk, "billing:payer_edit": payer.pk,
        "billing:close_day_status": visit.pk,
    }
    extra = {"token": settings.SMS_CALLBACK_TOKEN, "patient_pk": patient.pk,
             "uidb64": "MQ", "token_reset": "set-password", "kind": "invoice"}
    return users, by_name, extra


def _clinical_world(users, ben, patient, visit) -> dict:
    """A signed note of Ben's for the visit, with a photo, a letter and a referrer."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from clinical import services as clinical_services
    from clinical.models import NoteTemplate, Referrer
    from clinical.shipped import install

    install(NoteTemplate)  # a transactional test's flush may have removed the shipped ones
    template = NoteTemplate.objects.get(slug="review-soap")
    note = clinical_services.start_note(actor=ben.user, patient=patient, template=template,
                                        appointment=visit)
    clinical_services.save_draft(note, actor=ben.user, raw_answers={"plan": "Review"})
    note = clinical_services.sign_note(note, actor=ben.user)
    jpeg = BytesIO()
    Image.new("RGB", (40, 30)).save(jpeg, "JPEG")
    photo = clinical_services.upload_attachment(
        actor=ben.user, patient=patient, note=note,
        uploaded=SimpleUploadedFile("wound.jpg", jpeg.getvalue()))
    letter = clinical_services.draft_letter(note, actor=ben.user)
    referrer = Referrer.objects.create(name="Dr Jane Lee")
    by_pk = {"clinical": note.pk, "clinical:attachment": photo.pk,
             "clinical:thumbnail": photo.pk, "clinical:letter": letter.pk,
             "clinical:letter_pdf": letter.pk, "clinical:letter_resend": letter.pk,
             "clinical:referrer_edit": referrer.pk, "clinical:template_edit": template.pk}
    by_pk.update({name: note.pk for name in ("note-detail", "note-sign", "note-addenda")})
    return by_pk


def url_for(route: Route, by_name: dict, extra: dict) -> str:
    kwargs = {}
    for param in route.params:
        if param == "pk":
            key = route.name if route.name in by_name else route.name.split(":")[0]
            kwargs["pk"] = by_name.get(key, uuid.uuid4())
        elif param == "token" and route.name.startswith("accounts:"):
            kwargs["token"] = extra["token_reset"]
        else:
            kwargs[param] = extra[param]
    return reverse(route.name, kwargs=kwargs)
