from datetime import datetime

import pytest

from ncc import testing
from xero.models import XeroItemMapping, XeroTrackingMapping
from xero.tests.conftest import fake_xero, xero_connection  # noqa: F401 (fixtures)


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
def xero_ready(fake_xero, xero_connection, review_type, sydney_cbd):  # noqa: F811
    """The fake Xero with invoices and payments, connected, the Review type and Sydney CBD
    mapped (account 200, GST on income; Location: Sydney CBD)."""
    XeroItemMapping.objects.create(appointment_type=review_type, account_code="200",
                                   tax_type="OUTPUT")
    category = fake_xero.org.tracking[0]
    option = next(o for o in category["Options"] if o["Name"] == "Sydney CBD")
    XeroTrackingMapping.objects.create(
        clinic=sydney_cbd, category_id=category["TrackingCategoryID"],
        category_name=category["Name"], option_id=option["TrackingOptionID"],
        option_name=option["Name"])
    return fake_xero


@pytest.fixture
def roles_applied(transactional_db):
    """The role Groups with their permissions (the root conftest repairs them after an earlier
    transactional test's flush; this fixture names the dependency)."""
