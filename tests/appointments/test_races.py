"""Races on real PostgreSQL (decision 3): real threads, each with its own connection, no wrapping
test transaction (it would hide the races). 50 clients go for one doctor slot, one room, one
therapist: exactly the capacity succeeds, every other gets a 409, and a self-join finds no two
active allocations of one resource overlapping."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from appointments.clock import local_instant
from appointments.models import Appointment, AppointmentSlot, ServiceResourceRequirement
from appointments.services import appointment_book
from clinic.api_errors import Conflict
from tests.appointments.conftest import hm, make_doctor, make_therapist, monday_ahead
from tests.factories import BranchFactory, RoomFactory, ServiceFactory, UserFactory, make_patient

CLIENTS = 50
WORKERS = 25  # the server's connections are shared with other test runs

OVERLAPS = """
    SELECT count(*) FROM appointments_resourceallocation a
    JOIN appointments_resourceallocation b
      ON a.id < b.id
     AND a.period && b.period
     AND a.share_key <> b.share_key
     AND (a.staff_id = b.staff_id OR a.room_id = b.room_id)
    WHERE a.status IN ('reserved', 'confirmed', 'in_use') AND b.status IN ('reserved', 'confirmed', 'in_use')
"""


def race(requests: list[dict]) -> list[str]:
    """Run appointment_book once per request, WORKERS at a time, released together in waves."""
    barrier = threading.Barrier(WORKERS)

    def client(kwargs):
        try:
            barrier.wait(timeout=30)
            appointment_book(**kwargs)
            return "booked"
        except Conflict as exc:
            assert exc.http_status == 409 and exc.code == "booking_conflict"
            assert "alternatives" in exc.extra
            return f"409 {exc.extra['resource']}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(client, requests, timeout=120))


def overlapping_active_allocations() -> int:
    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        return cursor.fetchone()[0]


@pytest.fixture
def scene(transactional_db, hospital):
    branch = BranchFactory(
        hospital=hospital, code="BLR", name="Indiranagar", opens_at=hm("09:00"), closes_at=hm("20:00")
    )
    monday = monday_ahead(branch)
    start = local_instant(branch.zone, monday, hm("10:00"))
    desk = UserFactory(username="desk", groups=["Front desk"])
    patients = [make_patient(branch=branch) for _ in range(CLIENTS)]
    return branch, monday, start, desk, patients


def doctor_with_slot(branch, monday, start, *, capacity=1, name="Ananya"):
    doctor = make_doctor(branch, name)
    AppointmentSlot.objects.create(
        staff=doctor,
        branch=branch,
        slot_date=monday,
        start_time=hm("10:00"),
        end_time=hm("10:30"),
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        max_bookings=capacity,
    )
    return doctor


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("capacity", [1, 3])
def test_fifty_clients_for_one_doctor_slot_get_exactly_its_capacity(scene, capacity):
    branch, monday, start, desk, patients = scene
    doctor = doctor_with_slot(branch, monday, start, capacity=capacity)
    outcomes = race(
        [
            {"acting_user": desk, "patient": p, "branch": branch, "doctor": doctor, "start": start}
            for p in patients
        ]
    )
    assert outcomes.count("booked") == capacity
    assert outcomes.count("409 doctor") == CLIENTS - capacity
    assert AppointmentSlot.objects.get(staff=doctor).current_bookings == capacity
    assert Appointment.objects.count() == capacity
    assert overlapping_active_allocations() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", ["room", "therapist"])
def test_fifty_clients_with_fifty_doctors_for_one_room_or_therapist_get_exactly_one(
    scene, hospital, resource
):
    branch, monday, start, desk, patients = scene
    doctors = [doctor_with_slot(branch, monday, start, name=f"Doc{i}") for i in range(CLIENTS)]
    service = ServiceFactory(hospital=hospital, code="SVC", name="Procedure", duration_minutes=30)
    room = RoomFactory(branch=branch, room_code="LSR-1", room_name="Laser Suite", room_type="laser")
    therapist = make_therapist(branch, "Priya")
    ServiceResourceRequirement.objects.create(
        service=service,
        requires_room=resource == "room",
        room_type="laser" if resource == "room" else "",
        requires_therapist=resource == "therapist",
        preparation_time_minutes=5,
    )
    extra = {"room": room} if resource == "room" else {"therapist": therapist}
    outcomes = race(
        [
            {
                "acting_user": desk,
                "patient": p,
                "branch": branch,
                "doctor": d,
                "start": start,
                "service": service,
                **extra,
            }
            for p, d in zip(patients, doctors, strict=True)
        ]
    )
    assert outcomes.count("booked") == 1
    assert outcomes.count(f"409 {resource}") == CLIENTS - 1
    assert Appointment.objects.count() == 1
    # The losers' doctor slots were given back.
    assert sum(AppointmentSlot.objects.values_list("current_bookings", flat=True)) == 1
    assert overlapping_active_allocations() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_idempotency_key_ten_times_at_once_books_once_with_ten_identical_replies(scene):
    from tests.conftest import api_as

    branch, monday, start, desk, patients = scene
    from clinic.models import Staff

    Staff.objects.create(user=desk, hospital=branch.hospital, staff_type="front_desk", first_name="Desk")
    desk.staff.branches.add(branch)
    doctor = doctor_with_slot(branch, monday, start)
    payload = {
        "patient_id": str(patients[0].pk),
        "branch_id": str(branch.pk),
        "doctor_id": str(doctor.pk),
        "start": start.isoformat(),
    }
    barrier = threading.Barrier(10)

    def client(_):
        try:
            api = api_as(desk)
            barrier.wait(timeout=30)
            response = api.post(
                "/api/appointments/book/", payload, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(client, range(10), timeout=120))
    assert Appointment.objects.count() == 1
    assert {code for code, _ in replies} == {201}
    assert all(reply == replies[0] for reply in replies)
    assert replies[0][1]["id"] == str(Appointment.objects.get().pk)
    assert overlapping_active_allocations() == 0
