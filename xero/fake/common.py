"""What every resource of the fake Xero shares: the reply envelope and error bodies, Xero's JSON
dates, `If-Modified-Since` (RFC 1123 or ISO 8601, any offset), `where`, paging, batch replies that
honour `summarizeErrors`, and money in whole cents."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime

NOT_FOUND = "The resource you're looking for cannot be found"


class BadRequest(Exception):
    """Raised by a handler's helpers; the router answers 400 with `body`."""

    def __init__(self, body: dict):
        super().__init__(body.get("Message"))
        self.body = body


def envelope(fake, plural: str, items: list, pagination: dict | None = None) -> dict:
    out = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "Nexus Core Clinic",
           "DateTimeUTC": ms_date(fake.clock.now(), offset=False), plural: items}
    if pagination:
        out["pagination"] = pagination
    return out


def problem(status: int, title: str, detail: str) -> dict:
    return {"Type": None, "Title": title, "Status": status, "Detail": detail,
            "Instance": str(uuid.uuid4()), "Extensions": {}}


def not_found() -> tuple[int, dict]:
    return 404, problem(404, "Not Found", NOT_FOUND)


def invalid_body(message: str) -> tuple[int, dict]:
    return 400, {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}


def validation_failed(elements: list[dict]) -> tuple[int, dict]:
    return 400, {"ErrorNumber": 10, "Type": "ValidationException",
                 "Message": "A validation exception occurred", "Elements": elements}


def ms_date(when: datetime, offset=True) -> str:
    ms = int(when.timestamp() * 1000)
    return f"/Date({ms}+0000)/" if offset else f"/Date({ms})/"


def touch(fake, record: dict) -> None:
    """Stamp a record as changed now (simulated clock): UpdatedDateUTC and the private `_updated`
    that If-Modified-Since compares with."""
    now = fake.clock.now()
    record["_updated"] = now.timestamp()
    record["UpdatedDateUTC"] = ms_date(now)


def public(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def elements_of(request, plural: str) -> list:
    body = request.body if isinstance(request.body, dict) else {}
    items = body.get(plural)
    if not isinstance(items, list):
        raise BadRequest(invalid_body(f"The request body must hold a {plural} array.")[1])
    return [item if isinstance(item, dict) else {} for item in items]


def summarize(request) -> bool:
    return request.query.get("summarizeErrors", "true").lower() != "false"


def failed(data: dict, errors: list[str], flag="HasValidationErrors") -> dict:
    """One element of a batch reply that was not saved: the element echoed with its errors."""
    return dict(data, StatusAttributeString="ERROR", **{flag: True},
                ValidationErrors=[{"Message": m} for m in errors])


def batch_reply(fake, request, plural: str, results: list[dict]) -> tuple[int, dict]:
    """Xero's answer to a batch write: with summarizeErrors (the default) any failure makes it a
    400 listing only the failures (the valid elements are saved all the same); with
    summarizeErrors=false a 200 with every element in order."""
    failures = [r for r in results if r.get("StatusAttributeString") == "ERROR"]
    if summarize(request) and failures:
        return validation_failed(failures)
    return 200, envelope(fake, plural, results)


# -- If-Modified-Since -------------------------------------------------------------------------
def parse_since(text: str) -> datetime:
    """Xero documents RFC 1123 ("Tue, 01 Dec 2026 05:00:00 GMT"); its SDKs send ISO 8601, with
    or without an offset ("2026-12-01T15:00:00+10:00"); no offset means UTC."""
    text = text.strip()
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest({"ErrorNumber": 14, "Type": "PostDataInvalidException",
                              "Message": f"The If-Modified-Since header '{text[:60]}' is not a "
                              "valid date."}) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def modified_since(request, items: list[dict]) -> list[dict]:
    text = request.headers.get("if-modified-since")
    if not text:
        return items
    stamp = parse_since(text).timestamp()
    return [i for i in items if i.get("_updated", 0) >= stamp]


def id_list(request, name: str) -> set[str] | None:
    text = request.query.get(name) or request.query.get(name.lower())
    return {v.strip() for v in text.split(",") if v.strip()} if text else None


def paged(request, items: list, default_size=100) -> tuple[list, dict | None]:
    """Apply `page`/`pageSize` (1-based, at most 1000 a page) when `page` is given."""
    if "page" not in request.query:
        return items, None
    try:
        page = max(1, int(request.query["page"]))
        size = max(1, min(1000, int(request.query.get("pageSize") or default_size)))
    except ValueError:
        raise BadRequest({"ErrorNumber": 14, "Type": "PostDataInvalidException",
                          "Message": "page and pageSize must be whole numbers."}) from None
    count = len(items)
    return items[(page - 1) * size: page * size], {
        "page": page, "pageSize": size, "pageCount": -(-count // size), "itemCount": count}


# -- where -------------------------------------------------------------------------------------
_CLAUSE = re.compile(r'\s*([A-Za-z.]+)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|(true|false))\s*'
                     r'(?:(AND|OR)(?=\s)|$)')


def parse_where(expr: str | None) -> Callable[[dict], bool] | None:
    """Xero's `where` for the forms we use: Field=="x" (or !=, or true/false) joined by AND /
    OR without brackets; AND binds tighter. Quoted strings may hold AND, OR and escapes.
    None when the expression cannot be parsed."""
    if not expr:
        return lambda _item: True
    alternatives, clauses, pos = [], [], 0
    while pos < len(expr):
        m = _CLAUSE.match(expr, pos)
        if not m:
            return None
        fld, op, text, boolean, joiner = m.groups()
        value = (boolean == "true") if boolean else re.sub(r"\\(.)", r"\1", text)
        clauses.append((fld, op, value))
        if joiner != "AND":
            alternatives.append(clauses)
            clauses = []
        pos = m.end()
    if clauses or not alternatives:
        return None

    def get(item, dotted):
        for piece in dotted.split("."):
            item = item.get(piece) if isinstance(item, dict) else None
        return item

    def test(item):
        return any(all((get(item, f) == v) == (op == "==") for f, op, v in clauses)
                   for clauses in alternatives)

    return test


def where(request) -> Callable[[dict], bool]:
    test = parse_where(request.query.get("where"))
    if test is None:
        raise BadRequest({"ErrorNumber": 16, "Type": "QueryParseException",
                          "Message": "The where clause could not be parsed."})
    return test


# -- money -------------------------------------------------------------------------------------
def cents(value) -> int:
    return int((Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def amount(value) -> Decimal:
    """A money amount from a JSON number or string; invalid -> BadRequest."""
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise BadRequest(invalid_body(f"'{value}' is not a valid amount.")[1]) from None


def money(value: Decimal | int) -> float:
    """Decimal dollars (or int cents) -> the JSON number Xero sends."""
    return float(Decimal(value) / 100) if isinstance(value, int) else float(value)


def dec(value) -> Decimal:
    return Decimal(str(value or 0))


def collection(fake, request, plural: str, records) -> tuple[int, dict]:
    """GET of a collection: oldest change first, If-Modified-Since, where, then paging."""
    test = where(request)
    items = sorted(records, key=lambda r: r.get("_updated", 0))
    items = [r for r in modified_since(request, items) if test(r)]
    items, pagination = paged(request, items)
    return 200, envelope(fake, plural, [public(r) for r in items], pagination)


def parse_day(value) -> datetime | None:
    """A request's date ("2026-11-20", "2026-11-20T00:00:00" or "/Date(ms+0000)/") as UTC
    midnight; None when it is none of these."""
    text = str(value or "").strip()
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    try:
        when = datetime.fromtimestamp(int(match[1]) / 1000, UTC) if match else \
            datetime.fromisoformat(text[:10])
    except (ValueError, OverflowError, OSError):
        return None
    return datetime(when.year, when.month, when.day, tzinfo=UTC)


def set_day(record: dict, field: str, value) -> None:
    """Store a date as Xero replies with it: `Date` "/Date(ms+0000)/" and `DateString`."""
    day = parse_day(value)
    record[field] = ms_date(day)
    record[field + "String"] = day.strftime("%Y-%m-%dT00:00:00")


def day_errors(data: dict, *fields: str) -> list[str]:
    return [f"{f} '{data[f]}' is not a valid date." for f in fields
            if data.get(f) not in (None, "") and parse_day(data[f]) is None]
