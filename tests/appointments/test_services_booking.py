"""Booking (appointments.services.booking): combined slots, resources with preparation, cleanup and
buffers, approval, follow-ups, walk-ins, resource allocation, each conflict kind as a 409 with
alternatives, and bad input refused with nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from appointments.models import (
    Appointment,
    AppointmentSlot,
    AppointmentStatusHistory,
    Holiday,
    ResourceAllocation,
    ServiceResourceRequirement,
    StaffLeave,
)
from appointments.selectors.availability import utc_range
from appointments.services import (
    appointment_allocate_resources,
    appointment_approve,
    appointment_walk_in,
)
from appointments.services.resources import busy_from_integrity_error
from clinic.api_errors import Conflict
from clinic.models import Patient
from tests.appointments.conftest import make_doctor, make_schedule, make_therapist
from tests.factories import BranchFactory, RoomFactory, ServiceFactory, make_patient

MIN = datetime.timedelta(minutes=1)


def snapshot():
    """Everything a booking writes, to prove a refusal wrote nothing."""
    return (
        list(Appointment.objects.values_list("id", flat=True)),
        list(ResourceAllocation.objects.order_by("id").values_list("id", "status")),
        list(AppointmentSlot.objects.order_by("id").values_list("id", "current_bookings", "is_blocked")),
        AppointmentStatusHistory.objects.count(),
        Patient.objects.count(),
    )


def period(allocation):
    return allocation.period.lower, allocation.period.upper


def test_a_consultation_takes_one_slot_and_waits_for_approval(clinic, book):
    appointment = book("10:30")
    year = clinic.monday.year
    assert appointment.number == f"APT-BLR-{year}-00001"
    assert appointment.status == "requested" and appointment.requires_approval
    assert (appointment.appointment_date, appointment.start_time, appointment.end_time) == (
        clinic.monday,
        datetime.time(10, 30),
        datetime.time(11, 0),
    )
    assert appointment.starts_at == clinic.at("10:30")
    assert AppointmentSlot.objects.get(pk=appointment.slot_id).current_bookings == 1
    (doctor,) = appointment.allocations.all()
    assert (doctor.resource_type, doctor.staff, doctor.status) == ("doctor", clinic.doctor, "reserved")
    assert period(doctor) == (clinic.at("10:30"), clinic.at("11:00"))
    assert doctor.share_key == doctor.id
    assert appointment.resource_allocation_status == "not_needed"
    history = appointment.status_history.get()
    assert (history.old_status, history.new_status, history.changed_by) == ("", "requested", clinic.desk)
    assert book("11:00").number == f"APT-BLR-{year}-00002"


def test_a_sixty_minute_laser_combines_two_slots_with_room_and_therapist(clinic, book):
    appointment = book("10:00", service=clinic.laser)
    assert (appointment.start_time, appointment.end_time) == (datetime.time(10, 0), datetime.time(11, 0))
    counts = dict(AppointmentSlot.objects.values_list("start_time", "current_bookings"))
    assert (
        counts[datetime.time(10, 0)] == counts[datetime.time(10, 30)] == 1
        and counts[datetime.time(11, 0)] == 0
    )
    allocations = {a.resource_type: a for a in appointment.allocations.all()}
    assert set(allocations) == {"doctor", "room", "therapist"}
    assert period(allocations["doctor"]) == (clinic.at("10:00"), clinic.at("11:00"))
    # The room: 10 minutes' preparation before, 5 minutes' cleanup and the room's 15-minute buffer after.
    assert allocations["room"].room == clinic.laser_room
    assert period(allocations["room"]) == (clinic.at("09:50"), clinic.at("11:20"))
    # The therapist: preparation and cleanup, no room buffer.
    assert allocations["therapist"].staff in (clinic.priya, clinic.divya)
    assert period(allocations["therapist"]) == (clinic.at("09:50"), clinic.at("11:05"))
    assert appointment.room == clinic.laser_room and appointment.therapist == allocations["therapist"].staff
    assert appointment.resource_allocation_status == "allocated"


@pytest.mark.parametrize(
    ("eligible", "source", "paid", "status"),
    [
        (True, "self_service", True, "confirmed"),
        (True, "self_service", False, "requested"),
        (True, "front_desk", True, "requested"),
        (False, "self_service", True, "requested"),
    ],
)
def test_only_flagged_services_paid_in_full_online_are_approved_automatically(
    clinic, book, eligible, source, paid, status
):
    clinic.consult.auto_approval_eligible = eligible
    clinic.consult.save()
    appointment = book("13:00", source=source, is_fully_paid=paid)
    assert appointment.status == status
    assert (appointment.approved_at is not None) == (status == "confirmed")
    assert appointment.requires_approval == (status == "requested")
    assert set(appointment.allocations.values_list("status", flat=True)) == {
        "confirmed" if status == "confirmed" else "reserved"
    }


def test_approval_confirms_and_records_who(clinic, book):
    appointment = appointment_approve(acting_user=clinic.desk, appointment=book("10:00"))
    assert appointment.status == "confirmed"
    assert appointment.approved_by == clinic.desk and appointment.confirmed_by == clinic.desk
    assert set(appointment.allocations.values_list("status", flat=True)) == {"confirmed"}


def test_a_follow_up_points_at_its_visit(clinic, book):
    first = book("10:00")
    follow_up = book("13:00", parent_appointment=first)
    assert follow_up.is_follow_up and follow_up.parent_appointment == first
    stranger = make_patient(branch=clinic.branch, first_name="Meera")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        book("13:30", patient=stranger, parent_appointment=first)
    assert "parent_appointment" in refused.value.message_dict
    assert snapshot() == before


# --- Conflicts: 409 naming the resource, with alternatives -----------------------------------------


def test_a_taken_doctor_slot_is_a_409_with_the_nearest_free_times(clinic, book):
    book("11:00")
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        book("11:00", patient=make_patient(branch=clinic.branch))
    conflict = refused.value
    assert conflict.http_status == 409 and conflict.code == "booking_conflict"
    assert conflict.extra["resource"] == "doctor"
    assert "Dr. Ananya" in conflict.message
    times = [a["time"] for a in conflict.extra["alternatives"]]
    assert times == ["10:30", "11:30", "10:00", "13:00", "13:30"]  # nearest to 11:00 first, that day
    assert conflict.extra["alternatives"][0]["start"] == f"{clinic.monday.isoformat()}T10:30:00+05:30"
    assert snapshot()[0:3] == (before[0], before[1], before[2])


def test_alternatives_run_into_the_next_days(clinic, book):
    for hh_mm in ("10:00", "10:30", "11:00", "11:30", "13:00"):
        book(hh_mm)
    with pytest.raises(Conflict) as refused:
        book("13:00")
    alternatives = refused.value.extra["alternatives"]
    assert [a["time"] for a in alternatives] == ["13:30"]  # the schedule has one Monday generated
    AppointmentSlot.objects.all().delete()


def test_a_slot_for_three_takes_exactly_three(clinic, book):
    clinic.schedule.max_patients_per_slot = 3
    clinic.schedule.save()
    AppointmentSlot.objects.all().update(max_bookings=3)
    patients = [make_patient(branch=clinic.branch) for _ in range(4)]
    booked = [book("10:00", patient=p) for p in patients[:3]]
    slot = AppointmentSlot.objects.get(start_time="10:00")
    assert slot.current_bookings == 3
    # The three share the slot: their doctor allocations carry the slot as their share key.
    assert {a.share_key for a in ResourceAllocation.objects.filter(appointment__in=booked)} == {slot.id}
    with pytest.raises(Conflict) as refused:
        book("10:00", patient=patients[3])
    assert refused.value.extra["resource"] == "doctor" and "fully booked" in refused.value.message
    assert refused.value.extra["alternatives"][0]["capacity_left"] == 3


def test_a_sixty_minute_booking_cannot_overlap_a_shared_slot(clinic, book):
    AppointmentSlot.objects.all().update(max_bookings=3)
    book("10:30")
    with pytest.raises(Conflict) as refused:
        book("10:00", service=clinic.laser, patient=make_patient(branch=clinic.branch))
    assert refused.value.extra["resource"] == "doctor"


def test_a_room_in_use_is_a_409_naming_the_room(clinic, book, hospital):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    from appointments.services import slot_generate

    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    book("10:00", service=clinic.laser, room=clinic.laser_room, therapist=clinic.priya)
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        book(
            "10:00",
            doctor=other,
            service=clinic.laser,
            room=clinic.laser_room,
            therapist=clinic.divya,
            patient=make_patient(branch=clinic.branch),
        )
    assert refused.value.extra["resource"] == "room" and "Laser Suite" in refused.value.message
    assert snapshot()[:3] == before[:3]


def test_the_room_buffer_keeps_the_next_booking_out_until_it_has_passed(clinic, book):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch, start="10:00", end="14:00", length=15, lunch=None)
    from appointments.services import slot_generate

    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    book("10:00", service=clinic.laser)  # laser room held 09:50-11:20
    second = make_patient(branch=clinic.branch)
    with pytest.raises(Conflict) as refused:
        book("11:15", doctor=other, service=clinic.laser, patient=second)  # would need the room from 11:05
    assert refused.value.extra["resource"] == "room"
    with pytest.raises(Conflict):
        book("11:00", doctor=other, service=clinic.laser, patient=second)
    # From 11:30 the room's preparation starts at 11:20, just when the buffer ends.
    assert book("11:30", doctor=other, service=clinic.laser, patient=second).room == clinic.laser_room


def test_a_busy_therapist_is_a_409_naming_the_therapist(clinic, book):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    second_laser = RoomFactory(
        branch=clinic.branch, room_code="LSR-2", room_name="Laser Two", room_type="laser"
    )
    from appointments.services import slot_generate

    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    book("10:00", service=clinic.laser, therapist=clinic.priya)
    with pytest.raises(Conflict) as refused:
        book(
            "10:30",
            doctor=other,
            service=clinic.laser,
            room=second_laser,
            therapist=clinic.priya,
            patient=make_patient(branch=clinic.branch),
        )
    assert refused.value.extra["resource"] == "therapist" and "Priya" in refused.value.message
    # Without naming one, the free therapist is taken.
    booked = book(
        "10:30",
        doctor=other,
        service=clinic.laser,
        room=second_laser,
        patient=make_patient(branch=clinic.branch),
    )
    assert booked.therapist == clinic.divya


def test_when_no_room_of_the_type_is_free_the_booking_is_refused(clinic, book):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    from appointments.services import slot_generate

    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    book("10:00", service=clinic.laser)
    with pytest.raises(Conflict) as refused:
        book("10:30", doctor=other, service=clinic.laser, patient=make_patient(branch=clinic.branch))
    assert refused.value.extra["resource"] == "room" and "No laser room is free" in refused.value.message


def test_the_exclusion_constraint_is_the_last_word(clinic, book):
    """Even a row written past every check in Python cannot overlap an active allocation."""
    appointment = book("10:00", service=clinic.laser, room=clinic.laser_room, therapist=clinic.priya)
    for kind, values, expected in [
        ("room", {"room": clinic.laser_room}, "room"),
        ("therapist", {"staff": clinic.priya}, "therapist"),
        ("doctor", {"staff": clinic.doctor}, "doctor"),
    ]:
        with pytest.raises(IntegrityError) as refused, transaction.atomic():
            ResourceAllocation.objects.create(
                resource_type=kind,
                period=utc_range(clinic.at("10:15"), clinic.at("10:45")),
                share_key=appointment.id,
                **values,
            )
        assert refused.value.__cause__.sqlstate == "23P01"
        busy = busy_from_integrity_error(
            refused.value, doctor=clinic.doctor, room=clinic.laser_room, therapist=clinic.priya
        )
        assert busy.resource == expected
    # Cancelled rows do not count.
    ResourceAllocation.objects.create(
        resource_type="room",
        room=clinic.laser_room,
        period=utc_range(clinic.at("10:15"), clinic.at("10:45")),
        share_key=appointment.id,
        status="cancelled",
    )


def test_the_capacity_check_is_the_last_word_for_counters(clinic, book):
    appointment = book("10:00")
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        AppointmentSlot.objects.filter(pk=appointment.slot_id).update(current_bookings=2)
    assert refused.value.__cause__.sqlstate == "23514"


# --- Breaks, leave, holidays, past times, notice ----------------------------------------------------


def test_a_booking_cannot_run_into_lunch(clinic, book):
    with pytest.raises(Conflict, match="not free for 60 minutes from 11:30 am"):
        book("11:30", service=clinic.laser)
    with pytest.raises(ValidationError, match="not a slot start"):
        book("12:00")


def test_leave_recorded_after_slots_were_made_stops_bookings(clinic, book):
    StaffLeave.objects.create(
        staff=clinic.doctor, start_date=clinic.monday, end_date=clinic.monday, reason="Conference"
    )
    before = snapshot()
    with pytest.raises(Conflict, match="on leave"):
        book("10:00")
    assert snapshot() == before


def test_a_therapist_on_leave_is_not_taken(clinic, book):
    StaffLeave.objects.create(staff=clinic.priya, start_date=clinic.monday, end_date=clinic.monday)
    assert book("10:00", service=clinic.laser).therapist == clinic.divya
    with pytest.raises(Conflict, match="Priya Rao is on leave"):
        book("13:00", service=clinic.laser, therapist=clinic.priya)


def test_a_holiday_recorded_after_slots_were_made_stops_bookings(clinic, book):
    Holiday.objects.create(branch=clinic.branch, date=clinic.monday, name="Diwali")
    with pytest.raises(Conflict, match="closed"):
        book("10:00")


def test_self_service_needs_two_hours_notice(clinic, book):
    start = clinic.at("10:00")
    with pytest.raises(ValidationError, match="2 hours' notice"):
        book("10:00", source="self_service", now=start - 119 * MIN)
    assert book("10:00", source="self_service", now=start - 120 * MIN).status == "requested"


def test_the_front_desk_can_book_up_to_the_minute(clinic, book):
    assert book("10:00", now=clinic.at("10:00") - MIN).status == "requested"
    with pytest.raises(ValidationError, match="already passed"):
        book("10:30", now=clinic.at("10:31"))


# --- Bad input: a clear message for the field, nothing written -------------------------------------


@pytest.fixture
def bad_input_cases(clinic, hospital):
    elsewhere = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    retired = make_doctor(clinic.branch, "Retired", is_active=False)
    return {
        "inactive doctor": ({"doctor": retired}, "doctor"),
        "doctor of another branch": ({"doctor": make_doctor(elsewhere, "Srinivas")}, "doctor"),
        "not a doctor": ({"doctor": clinic.priya}, "doctor"),
        "in the past": ({"start": clinic.at("10:00") - datetime.timedelta(days=60)}, "start"),
        "naive start": ({"start": datetime.datetime.combine(clinic.monday, datetime.time(10, 0))}, "start"),
        "not on a slot boundary": ({"start": clinic.at("10:10")}, "start"),
        "outside hours": ({"start": clinic.at("18:00")}, "start"),
        "a day the doctor does not work": (
            {"start": clinic.at("10:00") + datetime.timedelta(days=1)},
            "start",
        ),
        "end before start": ({"end": clinic.at("09:30")}, "end"),
        "room of the wrong type": ({"service": clinic.laser, "room": clinic.consult_room}, "room"),
        "room of another branch": (
            {"room": RoomFactory(branch=elsewhere, room_code="X1", room_type="laser")},
            "room",
        ),
        "therapist who is a doctor": ({"service": clinic.laser, "therapist": clinic.doctor}, "therapist"),
        "service and package": ({"package": _package(hospital)}, "service"),
        "inactive service": ({"service": ServiceFactory(hospital=hospital, is_active=False)}, "service"),
        "not bookable online": (
            {
                "service": ServiceFactory(hospital=hospital, allow_self_booking=False),
                "source": "self_service",
            },
            "service",
        ),
    }


def _package(hospital):
    from clinic.models import Package

    return Package.objects.create(hospital=hospital, code="PKG", name="Package", price=100)


CASES = [
    "inactive doctor",
    "doctor of another branch",
    "not a doctor",
    "in the past",
    "naive start",
    "not on a slot boundary",
    "outside hours",
    "a day the doctor does not work",
    "end before start",
    "room of the wrong type",
    "room of another branch",
    "therapist who is a doctor",
    "service and package",
    "inactive service",
    "not bookable online",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(clinic, book, bad_input_cases, case):
    overrides, field = bad_input_cases[case]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        book("10:00", **overrides)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert all(m.strip() for m in refused.value.message_dict[field])
    assert snapshot() == before


def test_a_service_needing_a_room_type_the_branch_lacks_is_refused(clinic, book, hospital):
    peel = ServiceFactory(hospital=hospital, code="OT", name="Excision", duration_minutes=30)
    ServiceResourceRequirement.objects.create(service=peel, requires_room=True, room_type="ot")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        book("10:00", service=peel)
    assert refused.value.message_dict["service"] == [
        "Indiranagar has no operation theatre, which Excision needs."
    ]
    assert snapshot() == before


def test_alternative_room_types_are_accepted(clinic, book, hospital):
    botox = ServiceFactory(hospital=hospital, code="BTX", name="Botox", duration_minutes=30)
    ServiceResourceRequirement.objects.create(
        service=botox,
        requires_room=True,
        room_type="procedure",
        special_requirements={"alternative_room_types": ["ot"]},
    )
    ot = RoomFactory(branch=clinic.branch, room_code="OT-1", room_name="Minor OT", room_type="ot")
    assert book("10:00", service=botox).room == ot


# --- Walk-ins and resource allocation ----------------------------------------------------------------


def test_a_walk_in_gets_the_next_free_time_and_is_checked_in(clinic, book):
    book("10:00")
    appointment = appointment_walk_in(
        acting_user=clinic.desk,
        branch=clinic.branch,
        doctor=clinic.doctor,
        patient=clinic.patient,
        service=clinic.consult,
        now=clinic.at("09:55"),
    )
    assert appointment.start_time == datetime.time(10, 30)
    assert appointment.status == "checked_in" and appointment.booking_source == "walk_in"
    assert appointment.checked_in_by == clinic.desk
    assert list(appointment.status_history.values_list("new_status", flat=True)) == [
        "requested",
        "confirmed",
        "checked_in",
    ]


def test_a_walk_in_may_take_the_slot_that_just_began(clinic):
    appointment = appointment_walk_in(
        acting_user=clinic.desk,
        branch=clinic.branch,
        doctor=clinic.doctor,
        patient=clinic.patient,
        now=clinic.at("10:05"),
    )
    assert appointment.start_time == datetime.time(10, 0)


def test_a_new_walk_in_patient_is_registered_in_the_same_step(clinic):
    appointment = appointment_walk_in(
        acting_user=clinic.desk,
        branch=clinic.branch,
        doctor=clinic.doctor,
        now=clinic.at("09:00"),
        new_patient={"first_name": "Lakshmi", "last_name": "Iyer", "phone": "+91 98450 99887"},
    )
    assert appointment.patient.full_name == "Lakshmi Iyer" and appointment.patient.mrn


def test_a_walk_in_with_no_time_left_registers_nobody(clinic):
    before = snapshot()
    with pytest.raises(Conflict, match="no free time left today"):
        appointment_walk_in(
            acting_user=clinic.desk,
            branch=clinic.branch,
            doctor=clinic.doctor,
            now=clinic.at("15:00"),
            new_patient={"first_name": "Late", "phone": "+91 98450 99888"},
        )
    assert snapshot() == before


def test_resources_are_allocated_and_the_booking_approved(clinic, book):
    consult = book("10:00")
    therapist = make_therapist(clinic.branch, "Anjali")
    appointment = appointment_allocate_resources(
        acting_user=clinic.desk,
        appointment=consult,
        room=clinic.consult_room,
        therapist=therapist,
        approve=True,
    )
    assert appointment.status == "confirmed" and appointment.room == clinic.consult_room
    assert appointment.therapist == therapist and appointment.resource_allocation_status == "allocated"
    kinds = dict(appointment.allocations.filter(status="confirmed").values_list("resource_type", "room_id"))
    assert set(kinds) == {"doctor", "room", "therapist"}
    # Swapping the room cancels the old allocation.
    other_room = RoomFactory(branch=clinic.branch, room_code="CON-2", room_name="Consultation Two")
    appointment_allocate_resources(acting_user=clinic.desk, appointment=appointment, room=other_room)
    rooms = dict(appointment.allocations.filter(resource_type="room").values_list("room_id", "status"))
    assert rooms == {clinic.consult_room.id: "cancelled", other_room.id: "confirmed"}


def test_allocating_a_busy_room_offers_the_free_ones(clinic, book):
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    from appointments.services import slot_generate

    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    book("10:00", room=clinic.consult_room)
    second = book("10:00", doctor=other, patient=make_patient(branch=clinic.branch))
    spare = RoomFactory(branch=clinic.branch, room_code="CON-2", room_name="Consultation Two")
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        appointment_allocate_resources(acting_user=clinic.desk, appointment=second, room=clinic.consult_room)
    assert refused.value.extra["resource"] == "room"
    assert [a["id"] for a in refused.value.extra["alternatives"]] == [str(spare.id)]
    assert snapshot() == before


def test_allocating_a_room_of_the_wrong_type_is_refused(clinic, book):
    laser = book("10:00", service=clinic.laser)
    with pytest.raises(ValidationError) as refused:
        appointment_allocate_resources(acting_user=clinic.desk, appointment=laser, room=clinic.consult_room)
    assert "needs a laser room" in refused.value.message_dict["room"][0]
