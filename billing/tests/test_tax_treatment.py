"""Tax follows what is sold: podiatry care is GST-free by default, a taxable type charges 10%,
the clinic's own price and the type's item number reach the line."""

from datetime import datetime
from decimal import Decimal

import pytest

from billing import services
from clinics.models import abn_is_valid
from ncc import testing
from scheduling.models import AppointmentType, AppointmentTypePrice


@pytest.fixture
def consult_type(db):
    return AppointmentType.objects.create(name="Initial consultation", duration_minutes=45,
                                          price=Decimal("95.00"), item_number="F1205")


def _visit(patient, clinician, clinic, kind):
    return testing.make_appointment(patient, clinician, clinic, kind,
                                    datetime(2026, 3, 3, 9, 0, tzinfo=clinic.tz),
                                    status="completed")


def test_a_new_appointment_type_is_gst_free_and_its_invoice_carries_no_gst(
        consult_type, john_smith, ben_clinician, sydney_cbd):
    assert consult_type.tax_treatment == "gst_free"
    invoice = services.create_invoice_for_appointment(
        _visit(john_smith, ben_clinician, sydney_cbd, consult_type).pk)
    line = invoice.lines.get()
    assert (line.tax_type, line.gst, line.tax_words) == ("EXEMPTOUTPUT", Decimal("0.00"),
                                                         "GST-free")
    assert (invoice.total, invoice.gst, invoice.subtotal) == (Decimal("95.00"), Decimal("0.00"),
                                                              Decimal("95.00"))
    assert line.item_number == "F1205" and invoice.clinician == ben_clinician


def test_a_taxable_type_charges_gst_included_in_its_price(consult_type, john_smith, ben_clinician,
                                                          sydney_cbd):
    consult_type.tax_treatment = "taxable"
    consult_type.save()
    invoice = services.create_invoice_for_appointment(
        _visit(john_smith, ben_clinician, sydney_cbd, consult_type).pk)
    line = invoice.lines.get()
    assert (line.tax_type, line.gst, line.tax_words) == ("OUTPUT", Decimal("8.64"), "GST 10%")
    assert invoice.total == Decimal("95.00")


def test_a_clinic_price_replaces_the_type_price_at_that_clinic_only(
        consult_type, john_smith, ben_clinician, sydney_cbd, brisbane):
    AppointmentTypePrice.objects.create(appointment_type=consult_type, clinic=sydney_cbd,
                                        price=Decimal("110.00"))
    ben_clinician.clinics.add(brisbane)
    sydney = services.create_invoice_for_appointment(
        _visit(john_smith, ben_clinician, sydney_cbd, consult_type).pk)
    assert sydney.total == Decimal("110.00")
    assert consult_type.price_at(brisbane) == Decimal("95.00")


@pytest.mark.parametrize("abn, ok", [("51 824 753 556", True), ("51824753556", True),
                                     ("51 824 753 557", False), ("1234567890", False),
                                     ("5182475355a", False)])
def test_an_abn_passes_only_with_a_good_check_sum(abn, ok):
    assert abn_is_valid(abn) is ok
