"""A small clinic for appointment tests: a Bengaluru branch (Asia/Kolkata) with a doctor working
Mondays 10:00-14:00 in 30-minute slots with lunch 12:00-13:00, a laser room, a consultation room,
two therapists, a 30-minute consultation and a 60-minute laser service that needs a laser room and
a therapist (10 minutes' preparation, 5 minutes' cleanup; the laser room keeps a 15-minute buffer).

Dates are a Monday three weeks ahead, so "in the past" and minimum notice never get in the way
unless a test asks for them.
"""

import datetime
from dataclasses import dataclass

import pytest

from appointments.clock import branch_today, local_instant
from appointments.models import DoctorSchedule, ScheduleBreak, ServiceResourceRequirement
from appointments.services import slot_generate
from clinic.models import Branch, Room, Service, Staff
from tests.factories import (
    BranchFactory,
    RoomFactory,
    ServiceFactory,
    StaffFactory,
    UserFactory,
    make_patient,
)


def monday_ahead(branch: Branch, weeks: int = 3) -> datetime.date:
    today = branch_today(branch)
    return today + datetime.timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


def at(branch: Branch, day: datetime.date, hh_mm: str) -> datetime.datetime:
    return local_instant(branch.zone, day, hm(hh_mm))


def hm(value: str) -> datetime.time:
    hour, minute = map(int, value.split(":"))
    return datetime.time(hour, minute)


def make_doctor(branch: Branch, name: str = "Ananya", **kwargs) -> Staff:
    return StaffFactory(
        hospital=branch.hospital,
        staff_type="doctor",
        title="Dr.",
        first_name=name,
        branches=[branch],
        **kwargs,
    )


def make_therapist(branch: Branch, name: str) -> Staff:
    return StaffFactory(
        hospital=branch.hospital, staff_type="therapist", title="Ms.", first_name=name, branches=[branch]
    )


def make_schedule(
    doctor: Staff,
    branch: Branch,
    *,
    day: int = 0,
    start: str = "10:00",
    end: str = "14:00",
    length: int = 30,
    capacity: int = 1,
    lunch: tuple[str, str] | None = ("12:00", "13:00"),
) -> DoctorSchedule:
    schedule = DoctorSchedule.objects.create(
        staff=doctor,
        branch=branch,
        day_of_week=day,
        start_time=hm(start),
        end_time=hm(end),
        slot_duration_minutes=length,
        max_patients_per_slot=capacity,
    )
    if lunch:
        ScheduleBreak.objects.create(schedule=schedule, start_time=hm(lunch[0]), end_time=hm(lunch[1]))
    return schedule


@dataclass
class Clinic:
    branch: Branch
    doctor: Staff
    schedule: DoctorSchedule
    monday: datetime.date
    consult: Service
    laser: Service
    laser_room: Room
    consult_room: Room
    priya: Staff
    divya: Staff
    desk: object
    patient: object

    def at(self, hh_mm: str, day: datetime.date | None = None) -> datetime.datetime:
        return at(self.branch, day or self.monday, hh_mm)


@pytest.fixture
def clinic(db, hospital) -> Clinic:
    branch = BranchFactory(
        hospital=hospital, code="BLR", name="Indiranagar", opens_at=hm("09:00"), closes_at=hm("20:00")
    )
    doctor = make_doctor(branch)
    schedule = make_schedule(doctor, branch)
    monday = monday_ahead(branch)
    slot_generate(branch=branch, weeks=1, today=monday)
    consult = ServiceFactory(hospital=hospital, code="CONS", name="Consultation", duration_minutes=30)
    laser = ServiceFactory(
        hospital=hospital,
        code="LHR",
        name="Laser hair reduction",
        category="laser",
        duration_minutes=60,
        requires_room_allocation=True,
    )
    ServiceResourceRequirement.objects.create(
        service=laser,
        requires_room=True,
        room_type="laser",
        requires_doctor=True,
        requires_therapist=True,
        preparation_time_minutes=10,
        cleanup_time_minutes=5,
    )
    laser_room = RoomFactory(
        branch=branch, room_code="LSR-1", room_name="Laser Suite", room_type="laser", buffer_minutes=15
    )
    consult_room = RoomFactory(
        branch=branch, room_code="CON-1", room_name="Consultation Room", buffer_minutes=5
    )
    desk = UserFactory(username="desk", groups=["Front desk"])
    StaffFactory(user=desk, hospital=hospital, staff_type="front_desk", branches=[branch])
    return Clinic(
        branch=branch,
        doctor=doctor,
        schedule=schedule,
        monday=monday,
        consult=consult,
        laser=laser,
        laser_room=laser_room,
        consult_room=consult_room,
        priya=make_therapist(branch, "Priya"),
        divya=make_therapist(branch, "Divya"),
        desk=desk,
        patient=make_patient(branch=branch, first_name="Ramesh", last_name="Kumar"),
    )


@pytest.fixture
def book(clinic):
    """Book through the service with the clinic's defaults; keyword arguments override them."""
    from appointments.services import appointment_book

    def _book(hh_mm: str = "10:00", **kwargs):
        values = {
            "acting_user": clinic.desk,
            "patient": clinic.patient,
            "branch": clinic.branch,
            "doctor": clinic.doctor,
            "start": clinic.at(hh_mm, kwargs.pop("day", None)),
            "service": clinic.consult,
        }
        values.update(kwargs)
        return appointment_book(**values)

    return _book
