"""Exactly once, by construction, for writes to Xero (invoices, payments, credit notes, refunds).

- A worker claims the link rows it is about to push with one conditional UPDATE (a lease that
  runs out, so a crashed worker's rows come back); the task, the periodic sweep and the
  "Send now" / "Check again" buttons all claim first, and a row another worker holds is skipped.
  The lease is renewed, again conditionally, before every write: a worker whose lease was lost
  sends nothing.
- `outcome_unknown` and `sent_at` are committed before the write goes out. Until a lookup by our
  own number finds the record, or finds nothing once Xero's visibility delay
  (XERO_SETTLE_SECONDS after `sent_at`) has passed, the row is never sent again.
- Idempotency-Keys come from our numbers, never from the attempt (see `batch_key`).
"""

import hashlib
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone


def new_token() -> str:
    return uuid.uuid4().hex


def lease() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "XERO_CLAIM_SECONDS", 300)))


def settle_delay() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "XERO_SETTLE_SECONDS", 120)))


def settle_wait_bound() -> float:
    """How long one push may wait for unknown outcomes to become checkable before it leaves
    them to the sweep (and to the "Check again" button)."""
    return float(getattr(settings, "XERO_SETTLE_WAIT_SECONDS", 30))


def claim(model, pks, token: str) -> set:
    """Claim the rows no one else holds (or whose lease ran out); returns the pks now ours."""
    pks = list(pks)
    if not pks:
        return set()
    now = timezone.now()
    model.objects.filter(pk__in=pks).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now) | Q(claimed_by=token)
    ).update(claimed_by=token, claimed_until=now + lease())
    return set(model.objects.filter(pk__in=pks, claimed_by=token).values_list("pk", flat=True))


def renew(model, pks, token: str) -> set:
    """Extend our lease on these rows; returns those still ours (only they may be sent)."""
    pks = list(pks)
    now = timezone.now()
    model.objects.filter(pk__in=pks, claimed_by=token, claimed_until__gte=now).update(
        claimed_until=now + lease())
    return set(model.objects.filter(pk__in=pks, claimed_by=token).values_list("pk", flat=True))


def release(model, token: str) -> None:
    model.objects.filter(claimed_by=token).update(claimed_by="", claimed_until=None)


def settled(link, now=None) -> bool:
    """Whether a lookup that finds nothing means the write was not applied: Xero's visibility
    delay has passed since it went out."""
    if link.sent_at is None:
        return True
    return (now or timezone.now()) >= link.sent_at + settle_delay()


def settles_at(link):
    return (link.sent_at or timezone.now()) + settle_delay()


def wait_until_checkable(links, started: float) -> bool:
    """Wait (bounded) until the earliest unknown outcome among `links` can be settled by a
    lookup. False when that is further away than the push may still wait."""
    if not links:
        return False
    target = min(settles_at(link) for link in links)
    seconds = (target - timezone.now()).total_seconds()
    if seconds <= 0:
        return True
    if time.monotonic() - started + seconds > settle_wait_bound():
        return False
    time.sleep(seconds + 0.05)  # a worker waiting for Xero, never a test
    return True


def batch_key(prefix: str, element_keys, body=None) -> str:
    """The Idempotency-Key of a request, from our numbers and never the attempt: the element's
    own key for one element, else a digest of the sorted element keys; with the body's digest
    appended, so a body corrected after Xero refused it (nothing applied) is not taken for a
    different body under a used key."""
    import json

    keys = sorted(element_keys)
    tail = ""
    if body is not None:
        tail = "-" + hashlib.sha256(json.dumps(body, sort_keys=True, default=str)
                                    .encode()).hexdigest()[:16]
    if len(keys) == 1:
        return (keys[0][:100] + tail)[:128]
    return prefix + hashlib.sha256(",".join(keys).encode()).hexdigest()[:48] + tail
