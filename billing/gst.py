"""Line totals and GST computed the way Xero computes them, so NCC and Xero agree to the cent.

Xero's rule (shared/reference/xero.md §4, "Tax is computed per line, rounded, then summed"):
- a line's amount is quantity x unit amount, rounded to 2 places;
- the line's tax is computed from that rounded amount and rounded to 2 places:
  tax-inclusive lines carry rate/(1+rate) of the amount (GST 10%: amount/11),
  tax-exclusive lines add rate x amount (GST 10%: amount x 10%);
- the invoice's tax is the sum of the lines' rounded taxes, never the tax of the summed amounts;
- Total = SubTotal + TotalTax, where SubTotal is the amount before tax (for tax-inclusive invoices
  the sum of line amounts less their tax).
Halves round away from zero (ROUND_HALF_UP in Decimal's terms), for credits as for charges.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

INCLUSIVE = "inclusive"
EXCLUSIVE = "exclusive"
NO_TAX = "no_tax"
LINE_AMOUNT_TYPES = [(INCLUSIVE, "Tax inclusive"), (EXCLUSIVE, "Tax exclusive"),
                     (NO_TAX, "No tax")]

# Xero's Australian tax types for income (shared/reference/xero.md §4) and their rates. A custom
# rate (TAX001...) is not known here; the Xero app may add it with register_tax_rate().
TAX_RATES: dict[str, Decimal] = {
    "OUTPUT": Decimal("0.10"),  # GST on Income
    "EXEMPTOUTPUT": Decimal("0"),  # GST Free Income (most health services)
    "BASEXCLUDED": Decimal("0"),
    "INPUTTAXED": Decimal("0"),
    "EXEMPTEXPORT": Decimal("0"),
}


def register_tax_rate(tax_type: str, rate: Decimal) -> None:
    TAX_RATES[tax_type] = Decimal(rate)


def tax_rate(tax_type: str) -> Decimal:
    try:
        return TAX_RATES[tax_type]
    except KeyError:
        raise ValueError(f"Unknown tax type {tax_type!r}") from None


def round_money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_amount: Decimal) -> Decimal:
    return round_money(Decimal(quantity) * Decimal(unit_amount))


def line_tax(amount: Decimal, tax_type: str, line_amount_type: str = INCLUSIVE) -> Decimal:
    """GST on one line whose (already rounded) amount is `amount`."""
    if line_amount_type == NO_TAX:
        return ZERO
    rate = tax_rate(tax_type)
    if not rate:
        return ZERO
    if line_amount_type == INCLUSIVE:
        return round_money(Decimal(amount) * rate / (1 + rate))
    if line_amount_type == EXCLUSIVE:
        return round_money(Decimal(amount) * rate)
    raise ValueError(f"Unknown line amount type {line_amount_type!r}")


@dataclass(frozen=True)
class LineTotals:
    line_amount: Decimal  # as entered: includes GST on inclusive invoices, excludes it otherwise
    tax: Decimal
    net: Decimal  # before GST
    gross: Decimal  # after GST


def line_totals(quantity, unit_amount, tax_type: str,
                line_amount_type: str = INCLUSIVE) -> LineTotals:
    amount = line_amount(quantity, unit_amount)
    tax = line_tax(amount, tax_type, line_amount_type)
    if line_amount_type == INCLUSIVE:
        return LineTotals(amount, tax, amount - tax, amount)
    return LineTotals(amount, tax, amount, amount + tax)


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal  # before GST
    gst: Decimal
    total: Decimal
    lines: tuple[LineTotals, ...]


def invoice_totals(lines: Iterable[tuple], line_amount_type: str = INCLUSIVE) -> InvoiceTotals:
    """Totals of an invoice from (quantity, unit_amount, tax_type) per line."""
    computed = tuple(line_totals(q, u, t, line_amount_type) for q, u, t in lines)
    gst = sum((line.tax for line in computed), ZERO)
    subtotal = sum((line.net for line in computed), ZERO)
    return InvoiceTotals(subtotal=subtotal, gst=gst, total=subtotal + gst, lines=computed)


def credit_split(lines: list[tuple[Decimal, str]], amount: Decimal) -> list[tuple[int, Decimal,
                                                                                 Decimal]]:
    """A tax-inclusive credit spread over an invoice's lines, given as (amount including tax,
    tax type) in order: [(line index, share, GST in the share)] for the lines that get a share.
    Shares follow the lines' amounts to the cent (largest remainders get the odd cents) and add
    up to `amount`; each share's GST is worked out as Xero does for an inclusive line with that
    line's tax type, so a credit on an invoice mixing GST-free and taxable lines carries the GST
    those lines carried."""
    amount = round_money(Decimal(amount))
    grosses = [max(Decimal(gross), ZERO) for gross, _ in lines]
    total = sum(grosses, ZERO)
    if not lines:
        return []
    if total <= 0:
        return [(0, amount, line_tax(amount, lines[0][1], INCLUSIVE))]
    cents = int(amount / CENT)
    exact = [Decimal(cents) * gross / total for gross in grosses]
    shares = [int(value) for value in exact]
    for index in sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))[
            :cents - sum(shares)]:
        shares[index] += 1
    return [(index, Decimal(share) * CENT, line_tax(Decimal(share) * CENT, lines[index][1],
                                                    INCLUSIVE))
            for index, share in enumerate(shares) if share]
