from .models import AuditEvent


def record(actor, action: str, obj, summary: str, changes: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        changes=changes or {},
    )


def changed_fields(before: dict, after: dict) -> dict:
    """{'field': [old, new]} for the fields whose value differs (values as strings)."""
    return {k: [str(before.get(k)), str(v)] for k, v in after.items() if before.get(k) != v}
