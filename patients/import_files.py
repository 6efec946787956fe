"""Reading the files other practice systems export, and the values in them.

Everything here is pure (no database): bytes in, header and rows out; a cell's text in, a clean
value out or a `Doubtful` saying why the text was kept aside for a person to check.

Why the standard csv reader and not a sniffer: the exports we read are all RFC 4180 (comma or a
spreadsheet's semicolon/tab, `"` quoting with `""` for a quote inside a field, newlines inside
quoted fields). `csv.Sniffer` (and dialect detection in general) guesses `doublequote` and the
quote character from a sample and gets them wrong on notes full of quotes, which shifted every
later column. So the dialect is explicit: only the delimiter is found, from the header line,
which never holds a quoted newline.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ROWS = 1_000_000


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not CSV/xlsx, no header, no name columns)."""


class Doubtful(Exception):
    """A cell whose text cannot be used as it is; the message says why, for a person."""


# -- presets: which system wrote the file -----------------------------------------------------
@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    # Headers (normalised by `header_key`) only this system writes; the preset whose markers
    # match most is chosen when the person leaves "Detect" selected.
    markers: tuple = ()
    delimiter: str | None = ","  # None: find it from the header line (spreadsheets)


PRESETS = {p.key: p for p in (
    Preset("cliniko", "Cliniko", ("preferredfirstname", "medicarereferencenumber",
                                  "reminders", "archivedat", "patientphonenumbers")),
    Preset("nookal", "Nookal", ("clientid", "citysuburb", "pcode", "nickname", "allowsms",
                                "dateadded", "medicareref")),
    Preset("halaxy", "Halaxy", ("givenname", "familyname", "medicareirn", "dvafilenumber",
                                "smsconsent", "birthdate")),
    Preset("zanda", "Zanda", ("clientnumber", "businessphone", "smsreminders", "zandaid")),
    Preset("powerdiary", "Power Diary", ("clientidpd", "powerdiaryid", "clientcode",
                                         "receivesms", "receiveemail")),
    Preset("spreadsheet", "A spreadsheet", ("givennames", "dateborn", "surname"), None),
    Preset("ncc", "Nexus Core Clinic export", ("ncc", "sourcesystem", "smsconsent",
                                               "emailconsent", "tocheck", "homeclinic")),
)}


_NOT_ALNUM = re.compile(r"[\W_]+")


def header_key(header: str) -> str:
    return _NOT_ALNUM.sub("", (header or "").lower())


def detect_preset(headers: list[str]) -> Preset:
    keys = {header_key(h) for h in headers}
    if {"number", "sourcesystem", "sourceid"} <= keys:
        return PRESETS["ncc"]
    best, score = PRESETS["spreadsheet"], 0
    for preset in PRESETS.values():
        hits = len(keys & set(preset.markers))
        if hits > score:
            best, score = preset, hits
    return best


# -- reading ----------------------------------------------------------------------------------
class Table:
    """The header and an iterator over the rows: `for line, cells, formula_columns in table`.

    Rows are read as they are iterated (never all held at once), so a 100,000-row file costs
    the memory of its text and one row."""

    def __init__(self, headers, encoding, rows):
        self.headers, self.encoding, self._rows = headers, encoding, rows

    def __iter__(self):
        return self._rows()


def decode(content: bytes) -> tuple[str, str]:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else Windows-1252
    (Excel on Windows)."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "UTF-16"
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    return content.decode("cp1252", errors="replace"), "Windows-1252"


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def is_xlsx(content: bytes, file_name: str = "") -> bool:
    return file_name.lower().endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04"


def read_table(content: bytes, file_name: str = "", preset: Preset | None = None) -> Table:
    if is_xlsx(content, file_name):
        return _read_xlsx(content)
    text, encoding = decode(content)
    if "\x00" in text:
        raise ImportFileError("This is not a text (CSV) file. Save it from Excel as "
                              "CSV UTF-8 or upload the .xlsx itself.")
    header_line = text.split("\n", 1)[0]
    delimiter = (preset.delimiter if preset and preset.delimiter
                 else _delimiter(header_line))

    def reader():
        return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                          doublequote=True, skipinitialspace=False, strict=False)

    try:
        headers = next(reader(), None)
    except csv.Error as exc:
        raise ImportFileError(f"The header row cannot be read ({exc}); is it a CSV file?") from None
    if not headers or not any(h.strip() for h in headers):
        raise ImportFileError("The file is empty or its first line is not a header row.")

    def rows():
        it = reader()
        next(it)
        line, count = it.line_num + 1, 0
        try:
            for row in it:
                if any(cell.strip() for cell in row):
                    count += 1
                    if count > MAX_ROWS:
                        raise ImportFileError(
                            f"The file has more than {MAX_ROWS:,} rows; split it.")
                    yield line, row, ()
                line = it.line_num + 1
        except csv.Error as exc:  # a field over csv.field_size_limit (131,072 characters)
            raise ImportFileError(f"Line {line} of the file cannot be read ({exc}); is it a "
                                  "CSV file?") from None

    return Table([h.strip() for h in headers], encoding, rows)


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    def sheet_rows():
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise ImportFileError("This .xlsx file cannot be opened; save it again from "
                                  "Excel.") from exc
        try:
            for number, cells in enumerate(book.worksheets[0].iter_rows(), start=1):
                values, formulas = [], []
                for col, cell in enumerate(cells):
                    value = cell.value
                    if getattr(cell, "data_type", "") == "f" or (
                            isinstance(value, str) and value.startswith("=")):
                        formulas.append(col)
                        value = str(value)
                    values.append(_xlsx_text(value))
                yield number, values, tuple(formulas)
        finally:
            book.close()

    headers = None
    for _number, values, _f in sheet_rows():
        if any(str(v).strip() for v in values):
            headers = [str(v).strip() for v in values]
            break
    if headers is None:
        raise ImportFileError("The first sheet is empty.")

    def rows():
        seen_header, count = False, 0
        for number, values, formulas in sheet_rows():
            if not any(str(v).strip() for v in values):
                continue
            if not seen_header:
                seen_header = True
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(f"The sheet has more than {MAX_ROWS:,} rows; split it.")
            yield number, values, formulas

    return Table(headers, "xlsx", rows)


def _xlsx_text(value):
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- cell values ------------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
# =..., @..., +cmd|..., -2+3+cmd|...: what a spreadsheet would run as a formula. A phone
# (+61 412 345 678) or a note starting "- see GP" is not one.
_FORMULA = re.compile(r"^(=|@|[+\-][^\d\s.,(]*[A-Za-z(|!]|[+\-][\d.\s]*[+\-*/^].*[A-Za-z|!])")


def one_line(value) -> str:
    """Whitespace of every kind (tabs, non-breaking spaces, newlines) collapsed to one space."""
    return _SPACES.sub(" ", str(value or "")).strip()


def multi_line(value) -> str:
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def unescape(value: str) -> str:
    """Our own export writes a formula-looking cell as '=...; read it back as =..."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@":
        return value[1:]
    return value


def looks_like_formula(value: str) -> bool:
    return bool(_FORMULA.match(value))


def usable_name(value: str) -> bool:
    return any(ch.isalpha() for ch in value) and not looks_like_formula(value)


MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.I)
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(am|pm)?\s*(Z|[+-]\d{2}:?\d{2})?$",
                        re.I)


def _year(text: str, *, past: bool, today: date) -> int:
    year = int(text)
    if len(text) == 4:
        return year
    if len(text) != 2:
        raise ValueError
    if past:  # a date of birth: the latest century that keeps it in the past
        return 2000 + year if 2000 + year <= today.year else 1900 + year
    return 2000 + year if year < 70 else 1900 + year


def parse_date(value, *, past: bool = False, today: date | None = None) -> date:
    """Day-first dates in the forms people and systems write them: 3/5/1979, 03-05-79,
    3.5.1979, 1979-05-03, 19790503, 3-May-1979, 3 April 1985, 3rd of May 1979, May 3, 1979,
    with or without a time after them. Two-digit years: `past` (dates of birth) picks the
    century that puts the date in the past."""
    today = today or date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = one_line(value)
    original = text
    text = _TIME_TAIL.sub("", text).strip()
    text = _ORDINAL.sub(r"\1", text.lower()).replace(" of ", " ").replace(",", " ")
    try:
        found = _match_date(text, past=past, today=today)
    except ValueError:
        found = None
    if found is None:
        raise Doubtful(f"“{original}” is not a date we can read (write it as 31/12/1980).")
    if past and found > today:
        raise Doubtful(f"“{original}” is in the future.")
    return found


_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DMY = re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2}|\d{4})")
_D_MON_Y = re.compile(r"(\d{1,2})[\s\-/.]+([a-z]+)\.?[\s\-/.]+(\d{2}|\d{4})")
_MON_D_Y = re.compile(r"([a-z]+)\.?[\s\-/.]+(\d{1,2})[\s\-/.]+(\d{2}|\d{4})")


def _match_date(text: str, *, past: bool, today: date) -> date | None:
    if m := _ISO.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _COMPACT.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.fullmatch(text):
        return date(_year(m[3], past=past, today=today), int(m[2]), int(m[1]))
    if m := _D_MON_Y.fullmatch(text):
        if m[2] in MONTHS:
            return date(_year(m[3], past=past, today=today), MONTHS[m[2]], int(m[1]))
    if m := _MON_D_Y.fullmatch(text):
        if m[1] in MONTHS:
            return date(_year(m[3], past=past, today=today), MONTHS[m[1]], int(m[2]))
    return None


STATES = {
    "NSW": ("nsw", "newsouthwales"), "VIC": ("vic", "victoria"),
    "QLD": ("qld", "queensland"), "WA": ("wa", "westernaustralia"),
    "SA": ("sa", "southaustralia"), "TAS": ("tas", "tasmania"),
    "ACT": ("act", "australiancapitalterritory"), "NT": ("nt", "northernterritory"),
}
_STATE_LOOKUP = {alias: code for code, aliases in STATES.items() for alias in aliases}


def parse_state(value: str) -> str:
    key = header_key(value)
    if key in _STATE_LOOKUP:
        return _STATE_LOOKUP[key]
    raise Doubtful(f"“{value}” is not an Australian state or territory.")


def parse_postcode(value: str) -> str:
    digits = one_line(value)
    if digits.isdigit() and len(digits) in (3, 4):
        return digits.zfill(4)  # Darwin's 0800 arrives as 800 from a spreadsheet
    raise Doubtful(f"“{value}” is not a four-digit postcode.")


_PLAIN_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}")


def parse_email(value: str) -> str:
    text = one_line(value).strip("<>").lower()
    if _PLAIN_EMAIL.fullmatch(text) and ".." not in text and not text.startswith("."):
        return text  # the common case, without Django's slower IDN-aware validator
    try:
        validate_email(text)
    except ValidationError:
        raise Doubtful(f"“{value}” is not an email address.") from None
    return text


_MOBILE = re.compile(r"^(?:\+?61|0)?(4\d{8})$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_LETTER = re.compile(r"[A-Za-z]")


def parse_phone(value: str, *, mobile: bool = False) -> str:
    """E.164. Letters are never turned into digits (phonenumbers would read 1300-FOOTCARE as
    a number): a phone with letters is kept aside. Any 04xx xxx xxx is a mobile, whatever
    the phone library's metadata says about newer prefixes."""
    import phonenumbers

    text = one_line(value)
    bare = _PHONE_PUNCTUATION.sub("", text)
    if _LETTER.search(bare):
        raise Doubtful(f"“{value}” has letters in it.")
    if m := _MOBILE.match(bare):
        return "+61" + m[1]
    try:
        number = phonenumbers.parse(text, "AU")
    except phonenumbers.NumberParseException:
        raise Doubtful(f"“{value}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise Doubtful(f"“{value}” is not a valid phone number.")
    if mobile and phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise Doubtful(f"“{value}” is not a mobile number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


YES = {"yes", "y", "true", "t", "1", "x", "optedin", "consented", "allowed", "allow", "on",
       "sms", "email", "smsemail", "emailsms", "both", "agreed", "agree", "✓"}
NO = {"no", "n", "false", "f", "0", "optedout", "declined", "none", "off", "never",
      "disallow", "notallowed", "unsubscribed", "dnc", "donotcontact"}


def parse_flag(value: str) -> bool | None:
    """True, False, or None when the cell does not say."""
    key = header_key(value)
    if not key:
        return None
    if key in YES:
        return True
    if key in NO:
        return False
    return None


def is_set(value) -> bool:
    """A column like "Archived at" or "Deceased": any date or yes means set."""
    if isinstance(value, (date, datetime)):
        return True
    flag = parse_flag(value)
    if flag is not None:
        return flag
    return bool(one_line(value))
