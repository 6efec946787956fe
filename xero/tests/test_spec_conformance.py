"""Conformance: schemathesis generates requests from Xero's own OpenAPI file
(../shared/specs/xero/xero_accounting.yaml, read here, never copied into the project) for every
Accounting operation NCC uses, sends them to the fake Xero, and checks that no reply is a server
error and that every documented reply matches the spec. Bounded: a few examples an operation.
"""

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from xero.fake import FakeXero
from xero.fake import spec as fake_spec

from .fake_session import api as session

# The operations NCC calls (xero/, billing/xero_push.py) and that its fake therefore serves.
USED = [
    "getAccounts", "getTaxRates", "getTrackingCategories", "getItems", "getOrganisations",
    "getContacts", "getContact", "getContactByContactNumber", "createContacts",
    "updateOrCreateContacts", "updateContact",
    "getInvoices", "getInvoice", "createInvoices", "updateOrCreateInvoices", "updateInvoice",
    "getPayments", "getPayment", "createPayments", "createPayment", "deletePayment",
    "getCreditNotes", "getCreditNote", "createCreditNotes", "updateOrCreateCreditNotes",
    "updateCreditNote", "createCreditNoteAllocation",
]
EXAMPLES = int(os.environ.get("XERO_SPEC_EXAMPLES", "3"))  # a bound on the time: < 60 s

pytestmark = [
    pytest.mark.skipif(not fake_spec.available(), reason=(
        f"Xero's OpenAPI file is not at {fake_spec.spec_dir() / 'xero_accounting.yaml'} "
        "(the shared folder beside the repository)")),
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"), reason=(
        "uses no database: it runs in the SQLite pass of the suite")),
]


@pytest.fixture(scope="module")
def running_fake():
    with FakeXero(minute_limit=10**6, day_limit=10**7, app_minute_limit=10**7) as fake:
        with session(fake) as client:
            contact = client.put("/Contacts", json={"Contacts": [{"Name": "Jo Citizen",
                                                                  "ContactNumber": "P-1"}]})
            assert contact.status_code == 200
            fake.add_invoice("INV-000001", total="75.00")
            fake.headers = dict(client.headers)
        yield fake


@pytest.fixture(scope="module")
def xero_schema():
    """The spec as schemathesis sees it (a JSON-safe copy: YAML turns example dates into
    datetimes)."""
    raw = json.loads(json.dumps(fake_spec.load_accounting_spec(), default=str))
    return schemathesis.openapi.from_dict(raw)


@pytest.mark.parametrize("operation_id", USED)
def test_the_fake_answers_as_the_spec_says(operation_id, xero_schema, running_fake):
    [result] = xero_schema.include(operation_id=[operation_id]).get_all_operations()
    operation = result.ok()
    headers = {k: v for k, v in running_fake.headers.items()
               if k.lower() in ("authorization", "xero-tenant-id", "accept")}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def answers_as_specified(case):
        case.call_and_validate(base_url=running_fake.url + "/api.xro/2.0", headers=headers,
                               checks=[not_a_server_error, response_schema_conformance,
                                       content_type_conformance])

    answers_as_specified()
