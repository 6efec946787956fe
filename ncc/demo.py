"""Realistic, deterministic demo data for Walk Easy: three clinics, eight clinicians, six
receptionists, an owner, appointment types, patients and a year of appointments.

Everything is derived from one random.Random(seed), so the same seed gives the same practice.
Bulk inserts keep 100,000 patients to about a minute.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import ADMIN, CLINICIAN, RECEPTIONIST
from clinics.models import Clinic, Clinician, OpeningHours
from ncc.models import NumberSequence
from patients.models import Patient, Sex
from patients.services import FIRST_PATIENT_NUMBER, PATIENT_NUMBER_SEQUENCE
from scheduling.models import Appointment, AppointmentStatus, AppointmentType, WorkingHours

DEMO_PASSWORD = "walkeasy-demo"
FEATURED_LOGINS = {ADMIN: "owner@walkeasy.example", CLINICIAN: "ben.cho@walkeasy.example",
                   RECEPTIONIST: "mia.rossi@walkeasy.example"}

CLINICS = [
    dict(name="Walk Easy Sydney CBD", short_name="Sydney CBD", address_line="Level 4, 88 Pitt St",
         suburb="Sydney", state="NSW", postcode="2000", phone="+61292314455",
         email="cbd@walkeasy.example", time_zone="Australia/Sydney"),
    dict(name="Walk Easy Parramatta", short_name="Parramatta", address_line="12 Macquarie St",
         suburb="Parramatta", state="NSW", postcode="2150", phone="+61296351200",
         email="parramatta@walkeasy.example", time_zone="Australia/Sydney"),
    dict(name="Walk Easy Brisbane", short_name="Brisbane", address_line="301 Adelaide St",
         suburb="Brisbane City", state="QLD", postcode="4000", phone="+61732294410",
         email="brisbane@walkeasy.example", time_zone="Australia/Brisbane"),
]

# (first, last, title, profession, colour, clinic indexes)
CLINICIANS = [
    ("Ana", "Lee", "Dr", "Podiatrist", "#2563eb", [0]),
    ("Ben", "Cho", "", "Pedorthist", "#0d9488", [0, 1]),
    ("Priya", "Shah", "", "Podiatrist", "#9333ea", [0]),
    ("Tom", "Nguyen", "", "Podiatrist", "#ea580c", [1]),
    ("Grace", "O'Brien", "Dr", "Podiatric surgeon", "#db2777", [1, 0]),
    ("Liam", "Walker", "", "Pedorthist", "#16a34a", [2]),
    ("Chloe", "Martin", "", "Podiatrist", "#ca8a04", [2]),
    ("Raj", "Patel", "", "Podiatrist", "#4f46e5", [2]),
]

RECEPTIONISTS = [("Mia", "Rossi", 0), ("Jack", "Brown", 0), ("Ella", "Kaur", 1),
                 ("Noah", "Wilson", 1), ("Zoe", "Taylor", 2), ("Oscar", "Tran", 2)]

TYPES = [
    ("Initial consultation", 60, "120.00", "#60a5fa"),
    ("Review", 30, "75.00", "#34d399"),
    ("Orthotic fitting", 45, "95.00", "#fbbf24"),
    ("Gait analysis", 60, "150.00", "#a78bfa"),
    ("Nail surgery", 60, "280.00", "#f87171"),
    ("Diabetic foot assessment", 45, "110.00", "#fb923c"),
    ("Custom footwear consult", 45, "130.00", "#22d3ee"),
]
TYPE_WEIGHTS = [14, 40, 14, 8, 4, 12, 8]

FIRST_F = ["Olivia", "Charlotte", "Amelia", "Isla", "Mia", "Ava", "Grace", "Chloe", "Sophie",
           "Emily", "Ruby", "Zoe", "Matilda", "Evie", "Harper", "Lily", "Ella", "Sienna",
           "Margaret", "Patricia", "Helen", "Susan", "Karen", "Linda", "Wei", "Mei", "Priya",
           "Aisha", "Fatima", "Nguyen Thi", "Maria", "Sofia", "Ngaire", "Leilani", "Yuki",
           "Jessica", "Sarah", "Rebecca", "Michelle", "Joan", "Dorothy", "Beverley"]
FIRST_M = ["Oliver", "Jack", "William", "Noah", "Leo", "Henry", "Thomas", "Lucas", "James",
           "Charlie", "John", "Peter", "Michael", "David", "Robert", "Graham", "Bruce", "Kevin",
           "Wei", "Jun", "Raj", "Arjun", "Mohammed", "Ali", "Minh", "Duc", "Giorgos", "Luca",
           "Marco", "Tane", "Hiroshi", "Daniel", "Matthew", "Andrew", "Ian", "Trevor", "Barry"]
LAST = ["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
        "Anderson", "Thompson", "Nguyen", "Thomas", "Walker", "Harris", "Lee", "Ryan",
        "Robinson", "Kelly", "King", "Davis", "Wright", "Evans", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Patel", "Khan", "Tran", "Le", "Pham", "Chen", "Wang",
        "Zhang", "Li", "Singh", "Kaur", "Papadopoulos", "Rossi", "Russo", "Murphy", "O'Connor",
        "Campbell", "Mitchell", "Young", "Scott", "Stewart", "Morris", "Cooper", "Ward",
        "Hughes", "Edwards", "Turner", "Phillips", "Kennedy", "McDonald", "Fraser", "Sharma"]
STREETS = ["George St", "Church St", "Victoria Rd", "Railway Pde", "King St", "High St",
           "Station St", "Park Rd", "Queen St", "Albert St", "Bridge Rd", "Ocean St",
           "Wattle Ave", "Banksia Cres", "Jacaranda Dr", "Bottlebrush Way"]
SUBURBS = {
    0: [("Surry Hills", "2010"), ("Redfern", "2016"), ("Glebe", "2037"), ("Newtown", "2042"),
        ("Bondi", "2026"), ("Randwick", "2031"), ("Chatswood", "2067"), ("Marrickville", "2204")],
    1: [("Parramatta", "2150"), ("Westmead", "2145"), ("Harris Park", "2150"),
        ("Blacktown", "2148"), ("Baulkham Hills", "2153"), ("Merrylands", "2160")],
    2: [("New Farm", "4005"), ("Paddington", "4064"), ("West End", "4101"),
        ("Chermside", "4032"), ("Indooroopilly", "4068"), ("Carindale", "4152")],
}
ALERTS = ["Diabetic: check feet, no sharp debridement without review",
          "Anticoagulants (warfarin)", "Latex allergy", "Hard of hearing: speak clearly",
          "Uses a wheelchair: ground floor room", "Peripheral neuropathy"]
REASONS = ["Heel pain on waking", "Ingrown toenail, left hallux", "Orthotics review",
           "Knee pain when running", "Callus and corns", "Flat feet, child", "Sports injury",
           "Diabetic annual check", "Bunion pain", "Plantar fasciitis follow-up", ""]


@dataclass
class DemoSummary:
    clinics: int
    clinicians: int
    patients: int
    appointments: int
    logins: list[tuple[str, str, str]]
    invoices: int = 0


def _mobile(rng: random.Random) -> str:
    return "+614" + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _opening_hours(clinic: Clinic, index: int) -> list[OpeningHours]:
    hours = [OpeningHours(clinic=clinic, weekday=d, opens=time(8, 0), closes=time(18, 0))
             for d in range(5)]
    if index != 1:
        hours.append(OpeningHours(clinic=clinic, weekday=5, opens=time(8, 30), closes=time(12, 30)))
    return hours


def _staff(email, **fields) -> User:
    # One hash for every demo login: hashing is deliberately slow, fifteen of them add seconds.
    user = User(email=email, **fields)
    user.password = _demo_password_hash()
    user.save()
    return user


_HASH: list[str] = []


def _demo_password_hash() -> str:
    if not _HASH:
        _HASH.append(make_password(DEMO_PASSWORD))
    return _HASH[0]


@transaction.atomic
def create_practice(rng: random.Random) -> tuple[list[Clinic], list[Clinician], list, list]:
    clinics = []
    for i, data in enumerate(CLINICS):
        clinic = Clinic.objects.create(**data)
        OpeningHours.objects.bulk_create(_opening_hours(clinic, i))
        clinics.append(clinic)
    logins = []
    owner = _staff("owner@walkeasy.example", first_name="Sam",
                                     last_name="Hartley", role=ADMIN, home_clinic=clinics[0],
                   is_superuser=True)
    logins.append((ADMIN, owner.email, owner.get_full_name()))
    clinicians = []
    for order, (first, last, title, profession, colour, idx) in enumerate(CLINICIANS):
        email = f"{first.lower()}.{last.lower().replace(chr(39), '')}@walkeasy.example"
        user = _staff(email, first_name=first, last_name=last,
                                        role=CLINICIAN, home_clinic=clinics[idx[0]])
        provider = f"{rng.randint(200000, 599999)}{rng.choice('0123456789')}{rng.choice('ABCDEFHJKLTWXY')}"
        clinician = Clinician.objects.create(user=user, title=title, profession=profession,
                                             colour=colour, provider_number=provider,
                                             display_order=order)
        clinician.clinics.set([clinics[i] for i in idx])
        # A clinician at two clinics alternates by weekday; the book shows each clinic's roster.
        roster = []
        for weekday in range(7):
            clinic = clinics[idx[weekday % len(idx)]]
            hours = clinic.hours_on(weekday)
            if hours:
                roster.append(WorkingHours(clinician=clinician, clinic=clinic, weekday=weekday,
                                           starts=hours[0], ends=hours[1]))
        WorkingHours.objects.bulk_create(roster)
        clinicians.append((clinician, idx))
        if first == "Ben":
            logins.append((CLINICIAN, email, user.get_full_name()))
    for first, last, idx in RECEPTIONISTS:
        user = _staff(f"{first.lower()}.{last.lower()}@walkeasy.example", first_name=first, last_name=last,
                                        role=RECEPTIONIST, home_clinic=clinics[idx])
        if first == "Mia":
            logins.append((RECEPTIONIST, user.email, user.get_full_name()))
    types = [AppointmentType.objects.create(name=n, duration_minutes=d, price=Decimal(p),
                                            colour=c, item_number=ITEM_NUMBERS.get(n, ""))
             for n, d, p, c in TYPES]
    _money_setup(rng, clinics, [c for c, _ in clinicians])
    return clinics, clinicians, types, logins


# Item numbers health funds recognise for podiatry services (printed on invoices and receipts).
ITEM_NUMBERS = {"Initial consultation": "F1201", "Review": "F1203", "Orthotic fitting": "F1231",
                "Gait analysis": "F1241", "Nail surgery": "F1221",
                "Diabetic foot assessment": "F1205", "Custom footwear consult": "F1232"}
PRODUCTS = [  # code, name, price, taxable, tracked stock per clinic
    ("UREA-25", "Urea heel balm 25% (75 g)", "22.00", True, 12),
    ("SOCK-DIAB", "Diabetic socks (pair)", "18.50", True, 20),
    ("INSOLE-OTC", "Off-the-shelf orthotic insoles", "59.00", True, 3),
    ("FELT-PAD", "Felt padding (sheet)", "6.50", True, None),
    ("ORTH-CUSTOM", "Custom foot orthoses (pair)", "480.00", False, None),
]


def _money_setup(rng: random.Random, clinics, clinicians) -> None:
    """The practice behind the invoices (ABN), provider numbers per location, products with
    stock, and the third parties who pay for some patients."""
    from billing.models import Payer, Product, ProductStock
    from clinics.models import Practice, ProviderNumber
    from ncc.tax import TaxTreatment

    Practice.objects.create(
        name="Walk Easy Podiatry", legal_name="Walk Easy Podiatry Pty Ltd", abn="51824753556",
        email="accounts@walkeasy.example",
        invoice_terms="Payment is due on the day of your appointment. Bank transfer: BSB "
                      "062-000, account 1234 5678, reference your invoice number.",
        receipt_note="Thank you. Keep this receipt for your health fund.")
    used = set()
    for clinician in clinicians:
        for clinic in clinician.clinics.all():
            while True:
                number = (f"{rng.randint(200000, 599999)}{rng.choice('0123456789')}"
                          f"{rng.choice('ABCDEFHJKLTWXY')}")
                if number not in used:
                    used.add(number)
                    break
            ProviderNumber.objects.create(clinician=clinician, clinic=clinic, number=number)
    for code, name, price, taxable, stock in PRODUCTS:
        product = Product.objects.create(
            code=code, name=name, price=Decimal(price), track_stock=stock is not None,
            tax_treatment=TaxTreatment.TAXABLE if taxable else TaxTreatment.GST_FREE,
            item_number="F1251" if code == "ORTH-CUSTOM" else "")
        if stock is not None:
            ProductStock.objects.bulk_create([
                ProductStock(product=product, clinic=c, quantity=stock if i else 1)
                for i, c in enumerate(clinics)])
    Payer.objects.bulk_create([
        Payer(name="Department of Veterans' Affairs", kind=Payer.Kind.DVA,
              email="dva.claims@example.gov.au", address="GPO Box 9998\nBrisbane QLD 4001"),
        Payer(name="Plan Partners (NDIS plan manager)", kind=Payer.Kind.NDIS,
              email="invoices@planpartners.example"),
        Payer(name="Allianz WorkCover NSW", kind=Payer.Kind.WORKCOVER,
              email="claims@allianz-workcover.example"),
    ])


def make_patients(rng: random.Random, clinics: list[Clinic], count: int, progress=None) -> int:
    numbers = NumberSequence.next_block(PATIENT_NUMBER_SEQUENCE, count, start=FIRST_PATIENT_NUMBER)
    today = timezone.localdate()
    batch: list[Patient] = []
    made = 0
    for number in numbers:
        female = rng.random() < 0.56
        first = rng.choice(FIRST_F if female else FIRST_M)
        last = rng.choice(LAST)
        clinic_index = rng.choices([0, 1, 2], weights=[45, 30, 25])[0]
        suburb, postcode = rng.choice(SUBURBS[clinic_index])
        age_days = int(rng.triangular(4 * 365, 92 * 365, 62 * 365))
        has_email = rng.random() < 0.8
        patient = Patient(
            number=number, first_name=first, last_name=last,
            preferred_name=rng.choice(["", "", "", "", "", first[:3] + "ie"]) if not female else "",
            date_of_birth=today - timedelta(days=age_days),
            sex=Sex.FEMALE if female else Sex.MALE,
            email=(f"{first.split()[0].lower()}.{last.lower().replace(chr(39), '')}{number % 997}"
                   f"@example.com") if has_email else "",
            mobile=_mobile(rng) if rng.random() < 0.93 else "",
            address_line=f"{rng.randint(1, 240)} {rng.choice(STREETS)}", suburb=suburb,
            state=clinics[clinic_index].state, postcode=postcode,
            alerts=rng.choice(ALERTS) if rng.random() < 0.08 else "",
            home_clinic=clinics[clinic_index],
            sms_consent=rng.random() < 0.95,
        )
        patient.search_text = patient.build_search_text()
        batch.append(patient)
        if len(batch) >= 2000:
            Patient.objects.bulk_create(batch)
            made += len(batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        Patient.objects.bulk_create(batch)
        made += len(batch)
        if progress:
            progress(len(batch))
    return made


def make_appointments(rng: random.Random, clinics, clinicians, types, weeks: int,
                      created_by=None, progress=None) -> int:
    """Each clinician works their clinics' opening hours; past weeks are mostly full and settled,
    the coming weeks fill up less the further out they are."""
    patient_ids = {i: list(Patient.objects.filter(home_clinic=c).values_list("pk", flat=True))
                   for i, c in enumerate(clinics)}
    today = timezone.localdate()
    start_day = today - timedelta(weeks=max(weeks - 4, 1))
    end_day = today + timedelta(weeks=4)
    batch: list[Appointment] = []
    made = 0
    day = start_day
    while day < end_day:
        for clinician, idx in clinicians:
            clinic_index = idx[day.weekday() % len(idx)]  # the roster of create_practice
            clinic = clinics[clinic_index]
            hours = [h for h in clinic._demo_hours if h.weekday == day.weekday()]
            if not hours or not patient_ids[clinic_index]:
                continue
            days_out = (day - today).days
            fill = 0.82 if days_out < 0 else max(0.15, 0.75 - days_out * 0.025)
            cursor = datetime.combine(day, hours[0].opens, tzinfo=clinic.tz)
            closes = datetime.combine(day, hours[0].closes, tzinfo=clinic.tz)
            while True:
                appt_type_index = rng.choices(range(len(types)), weights=TYPE_WEIGHTS)[0]
                appt_type = types[appt_type_index]
                end = cursor + timedelta(minutes=appt_type.duration_minutes)
                if end > closes:
                    break
                if rng.random() < fill:
                    status = _status_for(rng, days_out, cursor)
                    batch.append(Appointment(
                        patient_id=rng.choice(patient_ids[clinic_index]), clinician=clinician,
                        clinic=clinic, appointment_type=appt_type,
                        starts_at=cursor, ends_at=end, status=status,
                        reason=rng.choice(REASONS), created_by=created_by,
                        cancellation_reason=("Patient unwell" if status ==
                                             AppointmentStatus.CANCELLED else ""),
                        is_paid=status == AppointmentStatus.COMPLETED and rng.random() < 0.9,
                    ))
                cursor = end if rng.random() < 0.8 else end + timedelta(minutes=15)
        if len(batch) >= 2000:
            Appointment.objects.bulk_create(batch)
            made += len(batch)
            if progress:
                progress(len(batch))
            batch = []
        day += timedelta(days=1)
    if batch:
        Appointment.objects.bulk_create(batch)
        made += len(batch)
        if progress:
            progress(len(batch))
    return made


def _status_for(rng: random.Random, days_out: int, starts: datetime) -> str:
    now = timezone.now()
    if starts < now:
        r = rng.random()
        if days_out == 0:
            return rng.choice([AppointmentStatus.COMPLETED, AppointmentStatus.ARRIVED])
        if r < 0.06:
            return AppointmentStatus.CANCELLED
        if r < 0.10:
            return AppointmentStatus.NO_SHOW
        return AppointmentStatus.COMPLETED
    r = rng.random()
    if r < 0.05:
        return AppointmentStatus.CANCELLED
    if days_out <= 2 and r < 0.55:
        return AppointmentStatus.CONFIRMED
    return AppointmentStatus.BOOKED


def make_invoices(rng: random.Random, weeks_back: int = 6, progress=None) -> int:
    """Invoices (and payments, for the appointments marked paid) for the completed appointments
    of the last `weeks_back` weeks, issued on the day of the visit, so the dashboard and reports
    have history. Totals come from billing.gst, as the invoicing service computes them."""
    from django.conf import settings as conf

    from billing import gst
    from billing.models import Invoice, InvoiceLine, InvoiceStatus, Payer, Payment, PaymentMethod
    from billing.services import INVOICE_SEQUENCE
    from ncc.tax import xero_tax_type

    dva = Payer.objects.filter(kind=Payer.Kind.DVA).first()

    since = timezone.now() - timedelta(weeks=weeks_back)
    appointments = list(
        Appointment.objects.filter(status=AppointmentStatus.COMPLETED, starts_at__gte=since)
        .select_related("clinic", "appointment_type", "clinician__user").order_by("starts_at")
    )
    if not appointments:
        return 0
    numbers = NumberSequence.next_block(INVOICE_SEQUENCE, len(appointments))
    invoices, lines, payments = [], [], []
    for number, appt in zip(numbers, appointments, strict=True):
        day = appt.local_starts_at.date()
        tax_type = xero_tax_type(appt.appointment_type.tax_treatment)
        totals = gst.invoice_totals([(Decimal("1"), appt.appointment_type.price, tax_type)])
        paid = appt.is_paid
        # About one visit in twelve is a veteran's, billed to DVA with the claim number.
        to_dva = dva is not None and rng.random() < 0.08
        invoice = Invoice(
            payer=dva if to_dva else None, clinician=appt.clinician,
            claim_number=f"NX{rng.randint(100000, 999999)}" if to_dva else "",
            number=f"{conf.BILLING_INVOICE_PREFIX}{number:06d}", patient_id=appt.patient_id,
            clinic=appt.clinic, issue_date=day, due_date=day + timedelta(days=14),
            status=InvoiceStatus.PAID if paid else InvoiceStatus.AWAITING_PAYMENT,
            subtotal=totals.subtotal, gst=totals.gst, total=totals.total,
            amount_paid=totals.total if paid else Decimal("0.00"),
            amount_due=Decimal("0.00") if paid else totals.total, paid_on=day if paid else None,
        )
        invoices.append(invoice)
        lines.append(InvoiceLine(
            invoice=invoice, position=1, appointment=appt,
            description=f"{appt.appointment_type.name}, {appt.local_starts_at:%a %-d %b %Y} "
                        f"with {appt.clinician.display_name}",
            quantity=Decimal("1"), unit_amount=appt.appointment_type.price,
            line_amount=totals.lines[0].line_amount, gst=totals.lines[0].tax,
            item_number=appt.appointment_type.item_number,
            account_code="200", tax_type=tax_type, tracking_category="Clinic",
            tracking_option=appt.clinic.short_name))
        if paid and to_dva:
            payments.append(Payment(invoice=invoice, date=day, amount=totals.total,
                                    method=PaymentMethod.DVA, reference=invoice.claim_number))
        elif paid and rng.random() < 0.45:
            # A HICAPS claim on the spot and the patient's gap.
            benefit = (totals.total * Decimal(rng.choice(["0.5", "0.6", "0.7"]))).quantize(
                Decimal("0.01"))
            payments.append(Payment(invoice=invoice, date=day, amount=benefit,
                                    method=PaymentMethod.HEALTH_FUND,
                                    fund_name=rng.choice(["Bupa", "Medibank", "HCF", "nib"]),
                                    reference=f"HC{rng.randint(100000, 999999)}"))
            payments.append(Payment(invoice=invoice, date=day, amount=totals.total - benefit,
                                    method=PaymentMethod.CARD, reference="Gap"))
        elif paid:
            payments.append(Payment(invoice=invoice, date=day, amount=totals.total,
                                    method=rng.choice([PaymentMethod.CARD, PaymentMethod.CARD,
                                                       PaymentMethod.CASH, PaymentMethod.EFT])))
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    InvoiceLine.objects.bulk_create(lines, batch_size=1000)
    Payment.objects.bulk_create(payments, batch_size=1000)
    if progress:
        progress(len(invoices))
    return len(invoices)


def make_clinical_records(rng: random.Random) -> int:
    """A little clinical history for Ben: signed notes for his recent completed visits (one a
    diabetic foot assessment), one draft left unsigned from an earlier day, two referrers and a
    Medicare CDM referral. Kept small: the demo shows the pages, the benchmark the volume."""
    from clinical import services as clinical
    from clinical import shipped
    from clinical.models import NoteTemplate, Referrer

    ben = Clinician.objects.filter(user__first_name="Ben").select_related("user").first()
    if ben is None:
        return 0
    lee = Referrer.objects.create(name="Dr Jane Lee", practice="Harbour Medical Centre",
                                  provider_number="2426011A", phone="+61292314400",
                                  email="jane.lee@harbourmedical.example")
    Referrer.objects.create(name="Dr Raj Patel", kind=Referrer.Kind.SPECIALIST,
                            specialty="Vascular surgeon", practice="Sydney Vascular",
                            fax="+61292314499")
    if NoteTemplate.objects.filter(slug__in=["review-soap", "diabetic-foot"]).count() < 2:
        # The migration ships them; a database emptied since (a test's flush) has lost them.
        shipped.install(NoteTemplate)
    soap = NoteTemplate.objects.get(slug="review-soap")
    diabetic = NoteTemplate.objects.get(slug="diabetic-foot")
    now = timezone.now()
    visits = list(Appointment.objects.filter(
        clinician=ben, status=AppointmentStatus.COMPLETED, starts_at__lt=now,
        starts_at__gte=now - timedelta(days=14)).select_related("patient").order_by("-starts_at")
        [:12])
    written = 0
    for i, visit in enumerate(visits):
        template = diabetic if i == 0 else soap
        note = clinical.start_note(actor=ben.user, patient=visit.patient, template=template,
                                   appointment=visit)
        if template is diabetic:
            answers = {"diabetes_type": "Type 2", "hba1c": "7.8",
                       "monofilament_not_felt__left": ["Hallux"],
                       "dp_pulse__left": "Diminished", "dp_pulse__right": "Palpable",
                       "pt_pulse__left": "Palpable", "pt_pulse__right": "Palpable",
                       "footwear": "Inappropriate", "risk_category": "High",
                       "plan": "Medical grade footwear; review in 6 weeks."}
            clinical.save_referral(actor=ben.user, patient=visit.patient, kind="cdm",
                                   referrer=lee, issued_on=(now - timedelta(days=60)).date(),
                                   expires_on=(now + timedelta(days=300)).date())
        else:
            answers = {"subjective": rng.choice(["Heel pain easing", "Corn painful again",
                                                 "Orthoses comfortable"]),
                       "objective": rng.choice(["Callus 1st MTPJ debrided", "Nails reduced",
                                                "Plantar fascia less tender"]),
                       "plan": rng.choice(["Review 6 weeks", "Review 3 months"])}
        clinical.save_draft(note, actor=ben.user, raw_answers=answers)
        if i != len(visits) - 1:  # the oldest stays a draft: My day lists it as unsigned
            clinical.sign_note(note, actor=ben.user)
        written += 1
    return written


def seed(seed: int = 2026, patients: int = 600, weeks: int = 12, progress_factory=None):
    rng = random.Random(seed)
    clinics, clinicians, types, logins = create_practice(rng)
    for clinic in clinics:
        clinic._demo_hours = list(clinic.opening_hours.all())

    def bar(total, label):
        return progress_factory(total, label) if progress_factory else None

    p = bar(patients, "patients")
    n_patients = make_patients(rng, clinics, patients, p.update if p is not None else None)
    if p is not None:
        p.close()
    owner = User.objects.get(email="owner@walkeasy.example")
    a = bar(None, "appointments")
    n_appts = make_appointments(rng, clinics, clinicians, types, weeks, created_by=owner,
                                progress=a.update if a is not None else None)
    if a is not None:
        a.close()
    n_invoices = make_invoices(rng, weeks_back=max(weeks - 4, 1))
    make_clinical_records(rng)
    return DemoSummary(len(clinics), len(clinicians), n_patients, n_appts, logins, n_invoices)
