"""The doctor's tablet: the visit page and the ICD-10 search, against a no-op view, in one run.

    .venv/bin/python bench/consultation_page.py [--consultations 20000] [--small 500] [--repeat 200]

On a scratch database with the full WHO ICD-10 set (`manage.py load_icd10`), a clinic with 20
doctors, 2,000 patients and many completed consultations (each with diagnoses and a finalized
prescription), it measures through Django's test client, signed in as the doctor:
  (a) the visit page /doctor/visit/<id>/ of an in-progress consultation with vitals, notes,
      2 diagnoses and 4 medicines, of a patient with an earlier visit and allergies;
  (b) the ICD-10 search /api/consultations/icd10/?q=... over words and codes as a doctor types them;
  (c) the no-op view: signed in, does nothing, returns "ok" (defined here, in a local urlconf).
Each pair is measured alternately, so that both sides see the same load on the machine. The
visit page's query count is taken at two data sizes (--small and --consultations) and must not
change. Goals: (a) <= 5 x (c); (b) <= 3 x (c); query count constant.
For comparison (not goals) it also prints like-for-like baselines: an empty staff page (the
layout every staff page renders: navigation, the user's clinic) and a no-op DRF endpoint with
the search's authentication and permission.
Tables are VACUUM ANALYZEd after loading, as autovacuum would do after a bulk load (the GIN index
of the ICD-10 search keeps new entries in its pending list until then).
Last line: the figures; exit status 1 when a goal is missed.
"""

import argparse
import datetime
import itertools
import logging
import random
import secrets
import statistics
import sys
import time
import types
import uuid
from decimal import Decimal

from _django import scratch_database
from django.contrib.auth.decorators import login_required
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments.models import Appointment, AppointmentStatus
from clinic import keystore
from clinic.models import Branch, DataKey, DataKeyPurpose, Hospital, Medicine, Patient, Staff, StockBatch
from consultations.api import IsClinicStaff
from consultations.models import (
    Consultation,
    ConsultationDiagnosis,
    ConsultationStatus,
    DiagnosisCode,
    DiagnosisCodeKind,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
)
from consultations.services.chips import doctor_chips_refresh
from consultations.services.diagnoses import diagnosis_add
from consultations.services.notes import note_save_sections
from consultations.services.prescriptions import (
    prescription_finalize,
    prescription_get_or_create_draft,
    prescription_item_add,
)
from consultations.services.vitals import vitals_record
from consultations.services.workflow import consultation_start, consultation_transition
from emr.services import allergy_record

GOAL_PAGE_RATIO = 5.0
GOAL_ICD_RATIO = 3.0
DOCTORS = 20
PATIENTS = 2_000
ICD_QUERIES = [
    "ac", "acn", "acne", "acne vul", "pso", "psoria", "psoriasis vulg", "tinea", "tinea corp", "ringworm",
    "urtic", "vitiligo", "melasma", "eczema", "atopic derm", "alopecia ar", "scabies", "warts", "herpes zos",
    "L70", "L70.0", "B35", "B35.4", "L40.0", "psoraisis", "hair fall", "pimples", "seborrh",
]  # fmt: skip


@login_required
def noop(request):
    """The baseline: what a signed-in request costs here before it does anything."""
    return HttpResponse("ok")


@login_required
def noop_page(request):
    """For comparison: an empty staff page (the layout every staff page pays for)."""
    return render(request, "staff/base.html")


class NoopApi(APIView):
    """For comparison: a no-op endpoint with the ICD-10 search's authentication and permission."""

    permission_classes = [IsAuthenticated, IsClinicStaff]

    def get(self, request):
        return Response({"results": []})


bench_urls = types.ModuleType("bench_consultation_urls")
bench_urls.urlpatterns = [
    path("noop/", noop),
    path("noop-page/", noop_page),
    path("noop-api/", NoopApi.as_view()),
    path("", include("config.urls")),
]
sys.modules["bench_consultation_urls"] = bench_urls


def build_clinic():
    from django.contrib.auth.models import Group, User

    hospital = Hospital.objects.create(code="BENCH", name="Bench Skin Clinic")
    branch = Branch.objects.create(
        hospital=hospital,
        code="BEN",
        name="Bench",
        address_line1="1 Road",
        city="Bengaluru",
        state="Karnataka",
        pin_code="560001",
    )
    doctor_group = Group.objects.get(name="Doctor")
    doctors = []
    for n in range(DOCTORS):
        user = User.objects.create_user(username=f"doctor{n}", is_staff=True)
        user.groups.add(doctor_group)
        staff = Staff.objects.create(
            user=user,
            hospital=hospital,
            staff_type="doctor",
            title="Dr.",
            first_name=f"Doctor{n}",
            last_name="Bench",
            registration_number=f"KMC-{n:05d}",
        )
        staff.branches.add(branch)
        doctors.append(staff)
    return hospital, branch, doctors


def make_patients(branch, n):
    patients, keys = [], []
    for i in range(n):
        pid = uuid.uuid4()
        key = DataKey(id=uuid.uuid4(), subject_id=pid, purpose=DataKeyPurpose.PII)
        keystore._wrap(key, keystore.crypto.new_key())
        keys.append(key)
        patients.append(
            Patient(
                id=pid,
                mrn=f"MRN-BEN-2026-{i + 1:06d}",
                registered_branch=branch,
                pii_key=key,
                first_name=f"Patient{i}",
                last_name="Bench",
                phone=f"+9198{i:08d}",
                sex="F" if i % 2 else "M",
                date_of_birth=datetime.date(1970 + i % 40, 1 + i % 12, 1 + i % 28),
            )
        )
    DataKey.objects.bulk_create(keys)
    Patient.objects.bulk_create(patients)
    return patients


def make_medicines(hospital, branch):
    forms = [
        ("capsule", "strip"),
        ("tablet", "strip"),
        ("cream", "tube"),
        ("gel", "tube"),
        ("lotion", "bottle"),
    ]
    medicines = []
    for n in range(60):
        form, unit = forms[n % len(forms)]
        medicines.append(
            Medicine(
                hospital=hospital,
                generic_name=f"Genericum {n}",
                brand_name=f"Brand{n}",
                drug_class="bench",
                form=form,
                unit=unit,
                strength=f"{10 + n} mg",
                gst_rate=Decimal("12"),
            )
        )
    Medicine.objects.bulk_create(medicines)
    today = timezone.localdate()
    StockBatch.objects.bulk_create(
        [
            StockBatch(
                medicine=m,
                branch=branch,
                batch_number=f"B{n}",
                quantity_received=100,
                quantity_available=100,
                expiry_date=today + datetime.timedelta(days=300),
                received_on=today - datetime.timedelta(days=10),
                mrp=Decimal("120.00"),
                cost_price=Decimal("80.00"),
            )
            for n, m in enumerate(medicines)
        ]
    )
    return medicines


class History:
    """Completed consultations in bulk (appointment, consultation, 2 diagnoses, a finalized
    prescription with 2 items each), spread over the last year and the 20 doctors; then each
    doctor's chips counted, as the completion of those visits would have."""

    def __init__(self, branch, doctors, patients, medicines, rng):
        self.branch, self.doctors, self.patients, self.medicines, self.rng = (
            branch,
            doctors,
            patients,
            medicines,
            rng,
        )
        self.codes = list(
            DiagnosisCode.objects.filter(code__startswith="L", kind=DiagnosisCodeKind.CATEGORY).values_list(
                "pk", flat=True
            )[:200]
        )
        self.count = 0
        self.numbers = itertools.count(1)

    def add(self, n, *, batch=2000):
        while n > 0:
            size = min(batch, n)
            self._batch(size)
            n -= size
            self.count += size
        for doctor in self.doctors:  # as completing those visits would have
            doctor_chips_refresh(doctor_id=doctor.pk)

    def _batch(self, size):
        now = timezone.now()
        appointments, consultations, diagnoses, prescriptions, items = [], [], [], [], []
        for _ in range(size):
            k = next(self.numbers)
            doctor = self.doctors[k % len(self.doctors)]
            patient = self.rng.choice(self.patients)
            starts = now - datetime.timedelta(days=self.rng.randint(1, 365), minutes=self.rng.randint(0, 600))
            local = timezone.localtime(starts, self.branch.zone)
            appointment = Appointment(
                number=f"APT-BEN-H-{k:07d}",
                patient=patient,
                branch=self.branch,
                doctor=doctor,
                appointment_date=local.date(),
                start_time=local.time().replace(microsecond=0),
                end_time=(local + datetime.timedelta(minutes=15)).time().replace(microsecond=0),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(minutes=15),
                status=AppointmentStatus.COMPLETED,
            )
            consultation = Consultation(
                number=f"CON-BEN-H-{k:07d}",
                appointment=appointment,
                patient=patient,
                doctor=doctor,
                branch=self.branch,
                status=ConsultationStatus.COMPLETED,
                started_at=starts,
                completed_at=starts + datetime.timedelta(minutes=12),
                duration_minutes=12,
            )
            appointments.append(appointment)
            consultations.append(consultation)
            for primary, code in zip((True, False), self.rng.sample(self.codes, 2), strict=True):
                diagnoses.append(
                    ConsultationDiagnosis(consultation=consultation, code_id=code, is_primary=primary)
                )
            prescription = Prescription(
                number=f"RX-BEN-H-{k:07d}",
                consultation=consultation,
                patient=patient,
                doctor=doctor,
                branch=self.branch,
                status=PrescriptionStatus.FINALIZED,
                finalized_at=starts + datetime.timedelta(minutes=10),
                verification_token=secrets.token_urlsafe(24),
            )
            prescriptions.append(prescription)
            for order, medicine in enumerate(self.rng.sample(self.medicines, 2), 1):
                items.append(
                    PrescriptionItem(
                        prescription=prescription,
                        medicine=medicine,
                        medicine_name=str(medicine),
                        generic_name=medicine.generic_name.lower(),
                        dosage_form=medicine.form,
                        dosage="1 tablet",
                        frequency="BD",
                        duration_value=7,
                        display_order=order,
                    )
                )
        Appointment.objects.bulk_create(appointments)
        Consultation.objects.bulk_create(consultations)
        ConsultationDiagnosis.objects.bulk_create(diagnoses)
        Prescription.objects.bulk_create(prescriptions)
        PrescriptionItem.objects.bulk_create(items)


def checked_in(patient, doctor, branch, n):
    now = timezone.now()
    local = timezone.localtime(now, branch.zone)
    return Appointment.objects.create(
        number=f"APT-BEN-T-{n:05d}",
        patient=patient,
        branch=branch,
        doctor=doctor,
        appointment_date=local.date(),
        start_time=local.time().replace(microsecond=0),
        end_time=(local + datetime.timedelta(minutes=15)).time().replace(microsecond=0),
        starts_at=now,
        ends_at=now + datetime.timedelta(minutes=15),
        status=AppointmentStatus.CHECKED_IN,
        checked_in_at=now,
        chief_complaint="Pimples on the face",
    )


def the_visit(branch, doctor, patient, medicines):
    """An in-progress visit: vitals, notes, 2 diagnoses, 4 medicines; an earlier completed visit."""
    user = doctor.user
    codes = DiagnosisCode.objects
    earlier = consultation_start(acting_user=user, appointment=checked_in(patient, doctor, branch, 1))
    diagnosis_add(acting_user=user, consultation=earlier, code=codes.get(code="L70.0"))
    draft = prescription_get_or_create_draft(acting_user=user, consultation=earlier)
    prescription_item_add(
        acting_user=user,
        prescription=draft,
        data={"medicine": medicines[0], "dosage": "1 capsule", "frequency": "BD", "duration_value": 14},
    )
    prescription_finalize(acting_user=user, prescription=draft)
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=user, consultation=earlier, to_status=status)
    Consultation.objects.filter(pk=earlier.pk).update(started_at=timezone.now() - datetime.timedelta(days=21))
    allergy_record(acting_user=user, patient=patient, allergen_type="drug", allergen_name="Sulfonamide")

    visit = consultation_start(acting_user=user, appointment=checked_in(patient, doctor, branch, 2))
    vitals_record(
        acting_user=user,
        consultation=visit,
        data={
            "blood_pressure_systolic": 128,
            "blood_pressure_diastolic": 84,
            "pulse_rate": 88,
            "temperature": "99.1",
            "temperature_unit": "F",
            "weight_kg": "74",
            "height_cm": "168",
        },
    )
    note_save_sections(
        acting_user=user,
        consultation=visit,
        sections={
            "chief_complaint": "Pimples on the face for 3 months.",
            "physical_examination": "Papules and pustules on both cheeks; no nodules.",
            "assessment": "Moderate acne vulgaris.",
            "plan": "Doxycycline and adapalene; review in 6 weeks.",
        },
    )
    consultation_transition(acting_user=user, consultation=visit, to_status=ConsultationStatus.IN_EXAMINATION)
    diagnosis_add(acting_user=user, consultation=visit, code=codes.get(code="L70.0"))
    diagnosis_add(acting_user=user, consultation=visit, code=codes.get(code="L81.0"))
    draft = prescription_get_or_create_draft(acting_user=user, consultation=visit)
    for medicine in medicines[1:5]:
        prescription_item_add(
            acting_user=user,
            prescription=draft,
            data={"medicine": medicine, "dosage": "1 tablet", "frequency": "OD", "duration_value": 10},
        )
    return visit


def paired_medians(first, second, *, repeat):
    first()
    second()
    times = ([], [])
    for _ in range(repeat):
        for slot, fn in ((0, first), (1, second)):
            start = time.perf_counter()
            fn()
            times[slot].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def vacuum_analyze():
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--consultations", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(11)
    logging.getLogger("clinic.access").setLevel(logging.WARNING)  # one line per request otherwise

    with scratch_database():
        start = time.perf_counter()
        call_command("load_icd10", verbosity=0)
        icd_count = DiagnosisCode.objects.count()
        hospital, branch, doctors = build_clinic()
        patients = make_patients(branch, PATIENTS)
        medicines = make_medicines(hospital, branch)
        history = History(branch, doctors, patients, medicines, rng)
        visit = the_visit(branch, doctors[0], patients[0], medicines)
        print(
            f"loaded {icd_count} ICD-10 codes and {PATIENTS} patients in {time.perf_counter() - start:.1f} s"
        )

        with override_settings(ROOT_URLCONF="bench_consultation_urls", DEBUG=False):
            client = Client()
            client.force_login(doctors[0].user)
            page_url = f"/doctor/visit/{visit.pk}/"
            queries = itertools.cycle(ICD_QUERIES)

            def get(url, params=None):
                response = client.get(url, params)
                assert response.status_code == 200, (url, response.status_code)

            def page():
                get(page_url)

            def icd():
                get("/api/consultations/icd10/", {"q": next(queries)})

            counts = {}
            for label, size in (("small", args.small), ("large", args.consultations)):
                history.add(size - history.count)
                vacuum_analyze()
                page()
                counts[label] = count_queries(page)
                total = Consultation.objects.count()
                print(f"{label}: {total} consultations; visit page queries = {counts[label]}")

            page_ms, noop_ms = paired_medians(page, lambda: get("/noop/"), repeat=args.repeat)
            icd_repeat = max(args.repeat, 4 * len(ICD_QUERIES))
            icd_ms, noop_icd_ms = paired_medians(icd, lambda: get("/noop/"), repeat=icd_repeat)
            page_again_ms, noop_page_ms = paired_medians(
                page, lambda: get("/noop-page/"), repeat=args.repeat // 2
            )
            icd_again_ms, noop_api_ms = paired_medians(icd, lambda: get("/noop-api/"), repeat=icd_repeat // 2)
            noop_queries = count_queries(lambda: get("/noop/"))
            icd_queries = count_queries(icd)

    constant = counts["small"] == counts["large"]
    page_ratio, icd_ratio = page_ms / noop_ms, icd_ms / noop_icd_ms
    ok = constant and page_ratio <= GOAL_PAGE_RATIO and icd_ratio <= GOAL_ICD_RATIO
    print(f"(a) visit page: {page_ms:.2f} ms, {counts['large']} queries ({page_ratio:.2f} x the no-op)")
    print(
        f"(b) ICD-10 search, {icd_count} codes: {icd_ms:.2f} ms, {icd_queries} queries "
        f"({icd_ratio:.2f} x the no-op)"
    )
    print(
        f"(c) no-op view: {noop_ms:.2f} ms (and {noop_icd_ms:.2f} ms beside the search), "
        f"{noop_queries} queries"
    )
    print(
        f"like for like: visit page {page_again_ms:.2f} ms = {page_again_ms / noop_page_ms:.2f} x an empty "
        f"staff page ({noop_page_ms:.2f} ms); search {icd_again_ms:.2f} ms = "
        f"{icd_again_ms / noop_api_ms:.2f} x a "
        f"no-op endpoint with its permissions ({noop_api_ms:.2f} ms)"
    )
    print(
        f"consultations={args.consultations} small={args.small} icd_codes={icd_count} page_ms={page_ms:.2f} "
        f"icd_ms={icd_ms:.2f} noop_ms={noop_ms:.2f} queries_small={counts['small']} "
        f"queries_large={counts['large']} constant={'yes' if constant else 'NO'} "
        f"page_over_noop={page_ratio:.2f} (goal<={GOAL_PAGE_RATIO:g}) "
        f"icd_over_noop={icd_ratio:.2f} (goal<={GOAL_ICD_RATIO:g}) {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
