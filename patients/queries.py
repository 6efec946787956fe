"""Reads of patients that several views and the API share."""

import re
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from .models import Patient

PHONE_FRAGMENT = re.compile(r"^\+?[\d()\-]*\d[\d()\-]*$")
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")


def parse_search_date(token: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


def search_patients(query: str, qs: QuerySet | None = None) -> QuerySet:
    """Patients matching every word of `query`: part of a name, of the email, mobile digits, or a
    date of birth (12/03/1980). Words combine with AND, so "smi 0412" finds John Smith on 0412...

    Each word is a LIKE on the indexed `search_text` column (a trigram index on PostgreSQL), so the
    query is one indexed scan whatever the number of patients.
    """
    qs = Patient.objects.all() if qs is None else qs
    for raw in query.split():
        token = raw.strip().lower()
        if not token:
            continue
        day = parse_search_date(token)
        if day is not None:
            qs = qs.filter(date_of_birth=day)
            continue
        if PHONE_FRAGMENT.match(token):
            # 0412-345, (02) 9 or +61412: compare digits only; search_text holds both the
            # national (0412...) and the international (61412...) digits of the mobile.
            qs = qs.filter(search_text__contains=re.sub(r"\D", "", token))
            continue
        qs = qs.filter(search_text__contains=token)
    # Sorting on lower-cased names, which no index covers, makes PostgreSQL narrow the rows with
    # the trigram index first and sort the few matches; ordering on the indexed (last_name,
    # first_name) would walk the whole name index and filter as it goes, slow for "zhan".
    return qs.order_by(Lower("last_name"), Lower("first_name"), "number")


def likely_duplicates(first_name: str, last_name: str, date_of_birth: date,
                      exclude_pk=None) -> QuerySet:
    """Patients with the same date of birth and the same (or nearly the same) name."""
    qs = Patient.objects.filter(date_of_birth=date_of_birth, archived=False).filter(
        Q(last_name__iexact=last_name.strip())
        | Q(first_name__iexact=first_name.strip(), last_name__istartswith=last_name.strip()[:3])
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("last_name", "first_name")
