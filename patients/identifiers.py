"""Australian patient identifiers: Medicare card number and IRN, DVA file number.

The Medicare card number is ten digits: eight identifying digits (the first 2 to 6), a check
digit, and the card's issue number. The check digit is the sum of the first eight digits weighted
1, 3, 7, 9, 1, 3, 7, 9, modulo 10 (Services Australia, "Medicare card number check digit").
The individual reference number (IRN) is the patient's position on the card, 1 to 9.
"""

import re

from django.core.exceptions import ValidationError

MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)

# State code (N NSW/ACT, V Vic, Q Qld, S SA/NT, W WA, T Tas), then the war/service code letters,
# then the number, sometimes a trailing segment letter: e.g. NX123456, VSM1234, QX901234A.
DVA_FILE_RE = re.compile(r"^[NVQSWT][A-Z]{0,3}\d{1,6}[A-Z]?$")


def medicare_check_digit(first_eight: str) -> int:
    return sum(int(d) * w for d, w in zip(first_eight, MEDICARE_WEIGHTS, strict=True)) % 10


def normalise_medicare_number(raw: str) -> str:
    """Digits only: people type '2123 45670 1' or '2123-45670-1'."""
    return re.sub(r"[\s-]", "", raw or "")


def validate_medicare_number(value: str) -> None:
    """Raise ValidationError with a sentence for people unless `value` (digits only, as stored)
    is a well-formed Medicare card number."""
    if not value:
        return
    if not value.isdigit() or len(value) != 10:
        raise ValidationError("A Medicare card number has 10 digits, e.g. 2123 45670 1.",
                              code="medicare_length")
    if value[0] not in "23456":
        raise ValidationError("A Medicare card number starts with 2, 3, 4, 5 or 6.",
                              code="medicare_first_digit")
    if medicare_check_digit(value[:8]) != int(value[8]):
        raise ValidationError("This Medicare card number is not valid (its check digit does not "
                              "match); check it against the card.", code="medicare_check_digit")
    if value[9] == "0":
        raise ValidationError("The last digit of a Medicare card number (the issue number) "
                              "cannot be 0.", code="medicare_issue")


def is_valid_medicare_number(value: str) -> bool:
    try:
        validate_medicare_number(normalise_medicare_number(value))
    except ValidationError:
        return False
    return bool(value)


def validate_medicare_irn(value) -> None:
    if value in (None, ""):
        return
    if not (1 <= int(value) <= 9):
        raise ValidationError("The IRN is the number beside the patient's name on the card, 1 "
                              "to 9.", code="medicare_irn")


def normalise_dva_file_number(raw: str) -> str:
    return re.sub(r"\s", "", raw or "").upper()


def validate_dva_file_number(value: str) -> None:
    if value and (len(value) > 9 or not DVA_FILE_RE.match(value)):
        raise ValidationError("A DVA file number is a state letter, up to three letters and up to "
                              "six digits, e.g. NX123456 or QSS12345.", code="dva_file_number")
