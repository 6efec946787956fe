"""What a person does in Xero itself, for tests and the demo: read what the fake holds, record a
payment on an invoice (the bookkeeper, or a card payment through Xero's pay link), enter an
invoice that NCC did not send.

In Python: `fake.pay("INV-000123")`, `fake.add_invoice("INV-990001", total="120.00")`,
`fake.invoices()`, `fake.payments()`, `fake.credit_notes()`, `fake.contacts()`.
Over HTTP (the demo; no authentication, loopback only): GET /fake-admin/ lists each
organisation's invoices with a "Record payment" form; POST /fake-admin/pay with form or JSON
fields number, amount (default: all that is due) and tenant (default: the first organisation).
"""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs

from . import contacts, invoices, payments
from .common import public


class BookkeeperMixin:
    def _org(self, org=None):
        return org or self.org

    def contacts(self, org=None) -> list[dict]:
        with self.lock:
            return [public(c) for c in self._org(org).contacts.values()]

    def add_contact(self, org=None, **fields) -> dict:
        with self.lock:
            return public(contacts.save_contact(self, self._org(org), None, fields))

    def invoices(self, org=None) -> list[dict]:
        with self.lock:
            return [public(i) for i in self._org(org).invoices.values()]

    def payments(self, org=None) -> list[dict]:
        with self.lock:
            return [public(p) for p in self._org(org).payments.values()]

    def credit_notes(self, org=None) -> list[dict]:
        with self.lock:
            return [public(n) for n in self._org(org).credit_notes.values()]

    def pay(self, number: str, amount=None, org=None, account="090",
            reference="Paid in Xero", date=None) -> dict:
        """Record a payment in Xero on invoice `number` (all that is due by default), with
        Xero's rules; ValueError with Xero's message when it refuses. Returns the invoice."""
        with self.lock:
            org = self._org(org)
            invoice = invoices.find_invoice(org, number)
            if invoice is None:
                raise ValueError(f"Invoice {number} could not be found.")
            data = {"Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": account}, "Reference": reference,
                    "Amount": str(amount if amount is not None else invoice["AmountDue"])}
            if date:
                data["Date"] = str(date)
            errors = payments.payment_errors(org, data)
            if errors:
                raise ValueError(" ".join(errors))
            payments.make_payment(self, org, data)
            return public(invoice)

    def add_invoice(self, number: str, total="50.00", status="AUTHORISED", org=None) -> dict:
        """An invoice entered in Xero directly (not by NCC): one GST-free line for `total`,
        to a contact "Counter sale"."""
        with self.lock:
            org = self._org(org)
            contact = contacts.find_contact(org, "COUNTER") or contacts.save_contact(
                self, org, None, {"Name": "Counter sale", "ContactNumber": "COUNTER"})
            data = {"Type": "ACCREC", "InvoiceNumber": number, "Status": status,
                    "Contact": {"ContactID": contact["ContactID"]},
                    "LineItems": [{"Description": "Entered in Xero", "Quantity": 1,
                                   "UnitAmount": str(total), "AccountCode": "210",
                                   "TaxType": "EXEMPTOUTPUT"}]}
            return public(invoices.save_invoice(self, org, None, data, 2))

    # -- over HTTP -------------------------------------------------------------------------
    def bookkeeper_page(self, method: str, path: str, query: dict, raw: bytes) -> tuple:
        """(status, body, content type) for /fake-admin/..."""
        if method == "GET" and path.rstrip("/") == "/fake-admin":
            return 200, self._admin_html(query.get("message", "")), "text/html; charset=utf-8"
        if method == "POST" and path.rstrip("/") == "/fake-admin/pay":
            try:
                fields = json.loads(raw or b"{}")
                as_json = True
            except ValueError:
                fields = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                as_json = False
            org = self.orgs.get(fields.get("tenant", "")) if fields.get("tenant") else None
            try:
                invoice = self.pay(str(fields.get("number", "")), fields.get("amount") or None,
                                   org=org)
                status, message = 200, (f"Recorded a payment on {invoice['InvoiceNumber']}: "
                                        f"now {invoice['Status']}, "
                                        f"{invoice['AmountDue']:.2f} due.")
            except (ValueError, ArithmeticError) as refused:
                status, message, invoice = 400, str(refused), None
            if as_json:
                return status, {"Message": message, "Invoice": invoice}, \
                    "application/json; charset=utf-8"
            return status, self._admin_html(message), "text/html; charset=utf-8"
        return 404, {"Message": "No such page on the fake Xero's admin."}, \
            "application/json; charset=utf-8"

    def _admin_html(self, message: str) -> str:
        rows = []
        with self.lock:
            for org in self.orgs.values():
                for inv in org.invoices.values():
                    pay = ""
                    if inv["Status"] == "AUTHORISED":
                        pay = (f'<form method="post" action="/fake-admin/pay">'
                               f'<input type="hidden" name="tenant" value="{org.tenant_id}">'
                               f'<input type="hidden" name="number" '
                               f'value="{html.escape(inv["InvoiceNumber"])}">'
                               f'<input name="amount" size="8" placeholder="'
                               f'{inv["AmountDue"]:.2f}" aria-label="Amount">'
                               f'<button>Record payment</button></form>')
                    rows.append(f"<tr><td>{html.escape(org.name)}</td>"
                                f"<td>{html.escape(inv['InvoiceNumber'])}</td>"
                                f"<td>{html.escape(inv['Contact']['Name'])}</td>"
                                f"<td>{inv['Status']}</td><td>{inv['Total']:.2f}</td>"
                                f"<td>{inv['AmountDue']:.2f}</td><td>{pay}</td></tr>")
        note = f"<p role='status'>{html.escape(message)}</p>" if message else ""
        return ("<!doctype html><meta charset='utf-8'><title>Fake Xero – invoices</title>"
                "<style>body{font-family:sans-serif;margin:1rem}table{border-collapse:collapse}"
                "td,th{border:1px solid #ccc;padding:.3rem .5rem}</style>"
                f"<h1>Fake Xero: invoices</h1>{note}<table><tr><th>Organisation</th>"
                "<th>Number</th><th>Contact</th><th>Status</th><th>Total</th><th>Due</th>"
                "<th></th></tr>" + "".join(rows) + "</table>")
