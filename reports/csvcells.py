"""One cell of a CSV export, written the way an accountant's spreadsheet reads it."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

CENT = Decimal("0.01")


def money_text(value) -> Decimal:
    """6077.84, 66845.00, -5.00: always two places, no float noise, no thousands mark. A Decimal
    (written by csv as its digits), so ncc.safety's formula guard leaves a negative amount be."""
    return Decimal(str(value)).quantize(CENT)


def csv_cell(value):
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, float | Decimal):
        return money_text(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return value
