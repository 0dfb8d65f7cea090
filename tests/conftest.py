"""Shared personas: admin, front desk of branch A, doctor of branch A, doctor of branch B, anonymous."""

import socket

import pytest
from rest_framework.test import APIClient

from tests.factories import BranchFactory, HospitalFactory, StaffFactory, UserFactory, make_patient
from tests.live_services import celery_worker_queue  # noqa: F401 (a fixture for every test module)


@pytest.fixture(autouse=True)
def _no_network_beyond_loopback(monkeypatch):
    """Tests talk only to loopback (PostgreSQL, Redis, stub servers)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")
        ):
            raise OSError(f"network access to {host!r} is blocked in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def hospital(db):
    return HospitalFactory()


@pytest.fixture
def branch_a(hospital):
    return BranchFactory(hospital=hospital, code="BLR", name="Indiranagar")


@pytest.fixture
def branch_b(hospital):
    return BranchFactory(
        hospital=hospital,
        code="HYD",
        name="Jubilee Hills",
        city="Hyderabad",
        state="Telangana",
        pin_code="500033",
        gstin="36ABCDE1234F1Z5",
    )


def _persona(username, group, staff_type, branches):
    user = UserFactory(username=username, groups=[group] if group else [])
    StaffFactory(user=user, staff_type=staff_type, branches=branches, hospital=branches[0].hospital)
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_superuser=True)


@pytest.fixture
def front_desk_a(branch_a):
    return _persona("frontdesk_a", "Front desk", "front_desk", [branch_a])


@pytest.fixture
def doctor_a(branch_a):
    return _persona("doctor_a", "Doctor", "doctor", [branch_a])


@pytest.fixture
def doctor_b(branch_b):
    return _persona("doctor_b", "Doctor", "doctor", [branch_b])


@pytest.fixture
def patient_a(branch_a):
    return make_patient(branch=branch_a, first_name="Ramesh", last_name="Kumar", phone="+91 98450 12345")


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
