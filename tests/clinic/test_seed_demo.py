"""seed_demo: a believable clinic, unchanged by a second run, with demo logins that open the admin."""

import datetime
import io

import phonenumbers
import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from clinic import demo_data
from clinic.models import (
    Branch,
    DataKey,
    Hospital,
    Medicine,
    NumberSequence,
    Package,
    PackageItem,
    Patient,
    PatientSearchToken,
    Room,
    Service,
    Staff,
    StockBatch,
)
from clinic.selectors.patients import patient_search
from clinic.selectors.stock import branch_today

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "admin": "Admin",
    "frontdesk": "Front desk",
    "frontdesk.hyd": "Front desk",
    "doctor": "Doctor",
    "therapist": "Therapist/Nurse",
}
COUNTED = [
    Hospital,
    Branch,
    Staff,
    Room,
    Service,
    Package,
    PackageItem,
    Medicine,
    StockBatch,
    Patient,
    PatientSearchToken,
    DataKey,
    Group,
]


@pytest.fixture(autouse=True)
def demo_settings(settings, monkeypatch):
    settings.DEBUG = True  # the command publishes logins only on a development machine
    settings.ADMIN_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, not the point here
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    return settings


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", patients=options.pop("patients", 30), stdout=out, **options)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    counts["User"] = get_user_model().objects.count()
    for model in (Staff, Room, Service, Package, Medicine, StockBatch, Patient):
        counts[f"history of {model.__name__}"] = model.history.count()
    counts["numbers issued"] = sum(NumberSequence.objects.values_list("last_value", flat=True))
    return counts


def test_a_second_run_adds_nothing():
    first_output = seed()
    after_first = row_counts()

    second_output = seed()

    assert row_counts() == after_first
    assert after_first["Patient"] == 30
    assert after_first["Branch"] == 2
    assert after_first["Staff"] == 14
    assert after_first["Room"] == 10
    assert after_first["Service"] == 20
    assert after_first["Medicine"] == 200
    assert "already present    0" in first_output
    assert "created    0" in second_output
    assert "already present   30" in second_output


def test_a_larger_run_keeps_the_patients_of_a_smaller_one():
    seed(patients=10)
    first_ten = set(Patient.objects.values_list("id", flat=True))

    seed(patients=25)

    assert Patient.objects.count() == 25
    assert first_ten < set(Patient.objects.values_list("id", flat=True))


def test_each_demo_login_authenticates_and_opens_the_admin(client):
    seed(patients=0)

    for username, group in DEMO_LOGINS.items():
        user = authenticate(username=username, password=demo_data.DEFAULT_DEMO_PASSWORD)
        assert user is not None, username
        assert user.is_staff
        assert user.groups.filter(name=group).exists()
        assert Staff.objects.filter(user=user, is_active=True).exists()
        assert client.login(username=username, password=demo_data.DEFAULT_DEMO_PASSWORD)
        assert client.get("/admin/").status_code == 200, username
        client.logout()
    assert get_user_model().objects.get(username="admin").is_superuser
    hyderabad_desk = Staff.objects.get(user__username="frontdesk.hyd")
    assert set(hyderabad_desk.branches.values_list("code", flat=True)) == {"HYD"}


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-Password-1")

    output = seed(patients=0)

    assert authenticate(username="doctor", password="another-demo-Password-1") is not None
    assert authenticate(username="doctor", password=demo_data.DEFAULT_DEMO_PASSWORD) is None
    assert "another-demo-Password-1" in output


def test_the_output_lists_the_demo_logins():
    output = seed(patients=0)

    for username in DEMO_LOGINS:
        assert f" {username} " in output
    assert demo_data.DEFAULT_DEMO_PASSWORD in output


def test_demo_patients_are_found_by_phone():
    seed()

    patients = list(Patient.objects.select_related("pii_key"))
    assert len(patients) == 30
    for patient in patients:
        number = phonenumbers.parse(patient.phone)
        assert phonenumbers.is_valid_number(number) and patient.phone[3] in "6789"
        national = patient.phone[3:]
        assert patient in patient_search(query=f"{national[:5]} {national[5:]}"), patient.mrn


def test_demo_patients_look_like_a_clinic_register():
    seed()

    today = timezone.localdate()
    for patient in Patient.objects.select_related("pii_key"):
        age = (today - patient.date_of_birth).days // 365
        assert 4 <= age <= 86
        assert ("senior_citizen" in patient.special_groups) == (age >= demo_data.SENIOR_CITIZEN_AGE)
        if patient.abha_number:
            assert len(patient.abha_number.replace("-", "")) == 14
        if patient.email:
            assert patient.email.rsplit("@", 1)[1] in demo_data.EMAIL_DOMAINS
        if patient.pin_code:
            assert patient.pin_code[:3] in ("560", "500")


def test_stock_has_batches_near_expiry_and_none_expired():
    seed(patients=0)

    for branch in Branch.objects.all():
        today = branch_today(branch)
        batches = StockBatch.objects.filter(branch=branch)
        assert not batches.filter(expiry_date__lte=today).exists()
        assert batches.filter(expiry_date__lte=today + datetime.timedelta(days=60)).exists()
        per_medicine = set(batches.values_list("medicine_id", flat=True))
        assert len(per_medicine) == 200
        assert 200 <= batches.count() <= 600
        assert not batches.exclude(quantity_available=F("quantity_received")).exists()


def test_services_follow_indian_gst_and_scheduling_flags():
    seed(patients=0)

    consultation = Service.objects.get(code="CONS-NEW")
    laser = Service.objects.get(code="LHR-FACE")
    assert consultation.gst_rate == 0 and consultation.auto_approval_eligible
    assert laser.gst_rate == 18 and laser.duration_minutes == 60
    assert laser.requires_room_allocation and laser.requires_staff_allocation
    package = Package.objects.get(code="PKG-LHR-FACE6")
    assert package.sessions == 6 and package.items.get().service == laser
    assert set(Medicine.objects.values_list("hsn_code", flat=True)) <= {"3004", "3304", "3305"}


def test_refuses_to_publish_logins_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed(patients=0)

    assert not Hospital.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()
