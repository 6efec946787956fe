"""Every write to a patient goes through here: numbers allocated, audit rows written."""

from django.db import transaction
from django.forms.models import model_to_dict

from audit.models import AuditEvent
from audit.services import changed_fields, record
from ncc.models import NumberSequence
from ncc.phones import to_e164, to_mobile_e164

from .identifiers import normalise_dva_file_number, normalise_medicare_number
from .models import Patient

PATIENT_NUMBER_SEQUENCE = "patient"
FIRST_PATIENT_NUMBER = 10001

AUDITED_FIELDS = [
    "first_name", "last_name", "preferred_name", "date_of_birth", "sex", "email", "mobile",
    "address_line", "suburb", "state", "postcode", "alerts", "notes", "home_clinic",
    "sms_consent", "archived", "gender", "medicare_number", "medicare_irn", "dva_file_number",
    "dva_card_colour", "health_fund", "health_fund_member_number", "emergency_contact_name",
    "emergency_contact_relationship", "emergency_contact_phone", "referring_gp",
]


def allocate_patient_number() -> int:
    return NumberSequence.next_value(PATIENT_NUMBER_SEQUENCE, start=FIRST_PATIENT_NUMBER)


def _normalise(fields: dict) -> dict:
    # Mobiles arrive typed any way (forms, API, CSV import); the row holds E.164.
    if fields.get("mobile"):
        fields["mobile"] = to_mobile_e164(fields["mobile"])
    if fields.get("emergency_contact_phone"):
        fields["emergency_contact_phone"] = to_e164(fields["emergency_contact_phone"])
    if fields.get("medicare_number"):
        fields["medicare_number"] = normalise_medicare_number(fields["medicare_number"])
    if fields.get("dva_file_number"):
        fields["dva_file_number"] = normalise_dva_file_number(fields["dva_file_number"])
    return fields


@transaction.atomic
def create_patient(*, actor, **fields) -> Patient:
    patient = Patient(**_normalise(fields))
    patient.number = allocate_patient_number()
    patient.full_clean()
    patient.save()
    record(actor, AuditEvent.Action.CREATE, patient, f"Created patient {patient.full_name}")
    return patient


@transaction.atomic
def update_patient(patient: Patient, *, actor, **fields) -> Patient:
    # The caller's instance may already carry the new values (a ModelForm writes them on
    # validation), so "before" comes from the database.
    before = model_to_dict(Patient.objects.get(pk=patient.pk), fields=AUDITED_FIELDS)
    for name, value in _normalise(fields).items():
        setattr(patient, name, value)
    patient.full_clean()
    patient.save()
    changes = changed_fields(before, model_to_dict(patient, fields=AUDITED_FIELDS))
    if changes:
        action = AuditEvent.Action.ARCHIVE if "archived" in changes else AuditEvent.Action.UPDATE
        record(actor, action, patient, f"Changed {', '.join(sorted(changes))}", changes)
    return patient


@transaction.atomic
def set_archived(patient: Patient, archived: bool, *, actor) -> Patient:
    """Archive or restore. Only the flag changes, so a record whose older data no longer passes
    today's checks (a mobile stored before the rules tightened) can still be archived."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.archived == archived:
        return patient
    patient.archived = archived
    patient.save(update_fields=["archived", "updated_at"])
    record(actor, AuditEvent.Action.ARCHIVE, patient,
           "Archived" if archived else "Restored from the archive",
           {"archived": [str(not archived), str(archived)]})
    return patient
