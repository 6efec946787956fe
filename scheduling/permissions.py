"""Object-level rules that Groups cannot express. Pages and API call these and nothing else."""

from clinics.permissions import can_use_clinic


def can_change_appointment(user, appointment, *, clinician=None) -> bool:
    """Admins and receptionists change any appointment of a clinic they work at; a clinician
    only their own, and it must stay theirs: `clinician` is the owner the change would give it
    (the move and edit views and the API pass it), and a clinician cannot hand an appointment to
    a colleague's column."""
    if not user.has_perm("scheduling.change_appointment"):
        return False
    if not can_use_clinic(user, appointment.clinic_id):
        return False
    if user.is_clinician and not user.is_admin:
        if appointment.clinician.user_id != user.pk:
            return False
        if clinician is not None and clinician.user_id != user.pk:
            return False
    return True


def can_book_for(user, clinician, clinic=None) -> bool:
    """Admins and receptionists book for anyone; a clinician books only into their own column
    (a follow-up for the patient in front of them). Nobody books into a clinic they may not use."""
    if not user.has_perm("scheduling.add_appointment"):
        return False
    if clinic is not None and not can_use_clinic(user, getattr(clinic, "pk", clinic)):
        return False
    if user.is_clinician and not user.is_admin:
        return clinician.user_id == user.pk
    return True
