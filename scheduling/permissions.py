"""Object-level rules that Groups cannot express."""


def can_change_appointment(user, appointment) -> bool:
    """Admins and receptionists change any appointment; a clinician only their own."""
    if not user.has_perm("scheduling.change_appointment"):
        return False
    if user.is_clinician and not user.is_admin:
        return appointment.clinician.user_id == user.pk
    return True
