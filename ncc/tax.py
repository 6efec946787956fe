"""How something sold is taxed. Shared by scheduling (appointment types) and billing (products,
lines) so that neither imports the other for it.

Australian GST: podiatry consultations and treatment are GST-free health services (GST Act
s38-10), Xero tax type EXEMPTOUTPUT; products sold over the counter carry 10% GST (OUTPUT);
some things are outside GST altogether (BAS excluded, BASEXCLUDED).
"""

from django.db import models


class TaxTreatment(models.TextChoices):
    GST_FREE = "gst_free", "GST-free"
    TAXABLE = "taxable", "GST 10%"
    BAS_EXCLUDED = "bas_excluded", "BAS excluded (no GST)"


# The Xero tax type a line of each treatment carries (shared/reference/xero.md §4).
XERO_TAX_TYPE: dict[str, str] = {
    TaxTreatment.GST_FREE: "EXEMPTOUTPUT",
    TaxTreatment.TAXABLE: "OUTPUT",
    TaxTreatment.BAS_EXCLUDED: "BASEXCLUDED",
}

TREATMENT_FOR_TAX_TYPE: dict[str, str] = {v: k for k, v in XERO_TAX_TYPE.items()}


def xero_tax_type(treatment: str) -> str:
    return XERO_TAX_TYPE[treatment]


def treatment_label(tax_type: str) -> str:
    """Words for a line's Xero tax type: "GST-free", "GST 10%" ... or the code if unknown."""
    treatment = TREATMENT_FOR_TAX_TYPE.get(tax_type)
    return TaxTreatment(treatment).label if treatment else tax_type
