"""Clinic scoping: which clinics a member of staff works at, and so which records they see.

A user with no clinics chosen works at every clinic (a small practice sets nothing); admins always
see every clinic. Records of another clinic answer 404, in lists and search too: pages and API
both narrow their querysets with these functions.
"""


def allowed_clinic_ids(user) -> frozenset | None:
    """The ids of the clinics `user` may use, or None for every clinic. Cached on the user
    (CurrentClinicMiddleware fills the cache from the query it makes anyway)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if getattr(user, "is_admin", False):
        return None
    if not hasattr(user, "_clinic_ids"):
        ids = frozenset(user.clinics.values_list("pk", flat=True))
        user._clinic_ids = ids or None
    return user._clinic_ids


def can_use_clinic(user, clinic_id) -> bool:
    ids = allowed_clinic_ids(user)
    return ids is None or clinic_id in ids


def scope_by_clinic(queryset, user, field: str = "clinic"):
    """`queryset` narrowed to rows whose `field` (a Clinic foreign key) the user may use."""
    ids = allowed_clinic_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})
