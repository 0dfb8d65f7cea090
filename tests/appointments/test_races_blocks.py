"""Races on real PostgreSQL for blocks and leave (real threads, own connections, no wrapping test
transaction): bookings and a room block going for the same room at once leave no overlap, and ten
desks recording overlapping leave of one person at once record exactly one."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from appointments.models import ResourceAllocation, StaffLeave
from appointments.services import appointment_book, resource_block, staff_leave_record
from clinic.api_errors import Conflict
from tests.appointments.conftest import at, hm, make_doctor, make_schedule, monday_ahead
from tests.appointments.test_races import overlapping_active_allocations
from tests.factories import BranchFactory, RoomFactory, ServiceFactory, UserFactory, make_patient

WORKERS = 10


def together(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
            return "done"
        except Conflict as exc:
            return f"409 {exc.code}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls, timeout=120))


@pytest.mark.django_db(transaction=True)
def test_a_block_and_bookings_racing_for_one_room_never_overlap(hospital):
    from appointments.models import ServiceResourceRequirement
    from appointments.services import slot_generate

    branch = BranchFactory(hospital=hospital, code="BLR", opens_at=hm("09:00"), closes_at=hm("20:00"))
    monday = monday_ahead(branch)
    doctors = [make_doctor(branch, f"Doc{i}") for i in range(WORKERS - 1)]
    for doctor in doctors:
        make_schedule(doctor, branch, lunch=None)
    slot_generate(branch=branch, weeks=1, today=monday)
    service = ServiceFactory(hospital=hospital, code="LSR", name="Laser", duration_minutes=30)
    ServiceResourceRequirement.objects.create(service=service, requires_room=True, room_type="laser")
    room = RoomFactory(branch=branch, room_code="LSR-1", room_name="Laser Suite", room_type="laser")
    desk = UserFactory(username="desk", groups=["Front desk"])
    start = at(branch, monday, "10:00")
    calls = [
        (
            lambda d=d: appointment_book(
                acting_user=desk,
                patient=make_patient(branch=branch),
                branch=branch,
                doctor=d,
                start=start,
                service=service,
                room=room,
            )
        )
        for d in doctors
    ]
    calls.append(
        lambda: resource_block(
            acting_user=desk,
            branch=branch,
            room=room,
            start=at(branch, monday, "09:00"),
            end=at(branch, monday, "12:00"),
            reason="AC maintenance",
        )
    )
    outcomes = together(calls)
    assert outcomes.count("done") == 1, outcomes
    active = ResourceAllocation.objects.filter(room=room, status__in=["reserved", "confirmed", "in_use"])
    assert active.count() == 1
    assert overlapping_active_allocations() == 0


@pytest.mark.django_db(transaction=True)
def test_ten_desks_recording_overlapping_leave_at_once_record_one(hospital):
    branch = BranchFactory(hospital=hospital, code="BLR")
    monday = monday_ahead(branch)
    doctor = make_doctor(branch)
    desk = UserFactory(username="desk", groups=["Front desk"])
    calls = [
        (
            lambda i=i: staff_leave_record(
                acting_user=desk,
                staff=doctor,
                branch=branch,
                start_date=monday,
                end_date=monday,
                reason=f"Desk {i}",
            )
        )
        for i in range(WORKERS)
    ]
    outcomes = together(calls)
    assert outcomes.count("done") == 1 and outcomes.count("409 leave_overlaps") == WORKERS - 1, outcomes
    assert StaffLeave.objects.filter(staff=doctor).count() == 1
