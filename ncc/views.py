from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .navigation import SETTINGS_SECTIONS


def home(request):
    """The owner lands on the practice dashboard, a clinician on My day, reception on the book."""
    if request.user.has_perm("reports.view_reports"):
        return redirect("reports:index")
    if getattr(request.user, "is_clinician", False) and request.user.has_perm("clinical.add_note"):
        return redirect("clinical:my_day")  # a clinician's visits across all his clinics
    return redirect("scheduling:book")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """The process is up (Cloud Run liveness)."""
    return JsonResponse({"status": "ok"})


# Once a process has seen every migration applied it stops re-reading the migration files on each
# probe (tens of milliseconds); a new revision with new migrations starts new processes anyway.
_migrations_seen_applied = False


@login_not_required
@never_cache
@require_GET
def readyz(request):
    """The database answers and every migration is applied (Cloud Run startup/readiness)."""
    global _migrations_seen_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if not _migrations_seen_applied:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                return JsonResponse({"status": "migrations pending", "pending": len(pending)},
                                    status=503)
            _migrations_seen_applied = True
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "error": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ready"})


def settings_index(request):
    """Practice settings: admins only; apps add their own sections (Xero, SMS)."""
    if not request.user.is_admin:
        raise PermissionDenied
    sections = [{"title": s.title, "url": reverse(s.url_name), "description": s.description}
                for s in SETTINGS_SECTIONS]
    return render(request, "ncc/settings_index.html", {"sections": sections})
