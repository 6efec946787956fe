"""What billing's pages show of integrations that billing never imports (the xero app). Each
integration appends here in its AppConfig.ready(); billing renders whatever is registered, and
works the same with nothing registered."""

from collections.abc import Callable

# Templates included in the side column of the invoice page, rendered with the page's context
# (invoice, perms, request): e.g. "xero/_invoice_panel.html".
INVOICE_PANELS: list[str] = []

# Buttons on the invoices list: (label, url name, permission), e.g. "Reconcile with Xero".
INVOICE_LIST_ACTIONS: list[tuple[str, str, str]] = []

# Functions (invoice ids) -> {invoice_id: [(label, css_class, title), ...]}: small tags beside an
# invoice's status in the list and the appointment dialog. One query per function per page.
INVOICE_TAGS: list[Callable] = []

# Functions (credit note ids) -> {credit_note_id: [(label, css_class, title), ...]}.
CREDIT_NOTE_TAGS: list[Callable] = []


def _collect(functions, ids) -> dict:
    ids = list(ids)
    out: dict = {}
    if not ids:
        return out
    for fn in functions:
        for pk, items in fn(ids).items():
            out.setdefault(pk, []).extend(items)
    return out


def invoice_tags(invoice_ids) -> dict:
    return _collect(INVOICE_TAGS, invoice_ids)


def credit_note_tags(credit_note_ids) -> dict:
    return _collect(CREDIT_NOTE_TAGS, credit_note_ids)


def register(registry: list, item) -> None:
    """Append once (AppConfig.ready() may run more than once in tests)."""
    if item not in registry:
        registry.append(item)
