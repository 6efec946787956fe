"""The owner's figures: revenue by clinic and week, receivables by age, no-shows, utilisation,
demographics, each agreeing with the rows behind it."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services as billing
from ncc import testing
from reports import queries
from scheduling.models import Appointment


@pytest.fixture
def visits(sydney_cbd, brisbane, ben_clinician, review_type):
    """Completed visits at two clinics, invoiced on known days."""
    ben_clinician.clinics.add(brisbane)
    made = []
    for clinic, day, hour in [(sydney_cbd, date(2026, 11, 16), 9), (sydney_cbd, date(2026, 11, 17), 9),
                              (brisbane, date(2026, 11, 18), 10), (sydney_cbd, date(2026, 11, 10), 9)]:
        patient = testing.make_patient(clinic, "Pat", f"Visit{len(made)}", date(1960, 1, 1),
                                       mobile="")
        appt = testing.make_appointment(patient, ben_clinician, clinic, review_type,
                                        datetime(day.year, day.month, day.day, hour,
                                                 tzinfo=clinic.tz), status="completed")
        invoice = billing.create_invoice_for_appointment(appt.pk)
        type(invoice).objects.filter(pk=invoice.pk).update(issue_date=day,
                                                           due_date=day + timedelta(days=14))
        made.append((appt, invoice))
    return made


@pytest.mark.django_db
def test_weekly_revenue_compares_last_full_week_with_the_week_before(visits, sydney_cbd, brisbane):
    rows = {r["clinic"].pk: r for r in queries.weekly_revenue([sydney_cbd, brisbane],
                                                             date(2026, 11, 26))}
    # Week of Mon 16 Nov: two $75 reviews in Sydney, one in Brisbane; week before: one in Sydney.
    assert rows[sydney_cbd.pk]["week"] == Decimal("150.00")
    assert rows[sydney_cbd.pk]["previous"] == Decimal("75.00")
    assert rows[sydney_cbd.pk]["change"] == Decimal("100.0")
    assert rows[brisbane.pk]["week"] == Decimal("75.00") and rows[brisbane.pk]["change"] is None


@pytest.mark.django_db
def test_receivables_are_bucketed_by_days_past_due(visits):
    today = date(2026, 12, 20)  # dues: 30 Nov, 1 Dec, 2 Dec and 24 Nov
    billing.record_payment(visits[0][1].pk, amount="75.00", method="card",
                           paid_on=date(2026, 11, 16))
    data = queries.aged_receivables(today)
    by_label = {b["label"]: b for b in data["buckets"]}
    assert by_label["0–30 days"]["count"] == 3
    assert data["total"] == Decimal("225.00") and data["count"] == 3


@pytest.mark.django_db
def test_revenue_report_splits_by_clinic_and_clinician_and_counts_payments(visits, sydney_cbd,
                                                                         brisbane):
    billing.record_payment(visits[0][1].pk, amount="75.00", method="cash",
                           paid_on=date(2026, 11, 16))
    report = queries.revenue_report([sydney_cbd, brisbane], date(2026, 11, 1), date(2026, 12, 1))
    assert report["total_invoiced"] == Decimal("300.00")
    assert report["total_gst"] == Decimal("0.00")  # a Review is GST-free care
    assert report["total_received"] == Decimal("75.00")
    assert [(r["name"], r["visits"]) for r in report["by_clinician"]] == [("Ben ", 4)]


@pytest.mark.django_db
def test_no_show_rate_and_utilisation(sydney_cbd, ben_clinician, review_type, john_smith):
    day = date(2026, 11, 16)  # a Monday; the test clinic opens 8:00-18:00 every day
    for i, status in enumerate(["completed", "completed", "completed", "no_show"]):
        testing.make_appointment(john_smith, ben_clinician, sydney_cbd, review_type,
                                 datetime(2026, 11, 16, 9 + i, tzinfo=sydney_cbd.tz),
                                 status=status)
    report = queries.appointments_report([sydney_cbd], day, day + timedelta(days=1))
    clinic_row = report["by_clinic"][0]
    assert clinic_row["no_show_rate"] == Decimal("25.0")
    ben = report["by_clinician"][0]
    assert ben["booked_hours"] == 2.0 and ben["rostered_hours"] == 10.0
    assert ben["utilisation"] == Decimal("20.0")


@pytest.mark.django_db
def test_today_counts_use_each_clinics_own_day(sydney_cbd, brisbane, ben_clinician, review_type,
                                               john_smith):
    # 23:30 in Brisbane is 00:30 next day in Sydney (summer): it belongs to Brisbane's today.
    now = timezone.now()
    today_bne = timezone.localdate(timezone=brisbane.tz)
    late = datetime(today_bne.year, today_bne.month, today_bne.day, 23, 30, tzinfo=brisbane.tz)
    ben_clinician.clinics.add(brisbane)
    testing.make_appointment(john_smith, ben_clinician, brisbane, review_type, late)
    rows = {r.clinic.pk: r for r in queries.today_by_clinic([sydney_cbd, brisbane])}
    assert rows[brisbane.pk].total == 1
    assert rows[sydney_cbd.pk].total == 0
    assert now  # the test does not depend on the hour it runs at


@pytest.mark.django_db
def test_demographics_bands_patients_by_age_and_sex(sydney_cbd):
    year = timezone.localdate().year
    testing.make_patient(sydney_cbd, "Kid", "A", date(year - 10, 1, 1), mobile="", sex="female")
    testing.make_patient(sydney_cbd, "Old", "B", date(year - 85, 1, 1), mobile="", sex="male")
    data = queries.demographics([sydney_cbd], timezone.localdate())
    assert data["by_clinic"][sydney_cbd.pk]["Under 18"]["female"] == 1
    assert data["by_clinic"][sydney_cbd.pk]["80 and over"]["male"] == 1
    assert data["patients"] == 2


@pytest.mark.django_db
def test_owner_lands_on_the_dashboard_and_receptionist_on_the_book(sam_client, sydney_cbd):
    assert sam_client.get("/")["Location"] == "/reports/"
    page = sam_client.get("/reports/").content.decode()
    assert "Practice dashboard" in page and "Needs attention" in page


@pytest.mark.django_db
def test_reports_are_for_admins_only(mia_client):
    assert mia_client.get("/")["Location"] == "/book/"
    for url in ("/reports/", "/reports/revenue/", "/reports/demographics/"):
        assert mia_client.get(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/reports/revenue/?format=csv", "/reports/appointments/?format=csv",
                                 "/reports/demographics/?format=csv",
                                 "/reports/receivables/?format=csv"])
def test_every_report_exports_csv(sam_client, visits, url):
    response = sam_client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert len(response.content.decode().strip().splitlines()) >= 2


@pytest.mark.django_db
def test_report_pages_render_with_data(sam_client, visits):
    for url in ("/reports/revenue/?start=2026-11-01&end=2026-11-30", "/reports/appointments/",
                "/reports/demographics/", "/reports/receivables/"):
        assert sam_client.get(url).status_code == 200, url
    bad = sam_client.get("/reports/revenue/?start=2026-11-30&end=2026-11-01")
    assert "before the start date" in bad.content.decode()
    assert Appointment.objects.count() == 4


@pytest.mark.django_db
def test_dashboard_lists_what_failed_with_the_page_that_fixes_it(sam_client, john_smith,
                                                                 sydney_cbd):
    from messaging.models import SMSMessage, SMSStatus
    from xero.models import XeroContactLink

    SMSMessage.objects.create(patient=john_smith, clinic=sydney_cbd, number="+61412345678",
                              body="Hi", status=SMSStatus.FAILED, error="Invalid number",
                              direction=SMSMessage.Direction.OUTBOUND)
    XeroContactLink.objects.create(patient=john_smith, contact_number="P-1",
                                   status=XeroContactLink.Status.FAILED, error="Bad email")
    page = sam_client.get("/reports/").content.decode()
    assert "SMS failed or expired in the last 7 days" in page
    assert "/sms/messages/?status=failed" in page
    assert "patients Xero did not accept as contacts" in page
    assert "Nothing failed" not in page


@pytest.mark.django_db
def test_csv_money_has_two_places_iso_dates_and_gst_free_column(sam_client, visits):
    billing.record_payment(visits[0][1].pk, amount="75.00", method="cash",
                           paid_on=date(2026, 11, 16))
    body = sam_client.get("/reports/revenue/?start=2026-11-01&end=2026-11-30&format=csv"
                          ).content.decode()
    header, *rows = body.splitlines()
    assert "GST-free sales" in header and "GST" in header
    cells = next(r for r in rows if "Sydney" in r).split(",")
    assert cells[:2] == ["2026-11-01", "2026-11-30"]
    # Sydney: three $75 GST-free reviews, $75 received.
    assert cells[3:] == ["225.00", "0.00", "0.00", "225.00", "75.00"]


@pytest.mark.django_db
def test_takings_report_splits_money_received_by_method_and_clinic(sam_client, visits,
                                                                     sydney_cbd, brisbane):
    billing.record_benefit_and_gap(visits[0][1].pk, benefit="45.00", fund_name="Bupa",
                                   gap_method="cash", paid_on=date(2026, 11, 16))
    billing.record_payment(visits[2][1].pk, amount="80.00", method="card",
                           keep_excess_as_credit=True, paid_on=date(2026, 11, 18))
    report = queries.takings_report([sydney_cbd, brisbane], date(2026, 11, 1), date(2026, 12, 1))
    labels = [label for _m, label, _n in report["methods"]]
    rows = {r["clinic"].pk: dict(zip(labels, r["amounts"], strict=True))
            for r in report["by_clinic"]}
    assert rows[sydney_cbd.pk]["Health fund benefit (HICAPS)"] == Decimal("45.00")
    assert rows[sydney_cbd.pk]["Cash"] == Decimal("30.00")
    assert rows[brisbane.pk]["EFTPOS card"] == Decimal("80.00")  # $5 over kept as credit
    assert report["total"] == Decimal("155.00")
    csv_body = sam_client.get("/reports/takings/?start=2026-11-01&end=2026-11-30&format=csv"
                              ).content.decode()
    assert csv_body.splitlines()[-1].endswith(",155.00")
