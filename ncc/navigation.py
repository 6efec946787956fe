"""The left menu: what each role may use. Apps add their items here; the menu shows an item only
when its URL exists and the user holds its permission."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # None: every signed-in user
    admin_only: bool = False
    badge: Callable | None = None  # badge(request) -> int | None, e.g. unread SMS replies
    section: str = ""  # url namespace prefix that marks the item active


NAV_ITEMS: list[NavItem] = [
    NavItem("Today", "home", section="home"),
    NavItem("Book", "scheduling:book", "scheduling.view_appointment", section="scheduling"),
    NavItem("Patients", "patients:list", "patients.view_patient", section="patients"),
    NavItem("Invoices", "billing:list", "billing.view_invoice", section="billing"),
    NavItem("SMS", "messaging:inbox", "messaging.view_smsmessage", section="messaging"),
    NavItem("Reports", "reports:index", "reports.view_reports", section="reports"),
    NavItem("Settings", "settings:index", admin_only=True, section="settings"),
]


def items_for(request) -> list[dict]:
    user = request.user
    match = getattr(request, "resolver_match", None)
    current = match.namespace if match and match.namespace else (match.url_name if match else "")
    out = []
    for item in NAV_ITEMS:
        if item.admin_only and not user.is_admin:
            continue
        if item.permission and not user.has_perm(item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(request) if item.badge else None
        out.append({"label": item.label, "url": url, "badge": badge,
                    "active": current == item.section})
    return out


# Extension points for apps that must not be imported by the core (xero, messaging, billing).
# Each app appends in its AppConfig.ready(); the core templates render whatever is registered.

@dataclass(frozen=True)
class SettingsSection:
    """A card on the Settings page (admins only), e.g. Xero connection, SMS."""

    title: str
    url_name: str
    description: str


SETTINGS_SECTIONS: list[SettingsSection] = []

# Templates included in the right-hand column of the patient page, rendered with the page's
# context (patient, request, perms). E.g. "xero/_patient_panel.html", "messaging/_patient_sms.html".
PATIENT_PANELS: list[str] = []

# Functions (patients: list[Patient]) -> {patient_pk: [(label, css_class), ...]} that add badges
# beside names in the patients list (e.g. "Xero" when synced). One query per function per page.
PATIENT_LIST_BADGES: list[Callable] = []


def patient_badges(patients) -> dict:
    badges: dict = {}
    for fn in PATIENT_LIST_BADGES:
        for pk, items in fn(patients).items():
            badges.setdefault(pk, []).extend(items)
    return badges


# Functions (request) -> list of {"label", "count", "url", "action"} for the dashboard's "Needs
# attention" panel: an invoice Xero rejected, an SMS that bounced, each with the page that fixes
# it. Integrations register theirs; an item with count 0 is not shown.
DASHBOARD_ATTENTION: list[Callable] = []


def attention_items(request) -> list[dict]:
    items = []
    for fn in DASHBOARD_ATTENTION:
        items.extend(item for item in fn(request) if item.get("count"))
    return items


# Templates included in the appointment dialog of the book, rendered with its context (`a` is the
# appointment, plus request and perms): e.g. billing's invoice status and "Create invoice".
APPOINTMENT_PANELS: list[str] = []

# Functions (appointment ids) -> {appointment_id: [(label, css_class), ...]} for small badges on
# the book's blocks (e.g. "Xero" once the invoice is in Xero). One query per function per page.
APPOINTMENT_BADGES: list[Callable] = []


def appointment_badges(appointment_ids) -> dict:
    badges: dict = {}
    ids = list(appointment_ids)
    for fn in APPOINTMENT_BADGES:
        for pk, items in fn(ids).items():
            badges.setdefault(pk, []).extend(items)
    return badges
