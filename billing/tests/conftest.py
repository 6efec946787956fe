from xero.tests.conftest import fake_xero, xero_connection, xero_ready  # noqa: F401 (fixtures)

from .fixtures import (  # noqa: F401 (fixtures)
    completed_visit,
    review_type,
    roles_applied,
    visit_start,
)
