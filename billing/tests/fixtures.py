"""Billing's fixtures as a plain module, so the xero app's tests can use them without importing
billing's conftest (which imports xero's)."""

from datetime import datetime

import pytest

from ncc import testing


@pytest.fixture
def review_type(db):
    """Billing's tests written before tax treatment followed the type bill a Review with 10% GST
    (their sums, like $75.00 incl. $6.82 GST, exercise Xero's rounding); the GST-free default
    has tests of its own (test_tax_treatment.py)."""
    return testing.make_type("Review", 30, "75.00", tax_treatment="taxable")


@pytest.fixture
def visit_start(sydney_cbd):
    return datetime(2026, 3, 3, 9, 15, tzinfo=sydney_cbd.tz)


@pytest.fixture
def completed_visit(john_smith, ben_clinician, sydney_cbd, review_type, visit_start):
    """John Smith's 30-minute review with Ben, done: ready to invoice ($75.00 incl. GST)."""
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    visit_start, status="completed")


@pytest.fixture
def roles_applied(transactional_db):
    """The role Groups with their permissions (the root conftest repairs them after an earlier
    transactional test's flush; this fixture names the dependency)."""
