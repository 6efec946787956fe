"""Phone numbers: parsed with phonenumbers, stored in E.164, region AU unless a number says +xx."""

import phonenumbers
from django.core.exceptions import ValidationError

DEFAULT_REGION = "AU"


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return `raw` as E.164 (+61412345678) or raise ValidationError with a sentence for people."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Enter a phone number such as 0412 345 678 or +61 412 345 678.", code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "%(raw)s is not a valid phone number.", code="invalid_phone", params={"raw": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_mobile_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """Like to_e164 but the number must be an Australian mobile (SMS goes to it through an
    Australian gateway; +1 202 555 0100 is a valid number but no patient's AU mobile)."""
    e164 = to_e164(raw, region)
    if not e164:
        return ""
    parsed = phonenumbers.parse(e164)
    if phonenumbers.region_code_for_number(parsed) != region:
        raise ValidationError(
            "%(raw)s is not an Australian mobile; enter a mobile such as 0412 345 678.",
            code="not_au_mobile", params={"raw": raw})
    kind = phonenumbers.number_type(parsed)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            "%(raw)s is not a mobile number; enter a mobile such as 0412 345 678.",
            code="not_mobile",
            params={"raw": raw},
        )
    return e164


def display(e164: str) -> str:
    """Format a stored number the way Australians write it (0412 345 678)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 61:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_e164(value: str) -> None:
    if value and to_e164(value) != value:
        raise ValidationError("Store phone numbers in E.164, e.g. +61412345678.")
