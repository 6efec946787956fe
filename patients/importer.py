"""Importing patients exported from other systems (Cliniko, Nookal, Halaxy, Zanda, Power Diary,
a spreadsheet, or our own export), as a job that is checked, run, and can be undone.

The rule that shapes everything: a clinic cannot lose a patient for a secondary field. A row
with a usable name and one identifying detail is imported; a phone, email, postcode, date or
state that cannot be used is kept on the patient in `to_check` with the text from the file and
the reason, and listed on the "needs checking" page. Only rows without a usable name (or with a
name and nothing else to tell the person apart) are rejected.

`check_import` reads a job's file and says, row by row, what importing would do, writing
nothing. `run_import_job` does it in batches (each batch committed, the job's progress updated,
so the page shows a progress bar); every patient it creates points at the job, and every
patient it changes has its earlier values kept in the job, so `undo_import` puts back exactly
what was there before, leaving any patient that something else (an appointment, an invoice)
now refers to.
"""

import functools
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record
from clinics.models import Clinic
from ncc.models import NumberSequence
from ncc.safety import safe_csv_writer

from . import import_files as f
from .identifiers import (
    normalise_dva_file_number,
    normalise_medicare_number,
    validate_dva_file_number,
    validate_medicare_number,
)
from .import_files import Doubtful, ImportFileError  # noqa: F401  (re-exported)
from .models import Patient, PatientImport
from .services import FIRST_PATIENT_NUMBER, PATIENT_NUMBER_SEQUENCE

BATCH = 2000
NOTES = "+notes"  # mapping target: add "Header: value" to the patient's notes
IGNORE = ""

# Our field -> the header names (normalised by header_key) other systems use for it.
SYNONYMS = {
    "source_id": ["id", "patientid", "clientid", "clientnumber", "clientno", "patientno",
                  "recordnumber", "uniqueid", "externalid", "legacyid", "zandaid",
                  "powerdiaryid", "halaxyid", "clinikoid", "nookalid", "sourceid", "clientidpd"],
    "number": ["number"],
    "source_system": ["sourcesystem"],
    "title": ["title", "salutation", "honorific"],
    "first_name": ["firstname", "givenname", "givennames", "first", "forename", "forenames",
                   "patientfirstname", "clientfirstname"],
    "middle_name": ["middlename", "middlenames", "othernames", "secondname", "middle"],
    "last_name": ["lastname", "surname", "familyname", "last", "patientlastname",
                  "clientlastname"],
    "full_name": ["name", "fullname", "patientname", "clientname", "patient", "client"],
    "preferred_name": ["preferredname", "preferredfirstname", "knownas", "nickname",
                       "preferred"],
    "date_of_birth": ["dateofbirth", "dob", "birthdate", "birthday", "dateborn", "born"],
    "sex": ["sex", "sexatbirth", "biologicalsex", "sexgender"],
    "gender": ["gender", "genderidentity"],
    "email": ["email", "emailaddress", "email1", "primaryemail", "emailaddress1"],
    "mobile": ["mobile", "mobilephone", "mobilenumber", "cell", "cellphone", "phonemobile",
               "mobileno", "mob", "mobilephonenumber"],
    "phone": ["phone", "phonenumber", "telephone", "contactnumber", "patientphonenumbers",
              "phonenumbers", "contactphone"],
    "home_phone": ["homephone", "home", "phonehome", "homeno", "landline", "homenumber",
                   "phoneah", "afterhoursphone", "homephonenumber"],
    "work_phone": ["workphone", "businessphone", "work", "phonework", "officephone", "phonebh",
                   "workphonenumber", "workno"],
    "address_1": ["address", "address1", "addressline1", "addressline", "street", "streetaddress", "street1",
                  "postaladdress", "addressstreet", "line1", "streetaddress1"],
    "address_2": ["address2", "addressline2", "street2", "line2", "streetaddress2"],
    "address_3": ["address3", "addressline3", "street3", "line3", "streetaddress3"],
    "suburb": ["suburb", "city", "town", "locality", "citysuburb", "suburbtown", "suburbcity",
               "townsuburb", "citytown"],
    "state": ["state", "region", "stateterritory", "province", "county"],
    "postcode": ["postcode", "postalcode", "zip", "zipcode", "pcode", "postcodezip", "pc"],
    "country": ["country"],
    "alerts": ["alerts", "medicalalerts", "warnings", "alert", "medicalalert", "warning"],
    "notes": ["notes", "comments", "note", "generalnotes", "clientnotes", "patientnotes",
              "comment"],
    "medicare_number": ["medicare", "medicarenumber", "medicareno", "medicarecard",
                        "medicarecardnumber", "medicarecardno"],
    "medicare_irn": ["medicareirn", "medicareref", "medicarereference", "irn",
                     "medicarereferencenumber", "medicarerefno", "medicareposition",
                     "medicarelinenumber", "medicarerefnumber"],
    "dva_number": ["dva", "dvanumber", "dvano", "dvacardnumber", "dvafilenumber",
                   "dvacard", "dvafileno"],
    "dva_card_colour": ["dvacardcolour", "dvacardcolor", "dvacardtype", "dvacolour",
                        "dvatype"],
    "health_fund": ["healthfund", "privatehealthfund", "fund", "healthinsurer", "insurer",
                    "privatehealth", "healthfundname"],
    "health_fund_number": ["healthfundnumber", "fundnumber", "membershipnumber",
                           "healthfundmembershipnumber", "memberno", "healthfundno",
                           "healthfundmembernumber", "membernumber"],
    "emergency_contact": ["emergencycontact", "emergencycontactname", "nextofkin", "nok",
                          "emergencyname"],
    "emergency_relationship": ["emergencycontactrelationship", "relationship",
                               "nextofkinrelationship", "emergencyrelationship"],
    "emergency_phone": ["emergencycontactphone", "emergencyphone", "emergencycontactnumber",
                        "nextofkinphone", "emergencycontactmobile"],
    "referring_gp": ["referringgp", "referringdoctor", "gp", "referrer", "referredby",
                     "referralsource", "referringpractitioner", "doctor", "gpname"],
    "sms_consent": ["smsconsent", "allowsms", "smsreminders", "receivesms", "sms",
                    "consentsms", "textconsent", "smsoptin", "sendsms", "agreestosms"],
    "email_consent": ["emailconsent", "allowemail", "emailreminders", "receiveemail",
                      "consentemail", "emailoptin", "sendemail", "agreestoemail"],
    "reminders": ["reminders", "remindertype", "reminderpreference", "contactpreference"],
    "status": ["status", "patientstatus", "clientstatus", "active", "isactive"],
    "archived": ["archived", "archivedat", "isarchived", "inactive", "dateArchived".lower()],
    "deceased": ["deceased", "isdeceased", "dateofdeath", "deceasedat", "deceaseddate",
                 "deceasedon"],
    "registered_on": ["createdat", "dateadded", "registered", "registrationdate", "created",
                      "datecreated", "registeredon", "joined", "firstseen", "dateregistered"],
    "to_check": ["tocheck"],
    "consent_source": ["consentsource"],
    "home_clinic": ["homeclinic"],
}
TARGET_LABELS = {
    "source_id": "ID in the other system", "number": "Our patient number",
    "full_name": "Full name (split into first and last)", "first_name": "First name",
    "last_name": "Last name", "address_1": "Address line 1", "address_2": "Address line 2",
    "address_3": "Address line 3", "phone": "Phone (mobile or landline)",
    "reminders": "Reminder preference (SMS/email)", "sms_consent": "Agrees to SMS",
    "email_consent": "Agrees to email", "date_of_birth": "Date of birth",
    "registered_on": "Registration date", "medicare_irn": "Medicare IRN",
    "dva_number": "DVA number", "referring_gp": "Referring GP",
}
_LOOKUP = {alias: ours for ours, aliases in SYNONYMS.items() for alias in aliases}

# Free-text fields the patient record keeps as they are (their header -> model field).
PLAIN_TEXT = {"health_fund": "health_fund", "health_fund_number": "health_fund_member_number",
              "referring_gp": "referring_gp", "emergency_contact": "emergency_contact_name",
              "emergency_relationship": "emergency_contact_relationship"}
SIMPLE_TEXT = {"title": 20, "first_name": 80, "middle_name": 80, "last_name": 80,
               "preferred_name": 80}
# What files write -> (sex, gender). A "Gender" column of F/M says both.
SEX_GENDER = {
    "f": ("female", "woman"), "female": ("female", "woman"), "woman": ("female", "woman"),
    "fem": ("female", "woman"), "girl": ("female", "woman"), "w": ("female", "woman"),
    "m": ("male", "man"), "male": ("male", "man"), "man": ("male", "man"),
    "boy": ("male", "man"),
    "nonbinary": ("unspecified", "non_binary"), "nb": ("unspecified", "non_binary"),
    "enby": ("unspecified", "non_binary"), "genderqueer": ("unspecified", "non_binary"),
    "genderfluid": ("unspecified", "non_binary"),
    "x": ("unspecified", "other"), "other": ("unspecified", "other"),
    "differentterm": ("unspecified", "other"), "indeterminate": ("intersex", "other"),
    "intersex": ("intersex", "not_stated"),
    "unspecified": ("unspecified", "not_stated"), "notstated": ("unspecified", "not_stated"),
    "prefernottosay": ("unspecified", "not_stated"), "unknown": ("unspecified", "not_stated"),
    "u": ("unspecified", "not_stated"), "notspecified": ("unspecified", "not_stated"),
    "declined": ("unspecified", "not_stated"), "notknown": ("unspecified", "not_stated"),
}
DVA_COLOURS = {"gold": "gold", "white": "white", "orange": "orange"}
STATUS_ARCHIVED = {"archived", "inactive", "closed", "discharged", "former", "dormant", "no",
                   "false", "0", "n"}
STATUS_DECEASED = {"deceased", "dead", "died", "passedaway"}


def target_choices() -> list[tuple[str, str]]:
    """What a column can be mapped onto on the mapping page."""
    choices = [(IGNORE, "Not imported"), (NOTES, "Add to the notes")]
    for ours in SYNONYMS:
        if ours in ("notes", "to_check", "home_clinic", "number", "source_system"):
            continue
        label = TARGET_LABELS.get(ours) or ours.replace("_", " ").capitalize()
        choices.append((ours, label))
    return choices


@functools.cache
def _model_has(name: str) -> bool:
    try:
        Patient._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _sex_and_gender(text: str) -> tuple[str, str]:
    key = f.header_key(text)
    if not key:
        return "unspecified", "not_stated"
    if key not in SEX_GENDER:
        raise Doubtful(f"“{text}” is not a sex or gender we know.")
    return SEX_GENDER[key]


# -- the mapping of columns -------------------------------------------------------------------
def auto_mapping(headers: list[str]) -> dict:
    """Their header -> our field; a header nobody recognises is added to the notes."""
    mapping, used = {}, set()
    for header in headers:
        if not header:
            continue
        ours = _LOOKUP.get(f.header_key(header))
        if ours and ours not in used:
            mapping[header] = ours
            used.add(ours)
        else:
            mapping[header] = NOTES
    return mapping


def unknown_headers(headers: list[str]) -> list[str]:
    return [h for h in headers if h and f.header_key(h) not in _LOOKUP]


# -- one row ----------------------------------------------------------------------------------
@dataclass
class Row:
    line: int
    values: dict = field(default_factory=dict)  # our field -> clean value, only fields seen
    to_check: dict = field(default_factory=dict)
    reject: str = ""
    outcome: str = ""  # create / update / unchanged / duplicate / reject
    note: str = ""  # why, for the report
    existing_pk: object = None

    @property
    def name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


def _set_aside(row: Row, name: str, text, reason: str) -> None:
    row.to_check[name] = {"value": str(text), "reason": reason}


def _dob_key(row: Row):
    return (f.one_line(row.values.get("first_name", "")).casefold(),
            f.one_line(row.values.get("last_name", "")).casefold(),
            row.values.get("date_of_birth"))


def clean_row(line: int, cells: dict, formula_fields: set, *, today: date,
              preset_key: str) -> Row:
    """`cells`: our field -> the raw cell (several notes columns already joined)."""
    row = Row(line)
    v = row.values
    raw = {}
    for name, cell in cells.items():
        escaped = isinstance(cell, str) and cell.startswith("'")  # marked as text, not a formula
        text = cell if isinstance(cell, date) else f.unescape(str(cell or "").strip())
        if text == "":
            continue
        if name in formula_fields or (isinstance(text, str) and not escaped
                                      and f.looks_like_formula(text)):
            _set_aside(row, name, text, "Looks like a spreadsheet formula; not imported.")
            continue
        raw[name] = text

    # Names first: without one, nothing else matters.
    if "full_name" in raw and not (raw.get("first_name") and raw.get("last_name")):
        whole = f.one_line(raw["full_name"])
        if "," in whole:
            last, _, first = whole.partition(",")
        else:
            first, _, last = whole.rpartition(" ")
        raw.setdefault("first_name", first.strip())
        raw.setdefault("last_name", last.strip())
    for name, limit in SIMPLE_TEXT.items():
        if name in raw:
            text = f.one_line(raw[name])
            if name in ("first_name", "last_name", "preferred_name", "middle_name") and \
                    not f.usable_name(text):
                if name in ("first_name", "last_name"):
                    _set_aside(row, name, text, "Not a name.")
                continue
            if len(text) > limit:
                _set_aside(row, name, text, f"Longer than {limit} characters; shortened.")
                text = text[:limit]
            v[name] = text
    if not v.get("first_name") or not v.get("last_name"):
        missing = "first name" if not v.get("first_name") else "last name"
        if not v.get("first_name") and not v.get("last_name"):
            missing = "name"
        row.reject = f"No usable {missing}."
        return row

    if "source_id" in raw:
        v["source_id"] = f.one_line(raw["source_id"])[:64]
    if "home_clinic" in raw:
        v["home_clinic"] = f.one_line(raw["home_clinic"])
    if "source_system" in raw:
        v["source_system"] = f.one_line(raw["source_system"])[:20]
    if "number" in raw and str(raw["number"]).isdigit():
        v["number"] = int(raw["number"])

    for name, past in (("date_of_birth", True), ("registered_on", True)):
        if name in raw:
            try:
                d = f.parse_date(raw[name], past=past, today=today)
                if name == "date_of_birth" and d.year < 1900:
                    raise Doubtful(f"“{raw[name]}” is before 1900.")
                v[name] = d
            except Doubtful as exc:
                _set_aside(row, name, raw[name], str(exc))
    for name in ("sex", "gender"):
        if name in raw:
            try:
                sex, gender = _sex_and_gender(raw[name])
            except Doubtful as exc:
                _set_aside(row, name, raw[name], str(exc))
                continue
            # One column says both; with two columns, each says its own.
            if name == "sex" or "sex" not in raw:
                v["sex"] = sex
            if name == "gender" or "gender" not in raw:
                v["gender"] = gender

    if "email" in raw:
        parts = [p for p in str(raw["email"]).replace(",", ";").split(";") if p.strip()]
        try:
            v["email"] = f.parse_email(parts[0])
            if len(parts) > 1:
                _set_aside(row, "email", raw["email"], "More than one email; the first is kept.")
        except Doubtful as exc:
            _set_aside(row, "email", raw["email"], str(exc))
    _phones(row, raw)

    lines = [f.one_line(raw[n]) for n in ("address_1", "address_2", "address_3") if n in raw]
    if lines:
        address = ", ".join(line for line in lines if line)
        if len(address) > 200:
            _set_aside(row, "address_line", address, "Longer than 200 characters; shortened.")
        v["address_line"] = address[:200]
    if "suburb" in raw:
        v["suburb"] = f.one_line(raw["suburb"])[:80]
    if "state" in raw:
        try:
            v["state"] = f.parse_state(raw["state"])
        except Doubtful as exc:
            _set_aside(row, "state", raw["state"], str(exc))
    if "postcode" in raw:
        try:
            v["postcode"] = f.parse_postcode(raw["postcode"])
        except Doubtful as exc:
            _set_aside(row, "postcode", raw["postcode"], str(exc))

    notes = []
    if "notes" in raw:
        notes.append(f.multi_line(raw["notes"]))
    if "country" in raw and f.header_key(raw["country"]) not in ("australia", "au", "aus"):
        notes.append(f"Country: {f.one_line(raw['country'])}")
    _identifiers(row, raw)
    if "alerts" in raw:
        v["alerts"] = f.multi_line(raw["alerts"])
    if notes:
        v["notes"] = "\n".join(n for n in notes if n)

    _consent_and_status(row, raw, preset_key)
    if "to_check" in raw:  # our own export: what was set aside stays set aside
        import json

        try:
            kept = json.loads(raw["to_check"])
            if isinstance(kept, dict):
                row.to_check = {**kept, **row.to_check}
        except ValueError:
            pass

    identifying = ("date_of_birth", "mobile", "home_phone", "work_phone", "email",
                   "address_line", "source_id", "medicare_number", "dva_file_number", "number")
    if not any(v.get(n) for n in identifying) and not any(
            n in row.to_check for n in ("date_of_birth", "mobile", "phone", "home_phone",
                                        "work_phone", "email")):
        row.reject = ("Only a name: no date of birth, phone, email, address or ID to tell "
                      "this person apart.")
    return row


def _identifiers(row: Row, raw: dict) -> None:
    """Medicare, DVA, health fund, emergency contact, referring GP."""
    v = row.values
    for name, model_field in PLAIN_TEXT.items():
        if name in raw:
            text = f.one_line(raw[name])
            limit = Patient._meta.get_field(model_field).max_length
            if len(text) > limit:
                _set_aside(row, model_field, text, f"Longer than {limit} characters; shortened.")
            v[model_field] = text[:limit]
    if "medicare_number" in raw:
        digits = normalise_medicare_number(f.one_line(raw["medicare_number"]))
        if len(digits) == 11 and "medicare_irn" not in raw:  # card number and IRN together
            digits, raw["medicare_irn"] = digits[:10], digits[10]
        try:
            validate_medicare_number(digits)
            v["medicare_number"] = digits
        except ValidationError as exc:
            _set_aside(row, "medicare_number", raw["medicare_number"], " ".join(exc.messages))
    if "medicare_irn" in raw:
        irn = f.one_line(raw["medicare_irn"])
        if irn.isdigit() and 1 <= int(irn) <= 9:
            v["medicare_irn"] = int(irn)
        else:
            _set_aside(row, "medicare_irn", irn, "The IRN is a number from 1 to 9.")
    if v.get("medicare_number") and not v.get("medicare_irn") and "medicare_irn" not in \
            row.to_check:
        _set_aside(row, "medicare_irn", "", "The file gives the Medicare number without the "
                                            "IRN (the number beside the name on the card).")
    if "dva_number" in raw:
        dva = normalise_dva_file_number(f.one_line(raw["dva_number"]))
        try:
            validate_dva_file_number(dva)
            v["dva_file_number"] = dva
        except ValidationError as exc:
            _set_aside(row, "dva_file_number", raw["dva_number"], " ".join(exc.messages))
    if "dva_card_colour" in raw:
        colour = next((c for k, c in DVA_COLOURS.items()
                       if k in f.header_key(raw["dva_card_colour"])), None)
        if colour:
            v["dva_card_colour"] = colour
        else:
            _set_aside(row, "dva_card_colour", raw["dva_card_colour"],
                       "Not a DVA card colour (gold, white or orange).")
    if v.get("dva_file_number") and not v.get("dva_card_colour") and \
            "dva_card_colour" not in row.to_check:
        _set_aside(row, "dva_card_colour", "", "The file does not say the DVA card's colour.")
    phone_text = raw.get("emergency_phone")
    name = v.get("emergency_contact_name", "")
    if not phone_text and name:  # "Tom Nguyen 0400 000 222": the phone inside the name
        if m := re.search(r"(\+?\d[\d ()\-]{7,}\d)", name):
            phone_text = m[1]
            v["emergency_contact_name"] = f.one_line(name.replace(m[1], "")).strip(" ,;-")
    if phone_text:
        try:
            v["emergency_contact_phone"] = f.parse_phone(phone_text)
        except Doubtful as exc:
            _set_aside(row, "emergency_contact_phone", phone_text, str(exc))


def _phones(row: Row, raw: dict) -> None:
    v = row.values
    for name in ("mobile", "home_phone", "work_phone"):
        if name in raw:
            try:
                number = f.parse_phone(raw[name])
            except Doubtful as exc:
                _set_aside(row, name, raw[name], str(exc))
                continue
            if name == "mobile" and not number.startswith("+614"):
                try:
                    v["mobile"] = f.parse_phone(number, mobile=True)
                except Doubtful:
                    # A landline in the mobile column: keep it as the home phone.
                    if not raw.get("home_phone"):
                        v["home_phone"] = number
                    else:
                        _set_aside(row, "mobile", raw[name], "Not a mobile number.")
                continue
            v[name] = number
    if "phone" in raw:  # one "Phone" column: a mobile goes to mobile, anything else to home
        try:
            number = f.parse_phone(raw["phone"])
        except Doubtful as exc:
            _set_aside(row, "phone", raw["phone"], str(exc))
            return
        slot = "mobile" if number.startswith("+614") else "home_phone"
        if not v.get(slot):
            v[slot] = number
        elif not v.get("work_phone") and v.get(slot) != number:
            v["work_phone"] = number


def _consent_and_status(row: Row, raw: dict, preset_key: str) -> None:
    v = row.values
    sms = f.parse_flag(raw["sms_consent"]) if "sms_consent" in raw else None
    email = f.parse_flag(raw["email_consent"]) if "email_consent" in raw else None
    if "reminders" in raw:
        said = f.header_key(raw["reminders"])
        if said in ("none", "no", "off", "never", "optedout"):
            sms = False if sms is None else sms
            email = False if email is None else email
        else:
            if sms is None and "sms" in said or "text" in said:
                sms = True
            if email is None and "email" in said:
                email = True
            if said and sms is None:
                sms = False
            if said and email is None:
                email = False
    known = sms is not None and email is not None
    v["sms_consent"] = bool(sms)
    v["email_consent"] = bool(email)
    v["consent_source"] = "file" if known else "unknown"
    if preset_key == "ncc":  # our own export says where its consent came from
        said = f.one_line(raw.get("consent_source", ""))
        v["consent_source"] = said if said in ("file", "unknown") else ""

    archived = deceased = False
    if "status" in raw:
        said = f.header_key(raw["status"])
        deceased = said in STATUS_DECEASED
        archived = deceased or said in STATUS_ARCHIVED
    if "archived" in raw and f.is_set(raw["archived"]):
        archived = True
    if "deceased" in raw and f.is_set(raw["deceased"]):
        deceased = archived = True
    v["archived"] = archived
    v["deceased"] = deceased
    if deceased:
        v["sms_consent"] = v["email_consent"] = False


# -- a whole file -----------------------------------------------------------------------------
@dataclass
class Check:
    """What importing a file does (or did): counts, and the rows that were not plain creates."""
    headers: list
    mapping: dict
    preset: str
    encoding: str
    counts: dict = field(default_factory=lambda: {
        "create": 0, "update": 0, "unchanged": 0, "duplicate": 0, "reject": 0, "flagged": 0,
        "consent_unknown": 0})
    sample: list = field(default_factory=list)
    report: list = field(default_factory=list)  # rows not simply created: line/outcome/reason

    @property
    def total(self) -> int:
        c = self.counts
        return c["create"] + c["update"] + c["unchanged"] + c["duplicate"] + c["reject"]


def open_job_file(job: PatientImport):
    """The job's table, its preset and the column mapping to use."""
    content = bytes(job.content)
    preset = f.PRESETS.get(job.preset)
    table = f.read_table(content, job.file_name, preset)
    if preset is None:
        preset = f.detect_preset(table.headers)
        if preset.delimiter is None or not f.is_xlsx(content, job.file_name):
            table = f.read_table(content, job.file_name, preset)
    mapping = {**auto_mapping(table.headers), **(job.mapping or {})}
    targets = set(mapping.values())
    if not ({"first_name", "last_name"} <= targets or "full_name" in targets):
        raise ImportFileError(
            "The file needs columns for the first and last names (or one with the full name). "
            f"Its columns are: {', '.join(h for h in table.headers if h)}. Choose below which "
            "columns hold the names.")
    return table, preset, mapping


def _rows(table, mapping: dict, *, today: date, preset_key: str) -> Iterator[Row]:
    index = {h: i for i, h in enumerate(table.headers)}
    single = [(h, t) for h, t in mapping.items() if t not in (IGNORE, NOTES) and h in index]
    to_notes = [h for h, t in mapping.items() if t == NOTES and h in index]
    for line, cells, formula_cols in table:
        mapped, formula_fields = {}, set()
        for header, target in single:
            i = index[header]
            if i < len(cells):
                mapped[target] = cells[i]
                if i in formula_cols:
                    formula_fields.add(target)
        extra, formula_notes = [], []
        for header in to_notes:
            i = index[header]
            cell = cells[i] if i < len(cells) else ""
            text = f.multi_line(cell) if not isinstance(cell, date) else f"{cell:%d/%m/%Y}"
            if text and (i in formula_cols or f.looks_like_formula(text)):
                formula_notes.append((header, text))
            elif text:
                extra.append(f"{header}: {text}")
        if extra:
            notes = str(mapped.get("notes") or "").strip()
            mapped["notes"] = "\n".join([notes, *extra] if notes else extra)
        row = clean_row(line, mapped, formula_fields, today=today, preset_key=preset_key)
        for header, text in formula_notes:
            _set_aside(row, header, text, "Looks like a spreadsheet formula; not imported.")
        yield row


class _Matcher:
    """Finds the patient on file a row is (by source ID, our number, or name and DOB)."""

    def __init__(self, source_system: str, numbers: bool):
        self.source_system = source_system
        self.by_source = dict(Patient.objects.filter(source_system=source_system)
                              .exclude(source_id="").values_list("source_id", "pk"))
        self.by_number = {}
        if numbers:
            self.by_number = {n: (pk, fn.casefold(), ln.casefold()) for n, pk, fn, ln in
                              Patient.objects.values_list("number", "pk", "first_name",
                                                          "last_name")}
        self.by_name = {}
        for pk, first, last, dob, number in Patient.objects.values_list(
                "pk", "first_name", "last_name", "date_of_birth", "number"):
            self.by_name.setdefault((f.one_line(first).casefold(), f.one_line(last).casefold(),
                                     dob), (pk, f"{first} {last} #{number}"))
        self.seen_source, self.seen_name = {}, {}

    def match(self, row: Row, skip_duplicates: bool) -> None:
        v = row.values
        sid = v.get("source_id")
        if sid:
            seen_key = (v.get("source_system", ""), sid)
            if seen_key in self.seen_source:
                row.outcome, row.note = "reject", (f"Same ID {sid} as line "
                                                   f"{self.seen_source[seen_key]}.")
                return
            self.seen_source[seen_key] = row.line
            if sid in self.by_source:
                row.outcome, row.existing_pk = "update", self.by_source[sid]
                return
        number = v.get("number")
        if number and number in self.by_number:
            pk, first, last = self.by_number[number]
            if (first, last) == (v["first_name"].casefold(), v["last_name"].casefold()):
                row.outcome, row.existing_pk = "update", pk
                return
        key = _dob_key(row)
        if key in self.by_name:
            pk, label = self.by_name[key]
            row.outcome, row.note = "duplicate", f"Same name and date of birth as {label}."
            if not skip_duplicates:
                row.outcome = "create"
            return
        if key in self.seen_name and key[2] is not None:
            row.outcome, row.note = "duplicate", (f"Same name and date of birth as line "
                                                  f"{self.seen_name[key]}.")
            if not skip_duplicates:
                row.outcome = "create"
            return
        self.seen_name[key] = row.line
        row.outcome = "create"


COMPARED = ["title", "first_name", "middle_name", "last_name", "preferred_name",
            "date_of_birth", "sex", "email", "mobile", "home_phone", "work_phone",
            "address_line", "suburb", "state", "postcode", "alerts", "notes", "sms_consent",
            "email_consent", "consent_source", "archived", "deceased", "registered_on",
            "to_check", "gender", "medicare_number", "medicare_irn", "dva_file_number",
            "dva_card_colour", "emergency_contact_phone", *PLAIN_TEXT.values()]


def _changes(patient: Patient, row: Row) -> dict:
    changes = {}
    wanted = {**row.values, "to_check": {**patient.to_check, **row.to_check}}
    for name in COMPARED:
        if name in wanted and _model_has(name) and getattr(patient, name) != wanted[name]:
            changes[name] = wanted[name]
    return changes


def _json_value(value):
    return value.isoformat() if isinstance(value, date) else value


def process(job: PatientImport, *, write: bool, progress: Callable | None = None,
            today: date | None = None) -> Check:
    """Go through the job's file in batches; with write=False only count (the dry run)."""
    today = today or timezone.localdate()
    table, preset, mapping = open_job_file(job)
    check = Check(table.headers, mapping, preset.key, table.encoding)
    matcher = _Matcher(preset.key, numbers=preset.key == "ncc")
    creates, updates, done = [], [], 0

    def flush():
        nonlocal creates, updates
        changed = _changed_patients(job, updates, check)
        if write:
            _write_batch(job, creates, changed, preset.key)
        creates, updates = [], []
        if progress:
            progress(done, check)

    for row in _rows(table, mapping, today=today, preset_key=preset.key):
        done += 1
        if row.reject:
            row.outcome = "reject"
        else:
            matcher.match(row, job.skip_duplicates)
        if row.outcome == "update":
            updates.append(row)  # counted as update or unchanged once compared
        else:
            check.counts[row.outcome] += 1
        if row.outcome == "create":
            creates.append(row)
            if len(check.sample) < 10:
                check.sample.append(row)
            if row.values.get("consent_source") == "unknown":
                check.counts["consent_unknown"] += 1
        if row.to_check and row.outcome in ("create", "update"):
            check.counts["flagged"] += 1
        if row.outcome in ("reject", "duplicate") or row.to_check:
            reason = row.reject or row.note or "; ".join(
                f"{k.replace('_', ' ')}: {c['reason']}" for k, c in row.to_check.items())
            check.report.append({"line": row.line, "outcome": row.outcome,
                                 "name": row.name, "reason": reason})
        if len(creates) + len(updates) >= BATCH:
            flush()
    flush()
    return check


def _changed_patients(job, updates: list[Row], check: Check) -> list:
    """[(patient, {field: new value})] for the matched rows that change something."""
    if not updates:
        return []
    existing = Patient.objects.in_bulk([r.existing_pk for r in updates])
    changed = []
    for row in updates:
        patient = existing[row.existing_pk]
        changes = _changes(patient, row)
        check.counts["update" if changes else "unchanged"] += 1
        if changes:
            changed.append((patient, changes))
    return changed


def _write_batch(job, creates: list[Row], changed: list, source_system: str) -> None:
    with transaction.atomic():
        patients = []
        if creates:
            own = {}
            if source_system == "ncc":  # our own export: keep its numbers where they are free
                wanted = {r.values["number"]: r for r in creates if r.values.get("number")}
                taken = set(Patient.objects.filter(number__in=list(wanted))
                            .values_list("number", flat=True))
                own = {id(r): n for n, r in wanted.items() if n not in taken}
                if own:
                    seq, _ = NumberSequence.objects.select_for_update().get_or_create(
                        name=PATIENT_NUMBER_SEQUENCE,
                        defaults={"last_value": FIRST_PATIENT_NUMBER - 1})
                    if seq.last_value < max(own.values()):
                        seq.last_value = max(own.values())
                        seq.save(update_fields=["last_value"])
            numbers = iter(NumberSequence.next_block(
                PATIENT_NUMBER_SEQUENCE, len(creates) - len(own), start=FIRST_PATIENT_NUMBER))
            clinics = {c.short_name.casefold(): c.pk for c in Clinic.objects.all()}
            for row in creates:
                values = {k: val for k, val in row.values.items()
                          if k not in ("number", "source_system", "home_clinic")
                          and _model_has(k)}
                system = row.values.get("source_system", "") if source_system == "ncc" \
                    else source_system
                clinic_id = clinics.get(row.values.get("home_clinic", "").casefold(),
                                        job.home_clinic_id)
                patient = Patient(home_clinic_id=clinic_id, import_job=job,
                                  source_system=system if values.get("source_id") else "",
                                  to_check=row.to_check, **values)
                patient.number = own.get(id(row)) or next(numbers)
                patient.search_text = patient.build_search_text()
                patients.append(patient)
            Patient.objects.bulk_create(patients, batch_size=1000)
        if changed:
            now = timezone.now()
            for patient, changes in changed:
                job.before.setdefault(str(patient.pk), {
                    n: _json_value(getattr(patient, n)) for n in changes})
                for name, value in changes.items():
                    setattr(patient, name, value)
                patient.search_text = patient.build_search_text()
                patient.updated_at = now
            fields = sorted({n for _p, c in changed for n in c} | {"search_text", "updated_at"})
            Patient.objects.bulk_update([p for p, _c in changed], fields, batch_size=500)
        job.created += len(patients)
        job.save(update_fields=["created", "before"])


# -- the job ----------------------------------------------------------------------------------
def create_job(*, content: bytes, file_name: str, home_clinic, actor, preset: str = "",
               skip_duplicates: bool = True, kind=PatientImport.Kind.PATIENTS) -> PatientImport:
    """Keep an upload as a job after checking that it can be read at all."""
    job = PatientImport(kind=kind, content=content, file_name=file_name[:200],
                        home_clinic=home_clinic, preset=preset,
                        skip_duplicates=skip_duplicates, created_by=actor)
    if kind == PatientImport.Kind.PATIENTS:
        table = f.read_table(content, file_name, f.PRESETS.get(preset))
        if not preset:
            job.preset = f.detect_preset(table.headers).key
        job.mapping = auto_mapping(table.headers)
    job.save()
    return job


def dry_run(job: PatientImport) -> Check:
    check = process(job, write=False)
    PatientImport.objects.filter(pk=job.pk).update(total=check.total)
    return check


class ImportAlreadyDone(Exception):
    """The checked file was imported already (a second click, or two people at once)."""


def start_import(job_id, *, actor) -> PatientImport:
    """Queue the checked job once (the row is locked, so a double click queues it once)."""
    from .tasks import run_patient_import

    with transaction.atomic():
        job = (PatientImport.objects.select_for_update()
               .filter(pk=job_id, status=PatientImport.Status.PREVIEWED).first())
        if job is None:
            raise ImportAlreadyDone
        job.status = PatientImport.Status.QUEUED
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "heartbeat_at"])
        transaction.on_commit(lambda: run_patient_import.enqueue(job.pk, getattr(actor, "pk",
                                                                                 None)))
    return job


def run_import_job(job_id, *, actor=None, progress: Callable | None = None) -> PatientImport:
    """Import a queued job in committed batches, keeping its progress for the page."""
    with transaction.atomic():
        job = (PatientImport.objects.select_for_update().select_related("home_clinic")
               .get(pk=job_id))
        if job.status not in (PatientImport.Status.QUEUED, PatientImport.Status.PREVIEWED):
            return job
        job.status = PatientImport.Status.RUNNING
        job.heartbeat_at = timezone.now()
        job.counts = {}
        job.save(update_fields=["status", "heartbeat_at", "counts"])

    def on_progress(done, check):
        PatientImport.objects.filter(pk=job.pk).update(processed=done,
                                                       heartbeat_at=timezone.now())
        if progress:
            progress(done, check)

    try:
        if not job.total:
            job.total = process(job, write=False).total
            PatientImport.objects.filter(pk=job.pk).update(total=job.total)
        check = process(job, write=True, progress=on_progress)
    except ImportFileError as exc:
        _fail(job, " ".join(exc.messages), actor)
        raise
    except Exception as exc:
        _fail(job, f"The import stopped ({type(exc).__name__}). The patients created before "
                   "it stopped are listed by the job; undo removes them.", actor)
        raise
    job.status = PatientImport.Status.IMPORTED
    job.counts = check.counts
    job.skipped = check.report
    job.processed = check.total
    job.imported_at = timezone.now()
    job.save()
    c = check.counts
    record(actor, AuditEvent.Action.CREATE, job,
           f"Imported {job.file_name}: {c['create']} patients created, {c['update']} updated, "
           f"{c['reject']} rejected, {c['duplicate']} duplicates skipped",
           {"job": job.pk, **c})
    return job


def _fail(job, message: str, actor) -> None:
    job.refresh_from_db(fields=["created", "before"])
    job.status, job.message = PatientImport.Status.FAILED, message
    job.save(update_fields=["status", "message"])
    record(actor, AuditEvent.Action.OTHER, job, f"Import of {job.file_name} failed: {message}")


def import_file(content: bytes, *, file_name: str = "patients.csv", home_clinic, actor,
                preset: str = "", skip_duplicates: bool = True,
                mapping: dict | None = None) -> PatientImport:
    """Create, check and run a job in one go (the command line, tests)."""
    job = create_job(content=content, file_name=file_name, home_clinic=home_clinic,
                     actor=actor, preset=preset, skip_duplicates=skip_duplicates)
    if mapping:
        job.mapping = {**job.mapping, **mapping}
        job.save(update_fields=["mapping"])
    return run_import_job(job.pk, actor=actor)


class UndoError(Exception):
    pass


def _referenced(ids_qs) -> set:
    """Patients (of `ids_qs`) that any other row points at: those stay."""
    kept = set()
    for rel in Patient._meta.related_objects:
        if rel.related_model is PatientImport:
            continue
        model, name = rel.related_model, rel.field.name
        kept |= set(model._default_manager.filter(**{f"{name}__in": ids_qs})
                    .values_list(name, flat=True).distinct())
    return kept


@transaction.atomic
def undo_import(job_id, *, actor) -> dict:
    """Remove the patients the job created (unless something now refers to them) and put
    back the values of the patients it changed. Returns what it did."""
    job = PatientImport.objects.select_for_update().get(pk=job_id)
    if job.status not in (PatientImport.Status.IMPORTED, PatientImport.Status.FAILED):
        raise UndoError("Only an import that ran can be undone.")
    created = Patient.objects.filter(import_job=job)
    kept = _referenced(created.values("pk"))
    removed, _ = created.exclude(pk__in=kept).delete()
    restored = 0
    for pk, values in job.before.items():
        patient = Patient.objects.filter(pk=pk).first()
        if patient is None:
            continue
        for name, value in values.items():
            if name in ("date_of_birth", "registered_on") and value:
                value = date.fromisoformat(value)
            setattr(patient, name, value)
        patient.save()
        restored += 1
    job.status = PatientImport.Status.UNDONE
    job.undone_at, job.undone_by = timezone.now(), actor if getattr(actor, "pk", None) else None
    job.message = (f"Undone: {removed} patients removed, {restored} put back as they were"
                   + (f"; {len(kept)} kept because appointments or other records now refer "
                      "to them" if kept else "") + ".")
    job.save(update_fields=["status", "undone_at", "undone_by", "message"])
    record(actor, AuditEvent.Action.OTHER, job, f"Undid import {job.file_name}: {job.message}",
           {"removed": removed, "restored": restored, "kept": len(kept)})
    return {"removed": removed, "restored": restored, "kept": len(kept)}


REPORT_COLUMNS = ["line", "outcome", "name", "reason"]


def report_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = safe_csv_writer(out)
    writer.writerow(REPORT_COLUMNS)
    writer.writerows([r.get(c, "") for c in REPORT_COLUMNS] for r in rows)
    return out.getvalue()
