import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users made by the shared fixtures hash a password; MD5 keeps the book's tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _roles_after_flush(request):
    """A transactional test flushes every table afterwards; the post_migrate that follows
    recreates permissions with a stale ContentType cache, so the next transactional test finds
    the role Groups without permissions. Put them back before our fixtures make users."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.management import create_contenttypes
    from django.contrib.contenttypes.models import ContentType

    from accounts.roles import sync_roles

    if Permission.objects.filter(content_type__app_label="scheduling",
                                 codename="view_appointment").exists():
        return
    ContentType.objects.clear_cache()
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    sync_roles()
