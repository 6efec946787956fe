"""Xero allows 5 calls in flight per organisation, whichever NCC process makes them: on
PostgreSQL the web, worker and scheduler processes share one set of slots (advisory locks on a
connection of each process's own); on SQLite there is one process and its pacer is the limit."""

import pytest
from django.db import connection

from xero.client import OrgSlots, XeroUnavailable, org_slots

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one process: the in-process pacer is the limit")


def test_a_process_waits_for_the_slots_another_process_holds(postgres_only):
    ours, theirs = OrgSlots("tenant-a", 5), OrgSlots("tenant-a", 5)  # two processes
    try:
        held = [theirs.acquire(1.0) for _ in range(5)]
        assert sorted(held) == [0, 1, 2, 3, 4]
        with pytest.raises(XeroUnavailable):
            ours.acquire(0.1)  # all five are in flight elsewhere: nothing is sent
        theirs.release(held[2])
        assert ours.acquire(1.0) == held[2]
        assert OrgSlots("tenant-b", 5).acquire(0.1) == 0  # another organisation is not held up
    finally:
        for slots in (ours, theirs):
            if slots.conn is not None:
                slots.conn.close()  # a process that ends frees its slots


def test_one_process_never_counts_a_slot_twice(postgres_only):
    slots = OrgSlots("tenant-c", 2)
    try:
        assert {slots.acquire(1.0), slots.acquire(1.0)} == {0, 1}
        with pytest.raises(XeroUnavailable):
            slots.acquire(0.1)  # advisory locks are re-entrant: we must not take slot 0 again
    finally:
        slots.conn.close()


def test_sqlite_has_no_shared_slots():
    if connection.vendor == "postgresql":
        assert org_slots("tenant-d") is not None
    else:
        assert org_slots("tenant-d") is None
