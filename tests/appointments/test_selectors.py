"""Availability (appointments.selectors.availability) and the appointment reads: combined slots,
doctor + room + therapist free at once with preparation, cleanup and buffers, breaks, leave,
holidays, blocks, past times and notice, branch time zones; and query counts that do not grow
with the calendar."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import AppointmentSlot, Holiday, ScheduleBreak, StaffLeave
from appointments.selectors import (
    appointment_calendar,
    appointment_list,
    appointment_list_for_day,
    branch_availability,
    doctor_free_slots,
    rooms_available,
    therapists_available,
)
from appointments.services import appointment_book, slot_block, slot_generate
from tests.appointments.conftest import hm, make_doctor, make_schedule, monday_ahead
from tests.factories import BranchFactory, make_patient


def times(options):
    return [o.local_start.strftime("%H:%M") for o in options]


def free(clinic, **kwargs):
    kwargs.setdefault("date", clinic.monday)
    return doctor_free_slots(doctor=clinic.doctor, branch=clinic.branch, **kwargs)


def test_a_consultation_can_start_at_every_free_slot_shown_in_india_time(clinic):
    options = free(clinic, service=clinic.consult)
    assert times(options) == ["10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]
    first = options[0]
    assert first.local_start.isoformat() == f"{clinic.monday.isoformat()}T10:00:00+05:30"
    assert first.starts_at == clinic.at("10:00") and first.ends_at == clinic.at("10:30")
    assert first.capacity_left == 1 and len(first.slot_ids) == 1


def test_a_sixty_minute_service_combines_consecutive_slots_and_skips_lunch(clinic):
    options = free(clinic, service=clinic.laser)
    assert times(options) == ["10:00", "10:30", "11:00", "13:00"]
    assert all(len(o.slot_ids) == 2 for o in options)
    assert options[0].room_ids == (clinic.laser_room.id,)
    assert set(options[0].therapist_ids) == {clinic.priya.id, clinic.divya.id}


def test_doctor_room_and_therapist_must_be_free_together(clinic, book):
    book("10:00", service=clinic.laser, therapist=clinic.priya)  # laser room 09:50-11:20, Priya 09:50-11:05
    # 11:00 has the doctor free but the laser room still in its buffer until 11:20.
    assert times(free(clinic, service=clinic.laser)) == ["13:00"]
    assert times(free(clinic, service=clinic.consult)) == ["11:00", "11:30", "13:00", "13:30"]
    thirteen = free(clinic, service=clinic.laser)[0]
    assert set(thirteen.therapist_ids) == {clinic.priya.id, clinic.divya.id}


def test_a_busy_therapist_is_left_out_and_the_last_one_gates_the_time(clinic, book):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    from tests.factories import RoomFactory

    RoomFactory(branch=clinic.branch, room_code="LSR-2", room_name="Laser Two", room_type="laser")
    book("10:00", service=clinic.laser, therapist=clinic.priya)
    book(
        "10:00",
        doctor=other,
        service=clinic.laser,
        therapist=clinic.divya,
        patient=make_patient(branch=clinic.branch),
    )
    karthik = doctor_free_slots(doctor=other, branch=clinic.branch, date=clinic.monday, service=clinic.laser)
    # Both therapists are busy until 11:05; 11:00 would need one from 10:50.
    assert times(karthik) == ["13:00"]


def test_capacity_left_counts_down_in_a_shared_slot(clinic, book):
    AppointmentSlot.objects.update(max_bookings=3)
    book("10:00")
    assert free(clinic, service=clinic.consult)[0].capacity_left == 2


def test_blocks_breaks_added_later_leave_and_holidays_remove_times(clinic):
    slot_block(
        acting_user=clinic.desk,
        slots=AppointmentSlot.objects.filter(start_time=hm("10:00")),
        reason="Meeting",
    )
    ScheduleBreak.objects.create(
        schedule=clinic.schedule, start_time=hm("13:30"), end_time=hm("14:00"), label="Tea"
    )
    assert times(free(clinic)) == ["10:30", "11:00", "11:30", "13:00"]
    StaffLeave.objects.create(staff=clinic.doctor, start_date=clinic.monday, end_date=clinic.monday)
    assert free(clinic) == []
    StaffLeave.objects.all().delete()
    Holiday.objects.create(branch=clinic.branch, date=clinic.monday, name="Ugadi")
    assert free(clinic) == []


def test_past_times_and_minimum_notice_are_left_out(clinic):
    assert times(free(clinic, not_before=clinic.at("10:45"))) == ["11:00", "11:30", "13:00", "13:30"]
    monday_morning = clinic.at("08:59")
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=monday_morning):
        assert times(free(clinic, self_service=True)) == ["11:00", "11:30", "13:00", "13:30"]
        assert times(free(clinic)) == ["10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]


def test_a_branch_in_dubai_shows_its_own_wall_clock(hospital):
    dubai = BranchFactory(
        hospital=hospital,
        code="DXB",
        name="Dubai Marina",
        time_zone="Asia/Dubai",
        opens_at=hm("09:00"),
        closes_at=hm("18:00"),
    )
    doctor = make_doctor(dubai, "Farah")
    make_schedule(doctor, dubai, start="09:00", end="10:00", lunch=None)
    monday = monday_ahead(dubai)
    slot_generate(branch=dubai, weeks=1, today=monday)
    options = doctor_free_slots(doctor=doctor, branch=dubai, date=monday)
    assert [o.local_start.isoformat() for o in options] == [
        f"{monday.isoformat()}T09:00:00+04:00",
        f"{monday.isoformat()}T09:30:00+04:00",
    ]
    assert options[0].starts_at == datetime.datetime.combine(monday, datetime.time(5, 0), tzinfo=datetime.UTC)


def test_rooms_and_therapists_for_a_period_are_marked_free_or_busy(clinic, book):
    book("10:00", service=clinic.laser, therapist=clinic.priya)
    rooms = rooms_available(
        branch=clinic.branch, start=clinic.at("11:00"), end=clinic.at("11:30"), service=clinic.laser
    )
    assert [(str(r.resource), r.available) for r in rooms] == [("Laser Suite (LSR-1)", False)]
    assert rooms[0].busy == [(clinic.at("09:50"), clinic.at("11:20"))]
    later = rooms_available(
        branch=clinic.branch, start=clinic.at("13:00"), end=clinic.at("14:00"), room_type="laser"
    )
    assert [r.available for r in later] == [True]
    everything = rooms_available(branch=clinic.branch, start=clinic.at("11:00"), end=clinic.at("11:30"))
    assert {str(r.resource.room_code): r.available for r in everything} == {"LSR-1": False, "CON-1": True}

    StaffLeave.objects.create(staff=clinic.divya, start_date=clinic.monday, end_date=clinic.monday)
    people = therapists_available(branch=clinic.branch, start=clinic.at("10:30"), end=clinic.at("11:00"))
    assert {p.resource.first_name: (p.available, p.reason) for p in people} == {
        "Priya": (False, ""),
        "Divya": (False, "on leave"),
    }


def test_the_whole_branch_for_several_days(clinic):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch, day=1, start="17:00", end="18:00", lunch=None)
    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    days = branch_availability(branch=clinic.branch, start_date=clinic.monday, days=2, service=clinic.consult)
    table = {(d.doctor.first_name, d.date.weekday()): times(d.options) for d in days}
    assert table == {
        ("Ananya", 0): ["10:00", "10:30", "11:00", "11:30", "13:00", "13:30"],
        ("Ananya", 1): [],
        ("Karthik", 0): [],
        ("Karthik", 1): ["17:00", "17:30"],
    }


# --- Query counts do not grow with the data -------------------------------------------------------


def grow(clinic, *, doctors: int, weeks: int):
    """More doctors, more weeks of slots, and a booking in every other slot on the Mondays."""
    for n in range(doctors):
        make_schedule(make_doctor(clinic.branch, f"Extra{n}"), clinic.branch)
    slot_generate(branch=clinic.branch, weeks=weeks, today=clinic.monday)
    patient = clinic.patient
    for slot in AppointmentSlot.objects.filter(
        start_time__in=[hm("10:00"), hm("11:00"), hm("13:00")], current_bookings=0
    ):
        appointment_book(
            acting_user=clinic.desk,
            patient=patient,
            branch=clinic.branch,
            doctor=slot.staff,
            start=slot.starts_at,
            service=clinic.consult,
        )


def count_queries(fn) -> int:
    fn()  # warm: the user's roles and branches are read once and kept for the request
    with CaptureQueriesContext(connection) as queries:
        result = fn()
        if hasattr(result, "__iter__") and not isinstance(result, list | tuple | dict):
            list(result)
    return len(queries)


READS = {
    "doctor_free_slots": lambda c: doctor_free_slots(
        doctor=c.doctor, branch=c.branch, date=c.monday, service=c.laser
    ),
    "branch_availability": lambda c: branch_availability(
        branch=c.branch, start_date=c.monday, days=7, service=c.laser
    ),
    "rooms_available": lambda c: rooms_available(
        branch=c.branch, start=c.at("10:00"), end=c.at("11:00"), service=c.laser
    ),
    "therapists_available": lambda c: therapists_available(
        branch=c.branch, start=c.at("10:00"), end=c.at("11:00"), service=c.laser
    ),
    "appointment_list": lambda c: [a.patient.full_name for a in appointment_list(user=c.desk)],
    "appointment_list_for_day": lambda c: [
        (a.patient.full_name, str(a.doctor), str(a.service))
        for a in appointment_list_for_day(user=c.desk, branch=c.branch, day=c.monday)
    ],
    "appointment_calendar": lambda c: [
        list(q)
        for q in appointment_calendar(
            user=c.desk, start_date=c.monday, end_date=c.monday + datetime.timedelta(days=6), branch=c.branch
        )
    ],
}


@pytest.mark.parametrize("read", READS)
def test_query_counts_are_the_same_at_two_data_sizes(clinic, read):
    grow(clinic, doctors=1, weeks=1)
    small = count_queries(lambda: READS[read](clinic))
    grow(clinic, doctors=6, weeks=4)
    assert AppointmentSlot.objects.count() > 150
    large = count_queries(lambda: READS[read](clinic))
    assert small == large, f"{read}: {small} queries with little data, {large} with more"
    assert large <= 10
