"""Answers to a note's questions: cleaned against the note's own copy of the questions, shown as
text, and the diabetic foot risk category suggested from the findings."""

from datetime import date
from decimal import Decimal, InvalidOperation

from .models import FEET
from .shipped import RISK_REVIEW_INTERVAL

MAX_TEXT = 10_000


def questions(schema):
    for section in schema:
        yield from section.get("questions", [])


def _clean_one(question, raw):
    kind = question["kind"]
    if kind == "checkboxes":
        values = raw if isinstance(raw, list) else ([raw] if raw else [])
        return [v for v in question.get("options", []) if v in values]
    if isinstance(raw, list):  # a form posts every field as a list
        raw = raw[-1] if raw else ""
    raw = "" if raw is None else str(raw).strip()
    if kind == "choice":
        return raw if raw in question.get("options", []) else ""
    if kind == "number":
        if not raw:
            return ""
        try:
            value = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            return None
        return format(value, "f") if value.is_finite() else None
    if kind == "date":
        if not raw:
            return ""
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            return None
    return raw[:MAX_TEXT]


def clean_answers(schema, raw: dict) -> tuple[dict, dict]:
    """(answers, errors): only the note's questions, each value of its kind. `raw` maps a key (or
    key + "__left"/"__right" for a per-foot question) to a string or list of strings."""
    answers, errors = {}, {}
    for question in questions(schema):
        key = question["key"]
        if question.get("per_foot"):
            pair = {}
            for foot, _label in FEET:
                value = _clean_one(question, raw.get(f"{key}__{foot}"))
                if value is None:
                    errors[f"{key}__{foot}"] = _kind_error(question)
                    value = ""
                pair[foot] = value
            if any(pair.values()):
                answers[key] = pair
        else:
            value = _clean_one(question, raw.get(key))
            if value is None:
                errors[key] = _kind_error(question)
            elif value not in ("", []):
                answers[key] = value
    return answers, errors


def _kind_error(question) -> str:
    if question["kind"] == "number":
        return f"{question['label']}: enter a number."
    return f"{question['label']}: enter a date."


def _as_text(question, value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    unit = question.get("unit") or ""
    if question["kind"] == "number" and value and unit:
        return f"{value} {unit}" if unit not in ("%", "°", "/10") else f"{value}{unit}"
    return str(value)


def display_value(question, value) -> str:
    if question.get("per_foot") and isinstance(value, dict):
        parts = [f"{label}: {_as_text(question, value.get(foot))}" for foot, label in FEET
                 if value.get(foot) not in (None, "", [])]
        return "; ".join(parts)
    return _as_text(question, value)


def body_text(schema, answers: dict) -> str:
    lines = []
    for section in schema:
        shown = [(q, answers[q["key"]]) for q in section.get("questions", [])
                 if answers.get(q["key"]) not in (None, "", [], {})]
        if shown:
            lines.append(section["title"].upper())
            lines.extend(f"{q['label']}: {display_value(q, v)}" for q, v in shown)
    return "\n".join(lines)


def suggested_risk(answers: dict) -> tuple[str, str] | None:
    """(category, review interval) from a diabetic foot assessment's findings, or None before
    the neurological and vascular findings are in.

    Loss of protective sensation (LOPS): any monofilament site not felt. Peripheral artery
    disease (PAD): a DP or PT pulse absent or diminished. Low: neither. Moderate: LOPS or PAD, or
    a deformity. High: LOPS or PAD together with a previous ulcer, amputation or end-stage kidney
    disease, or LOPS with PAD."""
    monofilament = answers.get("monofilament_not_felt")
    pulses = [answers.get("dp_pulse"), answers.get("pt_pulse")]
    if monofilament is None and not any(pulses):
        return None
    lops = any((monofilament or {}).get(foot) for foot, _ in FEET)
    pad = any(p and p.get(foot) in ("Absent", "Diminished") for p in pulses for foot, _ in FEET)
    deformity = any((answers.get("deformity") or {}).get(foot) == "Yes" for foot, _ in FEET)
    history = any(answers.get(k) == "Yes" for k in
                  ("previous_ulcer", "previous_amputation", "kidney_failure"))
    if (lops or pad) and (history or (lops and pad)):
        category = "High"
    elif lops or pad or deformity:
        category = "Moderate"
    else:
        category = "Low"
    return category, RISK_REVIEW_INTERVAL[category]
