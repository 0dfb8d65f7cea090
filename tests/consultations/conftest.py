"""A dermatology clinic for consultation tests: doctor_a (Dr. Meera Rao, branch A) with a checked-in
patient, a nurse and the front desk of branch A, doctor_b of branch B, a few medicines with stock,
and the ICD-10 chapter XII (skin) loaded. The full ICD-10 set is loaded by one test only."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from clinic.models import Staff
from clinic.selectors.stock import branch_today
from consultations.models import DiagnosisCode
from consultations.services.icd10 import icd10_load
from consultations.services.workflow import consultation_start
from tests.factories import MedicineFactory, StaffFactory, StockBatchFactory, UserFactory

_numbers = itertools.count(1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def doctor_a(branch_a):
    user = UserFactory(username="doctor_a", groups=["Doctor"])
    StaffFactory(
        user=user,
        staff_type="doctor",
        branches=[branch_a],
        hospital=branch_a.hospital,
        title="Dr.",
        first_name="Meera",
        last_name="Rao",
        qualifications="MBBS, MD (Dermatology)",
        registration_number="KMC-54321",
    )
    return user


@pytest.fixture
def doctor_a2(branch_a):
    """Another doctor of branch A: part of the care team, not the consultation's doctor."""
    user = UserFactory(username="doctor_a2", groups=["Doctor"])
    StaffFactory(
        user=user, staff_type="doctor", branches=[branch_a], hospital=branch_a.hospital, first_name="Kiran"
    )
    return user


@pytest.fixture
def nurse_a(branch_a):
    user = UserFactory(username="nurse_a", groups=["Therapist/Nurse"])
    StaffFactory(
        user=user, staff_type="nurse", branches=[branch_a], hospital=branch_a.hospital, first_name="Lata"
    )
    return user


def staff(user) -> Staff:
    return Staff.objects.get(user=user)


def checked_in_appointment(
    *, patient, doctor_user, branch, status=AppointmentStatus.CHECKED_IN, **extra
) -> Appointment:
    now = timezone.now()
    local = timezone.localtime(now, branch.zone)
    return Appointment.objects.create(
        # From 90000 up: the booking service numbers from 1 in each test, and must not meet these.
        number=f"APT-{branch.code}-{local.year}-{90000 + next(_numbers):05d}",
        patient=patient,
        branch=branch,
        doctor=staff(doctor_user),
        appointment_date=local.date(),
        start_time=local.time().replace(microsecond=0),
        end_time=(local + datetime.timedelta(minutes=30)).time().replace(microsecond=0),
        starts_at=now,
        ends_at=now + datetime.timedelta(minutes=30),
        status=status,
        checked_in_at=now if status == AppointmentStatus.CHECKED_IN else None,
        chief_complaint="Pimples on face for 3 months",
        **extra,
    )


@pytest.fixture
def appointment_a(patient_a, doctor_a, branch_a):
    return checked_in_appointment(patient=patient_a, doctor_user=doctor_a, branch=branch_a)


@pytest.fixture
def consultation_a(appointment_a, doctor_a):
    return consultation_start(acting_user=doctor_a, appointment=appointment_a)


@pytest.fixture
def icd_skin(db):
    icd10_load(chapters=["XII", "I"])
    return DiagnosisCode.objects


@pytest.fixture
def medicines(hospital):
    """The clinic's list: generic name, class, form and stock unit as the demo data has them."""

    def make(generic, drug_class, form, unit, strength, brand):
        return MedicineFactory(
            hospital=hospital,
            generic_name=generic,
            brand_name=brand,
            drug_class=drug_class,
            form=form,
            unit=unit,
            strength=strength,
            gst_rate=Decimal("12"),
        )

    return {
        "isotretinoin": make("Isotretinoin", "retinoid", "capsule", "strip", "20 mg", "Isotroin"),
        "doxycycline": make("Doxycycline", "tetracycline", "capsule", "strip", "100 mg", "Doxt-SL"),
        "amoxiclav": make(
            "Amoxicillin + Clavulanic acid", "penicillin", "tablet", "strip", "625 mg", "Augmentin"
        ),
        "tretinoin": make("Tretinoin", "retinoid", "cream", "tube", "0.025% w/w", "Retino-A"),
        "itraconazole": make("Itraconazole", "azole antifungal", "capsule", "capsule", "200 mg", "Itaspor"),
        "ketoconazole": make("Ketoconazole", "azole antifungal", "shampoo", "bottle", "2% w/v", "Nizral"),
        "cetirizine": make("Cetirizine", "antihistamine (H1)", "tablet", "tablet", "10 mg", "Cetzine"),
    }


def add_batch(
    medicine, branch, *, quantity, expires_in_days, received_days_ago=10, mrp="120.00", number=None
):
    today = branch_today(branch)
    extra = {"batch_number": number} if number else {}
    return StockBatchFactory(
        medicine=medicine,
        branch=branch,
        quantity_received=quantity,
        expiry_date=today + expires_in_days * DAY,
        received_on=today - received_days_ago * DAY,
        mrp=Decimal(mrp),
        **extra,
    )


def item_data(medicine=None, **overrides) -> dict:
    data = {"dosage": "1 tablet", "frequency": "OD", "duration_value": 10, "duration_unit": "days"}
    if medicine is not None:
        data["medicine"] = medicine
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _reference_data(db):
    """The starter interaction rules and note templates of migrations 0002/0003, put back when a
    transactional test elsewhere has flushed the tables."""
    import importlib

    from django.apps import apps

    from consultations.models import InteractionRule, NoteTemplate

    if not InteractionRule.objects.exists():
        importlib.import_module("consultations.migrations.0002_interaction_rules_starter_set").add_rules(
            apps, None
        )
    if not NoteTemplate.objects.exists():
        importlib.import_module("consultations.migrations.0003_note_templates").add_templates(apps, None)
