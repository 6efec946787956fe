"""Fixtures named after the practice's people (SCENARIOS.md): Sam the owner, Mia at reception,
Ben the clinician. Factories live in ncc/testing.py."""

import os
import shutil

import pytest

from ncc import testing

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium")
                                        else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every fixture user hashes a password; MD5 keeps the suite quick (tests only)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _two_factor_not_enforced(settings):
    """Admins must pass two-factor login (accounts.middleware); tests of other features log in
    with force_login and would all meet the enrolment page. The two-factor tests turn it on."""
    settings.MFA_ENFORCED = False


@pytest.fixture(autouse=True)
def _roles_after_flush(request):
    """A transactional test (browser, concurrency) flushes every table afterwards; the
    post_migrate that follows recreates permissions with a stale ContentType cache, so the next
    transactional test in that worker would find the role Groups without permissions. Put them
    back before its fixtures make users."""
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


@pytest.fixture(autouse=True)
def _empty_cache():
    """The password-reset throttle counts in the cache: a test must not inherit another's count."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _close_xero_org_slots():
    """Xero's cross-process call slots hold a PostgreSQL connection per organisation; each test
    makes its own organisation, so close them after every test."""
    yield
    from xero.client import close_org_slots

    close_org_slots()


@pytest.fixture
def sydney_cbd(db):
    return testing.make_clinic("Sydney CBD", "Australia/Sydney")


@pytest.fixture
def brisbane(db):
    return testing.make_clinic("Brisbane", "Australia/Brisbane", state="QLD", postcode="4000",
                               suburb="Brisbane City")


@pytest.fixture
def sam_owner(db, sydney_cbd):
    return testing.make_user("admin", "Sam", "sam@walkeasy.example", sydney_cbd)


@pytest.fixture
def mia_receptionist(db, sydney_cbd):
    return testing.make_user("receptionist", "Mia", "mia@walkeasy.example", sydney_cbd)


@pytest.fixture
def ben_clinician(db, sydney_cbd):
    return testing.make_clinician("Ben", [sydney_cbd])


@pytest.fixture
def ana_clinician(db, sydney_cbd):
    return testing.make_clinician("Ana", [sydney_cbd])


@pytest.fixture
def review_type(db):
    return testing.make_type("Review", 30, "75.00")


@pytest.fixture
def john_smith(db, sydney_cbd):
    return testing.make_patient(sydney_cbd, "John", "Smith", email="john.smith@example.com")


def _login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def mia_client(client, mia_receptionist):
    return _login(client, mia_receptionist)


@pytest.fixture
def sam_client(client, sam_owner):
    return _login(client, sam_owner)


@pytest.fixture
def ben_client(client, ben_clinician):
    return _login(client, ben_clinician.user)


# Browser tests ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def _playwright_browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    context = _playwright_browser.new_context(viewport={"width": 1366, "height": 900},
                                              base_url=live_server.url, locale="en-AU",
                                              timezone_id="Australia/Sydney")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def artefacts_dir():
    path = os.path.join(os.path.dirname(__file__), "var", "test-artefacts")
    os.makedirs(path, exist_ok=True)
    return path


def browser_login(page, email, password=testing.PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def htmx_ready(locator):
    """Wait until htmx has wired up the element (swapped-in content is processed a moment after
    it appears); typing before that fires no request."""
    locator.wait_for()
    locator.page.wait_for_function("el => !!el['htmx-internal-data']",
                                   arg=locator.element_handle())
    return locator
