"""Object-level rules that Groups cannot express."""


def can_change_appointment(user, appointment) -> bool:
    """Admins and receptionists change any appointment; a clinician only their own."""
    if not user.has_perm("scheduling.change_appointment"):
        return False
    if user.is_clinician and not user.is_admin:
        return appointment.clinician.user_id == user.pk
    return True


def can_book_for(user, clinician) -> bool:
    """Admins and receptionists book for anyone; a clinician books only into their own column
    (a follow-up for the patient in front of them)."""
    if not user.has_perm("scheduling.add_appointment"):
        return False
    if user.is_clinician and not user.is_admin:
        return clinician.user_id == user.pk
    return True
