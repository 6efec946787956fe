"""Small guards against hostile input that every app uses: spreadsheet formulas in CSV exports,
redirects off our host, ids that are not ids."""

import csv
import uuid

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"): =HYPERLINK(...), +cmd|' /C calc'!A0, -2+3, @SUM(...).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """`value` safe for a spreadsheet: text that would start a formula gets a leading apostrophe
    (shown as text, not run). Numbers stay numbers: a negative amount is data, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def safe_csv_writer(fileobj, **kwargs):
    """csv.writer whose cells are escaped with csv_cell."""
    return _SafeWriter(csv.writer(fileobj, **kwargs))


def is_safe_next(request, url: str | None) -> bool:
    """Whether `url` (a ?next= or form field) stays on this site: a path, or our own host."""
    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def safe_next(request, url: str | None, default: str = "/") -> str:
    return url if is_safe_next(request, url) else default


def uuid_or_404(value) -> uuid.UUID:
    """A UUID from a form or query value; anything else is a record that does not exist."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Http404("No such record.") from None


def int_or_none(value) -> int | None:
    """An id from a query string: ASCII digits within a 64-bit integer, else None."""
    if isinstance(value, int):
        return value
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number < 2**63 else None
