"""Who may read and write clinical records. Pages and the API both ask here.

Reception sees that a note exists and who wrote it (clinical.view_note) but not its content
(clinical.view_note_content, which an admin can give or take per role); clinicians and admins
read content. A draft is written only by its author; once signed, the author or an admin may only
add addenda.
"""


def can_read_content(user) -> bool:
    return user.has_perm("clinical.view_note_content")


def can_start_note(user, appointment=None) -> bool:
    if not user.has_perm("clinical.add_note"):
        return False
    if appointment is not None and not user.is_admin:
        return appointment.clinician.user_id == user.pk
    return True


def can_edit_note(user, note) -> bool:
    return (not note.is_signed and note.author_id == user.pk
            and user.has_perm("clinical.change_note"))


def can_add_addendum(user, note) -> bool:
    return (note.is_signed and user.has_perm("clinical.add_addendum")
            and (note.author_id == user.pk or user.is_admin))


def can_read_attachments(user) -> bool:
    return user.has_perm("clinical.view_attachment") and can_read_content(user)


def can_add_attachment(user) -> bool:
    return user.has_perm("clinical.add_attachment")


def can_write_letters(user) -> bool:
    return user.has_perm("clinical.add_letter") and can_read_content(user)


def can_edit_templates(user) -> bool:
    return user.is_admin


def scope_to_patients(queryset, user, field: str = "patient"):
    """Clinical rows of the patients the user may see (their clinics); others answer 404."""
    from clinics.permissions import allowed_clinic_ids
    from patients.permissions import visible_patients

    if allowed_clinic_ids(user) is None:
        return queryset
    return queryset.filter(**{f"{field}__in": visible_patients(user).values("pk")})
