from datetime import datetime

import pytest

from ncc import testing


@pytest.fixture
def visit_start(sydney_cbd):
    return datetime(2026, 3, 3, 9, 15, tzinfo=sydney_cbd.tz)


@pytest.fixture
def completed_visit(john_smith, ben_clinician, sydney_cbd, review_type, visit_start):
    """John Smith's 30-minute review with Ben, done: ready to invoice ($75.00 incl. GST)."""
    return testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                    visit_start, status="completed")
