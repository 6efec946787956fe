"""GST and totals agree with Xero's rounding: per line, to the cent, halves away from zero.

The oracle here works in whole cents with integer arithmetic, independently of billing.gst's
Decimal code, from Xero's rule: line amount = qty x unit rounded; line tax from the rounded line
amount, rounded; invoice tax = sum of line taxes; total = subtotal + tax.
"""

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from billing import gst

cents = st.integers(min_value=-100_000_00, max_value=100_000_00)  # a credit line may be negative
positive_cents = st.integers(min_value=1, max_value=100_000_00)
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000"), places=4)
unit_amounts = st.decimals(min_value=Decimal("-10000"), max_value=Decimal("10000"), places=4)
tax_types = st.sampled_from(["OUTPUT", "OUTPUT", "EXEMPTOUTPUT", "BASEXCLUDED"])


def _div_round_half_away(numerator: int, denominator: int) -> int:
    """numerator/denominator to the nearest integer, halves away from zero (integers only)."""
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    return sign * ((2 * n + d) // (2 * d))


def oracle_tax_cents(amount_cents: int, tax_type: str, inclusive: bool) -> int:
    if tax_type != "OUTPUT":
        return 0
    return _div_round_half_away(amount_cents, 11 if inclusive else 10)


def to_money(c: int) -> Decimal:
    return (Decimal(c) / 100).quantize(gst.CENT)


@given(cents)
@example(7500)  # $75.00 incl. GST -> GST $6.82 (75/11 = 6.8181...)
@example(1)
@example(-1)
@example(5)  # 5c/11 = 0.45c -> 0c
@example(6)  # 6c/11 = 0.55c -> 1c
def test_inclusive_line_gst_is_one_eleventh_rounded(amount):
    tax = gst.line_tax(to_money(amount), "OUTPUT", gst.INCLUSIVE)
    assert tax == to_money(oracle_tax_cents(amount, "OUTPUT", inclusive=True))
    # Never more than half a cent from the exact eleventh.
    assert abs(tax * 11 - to_money(amount)) <= Decimal("0.055")


@given(cents)
@example(5)  # 0.5c: a half rounds away from zero -> 1c
@example(-5)
@example(15)  # 1.5c -> 2c
@example(25)  # 2.5c -> 3c (not banker's 2c)
def test_exclusive_line_gst_is_ten_percent_rounded(amount):
    tax = gst.line_tax(to_money(amount), "OUTPUT", gst.EXCLUSIVE)
    assert tax == to_money(oracle_tax_cents(amount, "OUTPUT", inclusive=False))
    assert abs(tax - to_money(amount) / 10) <= Decimal("0.005")


@given(quantities, unit_amounts)
@example(Decimal("3"), Decimal("0.335"))  # 1.005 -> 1.01
@example(Decimal("0.5"), Decimal("0.01"))  # 0.005 -> 0.01
def test_line_amount_is_quantity_times_unit_rounded_to_the_cent(quantity, unit):
    amount = gst.line_amount(quantity, unit)
    exact = quantity * unit
    assert amount.as_tuple().exponent == -2
    assert abs(amount - exact) <= Decimal("0.005")
    if abs(amount - exact) == Decimal("0.005"):
        assert abs(amount) > abs(exact)  # halves go away from zero


lines = st.lists(st.tuples(quantities, unit_amounts, tax_types), min_size=1, max_size=12)


@given(lines, st.sampled_from([gst.INCLUSIVE, gst.EXCLUSIVE]))
def test_invoice_totals_are_sums_of_rounded_lines(invoice_lines, amount_type):
    inclusive = amount_type == gst.INCLUSIVE
    totals = gst.invoice_totals(invoice_lines, amount_type)
    expected_tax = 0
    expected_amounts = 0
    for (quantity, unit, tax_type), line in zip(invoice_lines, totals.lines, strict=True):
        amount_cents = int(gst.line_amount(quantity, unit) * 100)
        tax_cents = oracle_tax_cents(amount_cents, tax_type, inclusive)
        assert line.line_amount == to_money(amount_cents)
        assert line.tax == to_money(tax_cents)
        assert line.net + line.tax == line.gross
        expected_tax += tax_cents
        expected_amounts += amount_cents
    assert totals.gst == to_money(expected_tax)  # sum of the lines' rounded GST
    assert totals.total == totals.subtotal + totals.gst
    if inclusive:
        # Xero: for tax-inclusive invoices the total is the sum of the line amounts.
        assert totals.total == to_money(expected_amounts)
        assert totals.subtotal == to_money(expected_amounts - expected_tax)
    else:
        assert totals.subtotal == to_money(expected_amounts)
        assert totals.total == to_money(expected_amounts + expected_tax)


@given(st.lists(positive_cents, min_size=2, max_size=10))
def test_gst_is_rounded_per_line_not_on_the_sum(amounts):
    # Three $0.05 lines incl. GST: each line's GST is 0c, so the invoice's GST is 0c, whereas
    # rounding the sum (15c/11 = 1.36c) would give 1c. Xero does the former.
    totals = gst.invoice_totals([(1, to_money(c), "OUTPUT") for c in amounts], gst.INCLUSIVE)
    assert totals.gst == sum((gst.line_tax(to_money(c), "OUTPUT", gst.INCLUSIVE)
                              for c in amounts), gst.ZERO)


def test_per_line_rounding_example():
    totals = gst.invoice_totals([(1, Decimal("0.05"), "OUTPUT")] * 3, gst.INCLUSIVE)
    assert (totals.gst, totals.subtotal, totals.total) == (
        Decimal("0.00"), Decimal("0.15"), Decimal("0.15"))


@given(cents, tax_types)
def test_no_tax_and_gst_free_lines_carry_no_gst(amount, tax_type):
    assert gst.line_tax(to_money(amount), tax_type, gst.NO_TAX) == 0
    if tax_type != "OUTPUT":
        for kind in (gst.INCLUSIVE, gst.EXCLUSIVE):
            assert gst.line_tax(to_money(amount), tax_type, kind) == 0
