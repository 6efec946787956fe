"""One time format everywhere: "9:15 am" (lower case, no dots, no leading zero).

Django's own format characters give "p.m." (a) or "PM" (A); these filters give the practice's
style. Like |date, they convert an aware datetime to the current time zone first, so a value that
is already in a clinic's zone (appointment.local_starts_at) keeps its wall-clock time.
"""

from datetime import datetime, time

from django import template
from django.utils import dateformat

register = template.Library()


def clock_text(value: datetime | time) -> str:
    """9:15 am; 12:00 pm at noon; 12:05 am just after midnight."""
    return f"{value.hour % 12 or 12}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


@register.filter(expects_localtime=True, is_safe=False)
def clock(value):
    """{{ appointment.local_starts_at|clock }} -> 9:15 am"""
    if not isinstance(value, (datetime, time)):
        return ""
    return clock_text(value)


@register.filter(expects_localtime=True, is_safe=False)
def stamp(value, date_format="j M Y"):
    """{{ invoice.created_at|stamp }} -> 3 Dec 2026, 9:15 am;
    {{ a.local_starts_at|stamp:"D j M Y" }} -> Thu 3 Dec 2026, 9:15 am"""
    if not isinstance(value, datetime):
        return ""
    return f"{dateformat.format(value, date_format)}, {clock_text(value)}"
