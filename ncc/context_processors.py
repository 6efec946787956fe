from . import navigation as nav


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav.items_for(request),
        "current_clinic": getattr(request, "clinic", None),
        "clinics": getattr(request, "clinics", []),
    }
