"""Where an invoice line's account, tax type and tracking come from.

Billing knows only the defaults from settings. The xero app, which billing must not import, fills
in the real mappings (XeroItemMapping per appointment type, the clinic's tracking option) by
registering lookups in its AppConfig.ready():

    from billing.mappings import register_line_mapping, register_tracking
    register_line_mapping(lambda appointment_type: ...)  # LineMapping | None
    register_tracking(lambda clinic: ...)                # Tracking | None

A lookup returns None when it has nothing to say (Xero not connected), or raises
billing.errors.MissingMapping("Map the type Review in Xero settings before invoicing it.") to stop
the invoice rather than produce a wrong one. The first lookup that answers wins.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings


@dataclass(frozen=True)
class LineMapping:
    account_code: str
    # Not used for new lines any more: the tax type follows what is sold (the appointment type's
    # or product's tax treatment, ncc.tax). Kept so existing lookups keep their shape.
    tax_type: str = ""
    item_code: str = ""
    description: str = ""  # replaces the appointment type's name on the line when given
    unit_amount: Decimal | None = None  # replaces the appointment type's price when given


@dataclass(frozen=True)
class Tracking:
    category: str
    option: str


_line_lookups: list[Callable] = []
_tracking_lookups: list[Callable] = []


def register_line_mapping(fn: Callable) -> None:
    if fn not in _line_lookups:
        _line_lookups.append(fn)


def register_tracking(fn: Callable) -> None:
    if fn not in _tracking_lookups:
        _tracking_lookups.append(fn)


def unregister(fn: Callable) -> None:
    for lookups in (_line_lookups, _tracking_lookups):
        if fn in lookups:
            lookups.remove(fn)


def line_mapping_for(appointment_type) -> LineMapping:
    for lookup in _line_lookups:
        mapping = lookup(appointment_type)
        if mapping is not None:
            return mapping
    return LineMapping(account_code=settings.BILLING_DEFAULT_ACCOUNT_CODE,
                       tax_type=settings.BILLING_DEFAULT_TAX_TYPE)


def tracking_for(clinic) -> Tracking:
    for lookup in _tracking_lookups:
        tracking = lookup(clinic)
        if tracking is not None:
            return tracking
    return Tracking(category=settings.BILLING_TRACKING_CATEGORY, option=clinic.short_name)
