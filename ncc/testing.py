"""Factories shared by every app's tests: plain functions that make valid rows with few words."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from accounts.models import User
from clinics.models import Clinic, Clinician, OpeningHours
from patients import services as patient_services
from scheduling.models import Appointment, AppointmentType

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_clinic(short_name="Sydney CBD", time_zone="Australia/Sydney", **kw) -> Clinic:
    n = next(_seq)
    defaults = dict(name=f"Walk Easy {short_name} {n}", short_name=short_name,
                    address_line=f"{n} Pitt St", suburb="Sydney", state="NSW", postcode="2000",
                    phone="+61292314455", time_zone=time_zone)
    defaults.update(kw)
    clinic = Clinic.objects.create(**defaults)
    OpeningHours.objects.bulk_create([
        OpeningHours(clinic=clinic, weekday=d, opens=time(8), closes=time(18)) for d in range(7)
    ])
    return clinic


def make_user(role="receptionist", first_name="Mia", email=None, clinic=None, **kw) -> User:
    email = email or f"{first_name.lower()}{next(_seq)}@walkeasy.example"
    user = User.objects.create_user(email, PASSWORD, first_name=first_name, role=role,
                                    home_clinic=clinic, **kw)
    return user


def make_clinician(first_name="Ben", clinics=(), **kw) -> Clinician:
    user = make_user("clinician", first_name=first_name, clinic=clinics[0] if clinics else None)
    clinician = Clinician.objects.create(user=user, **kw)
    clinician.clinics.set(clinics)
    return clinician


def make_patient(clinic, first_name="John", last_name="Smith", date_of_birth=date(1970, 3, 12),
                 actor=None, **kw):
    kw.setdefault("mobile", "+61412345678")
    return patient_services.create_patient(actor=actor, first_name=first_name,
                                           last_name=last_name, date_of_birth=date_of_birth,
                                           home_clinic=clinic, **kw)


def make_type(name="Review", minutes=30, price="75.00", **kw) -> AppointmentType:
    return AppointmentType.objects.create(name=f"{name}", duration_minutes=minutes,
                                          price=Decimal(price), **kw)


def make_appointment(patient, clinician, clinic, appointment_type, starts_at: datetime,
                     **kw) -> Appointment:
    kw.setdefault("ends_at", starts_at + timedelta(minutes=appointment_type.duration_minutes))
    return Appointment.objects.create(patient=patient, clinician=clinician, clinic=clinic,
                                      appointment_type=appointment_type, starts_at=starts_at,
                                      **kw)
