"""An organisation's settings in the fake Xero: the seeded Australian chart of accounts, items, GST
rates and a Location tracking category, served read-only (GET /Accounts, /Items, /TaxRates,
/TrackingCategories, /Organisation) with `where` and, where Xero takes it, If-Modified-Since."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from .common import envelope, modified_since, public, where
from .faults import Window


@dataclass
class Org:
    tenant_id: str
    name: str
    contacts: dict = field(default_factory=dict)  # ContactID -> contact dict
    # Indexes so that 10,000 contacts stay fast: lower-cased name -> ids; number -> id.
    names: dict = field(default_factory=dict)
    numbers: dict = field(default_factory=dict)
    invoices: dict = field(default_factory=dict)  # InvoiceID -> invoice
    invoice_numbers: dict = field(default_factory=dict)  # InvoiceNumber -> InvoiceID
    payments: dict = field(default_factory=dict)  # PaymentID -> payment
    credit_notes: dict = field(default_factory=dict)  # CreditNoteID -> credit note
    credit_note_numbers: dict = field(default_factory=dict)  # CreditNoteNumber -> CreditNoteID
    accounts: list = field(default_factory=list)
    items: list = field(default_factory=list)
    tax_rates: list = field(default_factory=list)
    tracking: list = field(default_factory=list)
    organisation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    minute: Window = None
    day: Window = None
    in_flight: int = 0
    extra: dict = field(default_factory=dict)  # room for tests' own state

    def account(self, code: str | None = None, account_id: str | None = None) -> dict | None:
        return next((a for a in self.accounts if (code and a["Code"] == code)
                     or (account_id and a["AccountID"] == account_id)), None)


def lister(plural: str, attr: str, since: bool):
    """GET handler for a seeded list; `since`: the collection takes If-Modified-Since."""
    def handler(fake, request, org, match):
        test = where(request)
        items = getattr(org, attr)
        if since:
            items = modified_since(request, items)
        if plural == "TrackingCategories" and \
                request.query.get("includeArchived", "").lower() != "true":
            items = [c for c in items if c["Status"] == "ACTIVE"]
        return 200, envelope(fake, plural, [public(x) for x in items if test(x)])
    return handler


def get_organisation(fake, request, org, match):
    return 200, envelope(fake, "Organisations", [{
        "OrganisationID": org.organisation_id, "Name": org.name, "LegalName": org.name,
        "PaysTax": True, "Version": "AU", "OrganisationType": "COMPANY", "BaseCurrency": "AUD",
        "CountryCode": "AU", "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 30, "FinancialYearEndMonth": 6, "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive", "ShortCode": "!ncc01", "Edition": "BUSINESS",
        "Class": "STANDARD", "Timezone": "AUSEASTERNSTANDARDTIME", "LineOfBusiness":
        "Podiatry", "OrganisationEntityType": "COMPANY", "TaxNumber": "12345678901"}])


def install(fake) -> None:
    for plural, attr, since in (("Accounts", "accounts", True), ("Items", "items", True),
                                ("TaxRates", "tax_rates", False),
                                ("TrackingCategories", "tracking", False)):
        fake.route("GET", rf"/{plural}", lister(plural, attr, since), "accounting.settings")
    fake.route("GET", r"/Organisation", get_organisation, "accounting.settings")


def seed(fake, org: Org) -> None:
    """A small Australian chart of accounts, items, GST rates and a Location category."""
    def stamped(record):
        record["_updated"] = fake.clock.now().timestamp()
        return record

    def acct(code, name, type_, tax, cls, bank=False):
        return stamped({"AccountID": str(uuid.uuid4()), "Code": code, "Name": name,
                        "Type": type_, "TaxType": tax, "Status": "ACTIVE", "Class": cls,
                        "EnablePaymentsToAccount": bank, "SystemAccount": ""})

    org.accounts = [
        acct("090", "Business Bank Account", "BANK", "BASEXCLUDED", "ASSET", True),
        acct("200", "Sales", "REVENUE", "OUTPUT", "REVENUE"),
        acct("210", "Consultation Fees (GST free)", "REVENUE", "EXEMPTOUTPUT", "REVENUE"),
        acct("260", "Other Revenue", "REVENUE", "OUTPUT", "REVENUE"),
        acct("400", "Advertising", "EXPENSE", "INPUT", "EXPENSE"),
        acct("429", "General Expenses", "EXPENSE", "INPUT", "EXPENSE"),
    ]

    def item(code, name, price, account, tax):
        return stamped({"ItemID": str(uuid.uuid4()), "Code": code, "Name": name, "IsSold": True,
                        "IsPurchased": False, "Description": name, "IsTrackedAsInventory": False,
                        "SalesDetails": {"UnitPrice": price, "AccountCode": account,
                                         "TaxType": tax}})

    org.items = [
        item("POD-INIT", "Initial podiatry consultation", 110.0, "210", "EXEMPTOUTPUT"),
        item("POD-REV", "Review consultation", 75.0, "210", "EXEMPTOUTPUT"),
        item("ORTHO", "Custom orthotics", 550.0, "200", "OUTPUT"),
    ]

    def rate(name, tax_type, pct):
        return {"Name": name, "TaxType": tax_type, "Status": "ACTIVE", "EffectiveRate": pct,
                "DisplayTaxRate": pct, "CanApplyToRevenue": tax_type != "INPUT",
                "ReportTaxType": "OUTPUT" if tax_type != "INPUT" else "INPUT"}

    org.tax_rates = [rate("GST on Income", "OUTPUT", 10.0),
                     rate("GST Free Income", "EXEMPTOUTPUT", 0.0),
                     rate("BAS Excluded", "BASEXCLUDED", 0.0),
                     rate("GST on Expenses", "INPUT", 10.0)]
    org.tracking = [{
        "TrackingCategoryID": str(uuid.uuid4()), "Name": "Location", "Status": "ACTIVE",
        "Options": [{"TrackingOptionID": str(uuid.uuid4()), "Name": n, "Status": "ACTIVE"}
                    for n in ("Sydney CBD", "Brisbane", "Parramatta")]}]
