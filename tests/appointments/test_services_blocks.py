"""Room and therapist/nurse blocks (appointments.services.blocks): a block keeps bookings out and is
kept out of bookings, availability treats it as busy, a refusal names what is in the way and writes
nothing, lifting gives the room back; and a second leave over an existing one is refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from appointments.models import ResourceAllocation
from appointments.selectors import rooms_available, therapists_available
from appointments.selectors.blocks import resource_block_list
from appointments.services import resource_block, resource_block_lift, staff_leave_record, staff_leave_update
from clinic.api_errors import Conflict
from tests.appointments.conftest import hm, make_doctor, make_schedule
from tests.factories import BranchFactory, RoomFactory, StaffFactory


def rows():
    return list(ResourceAllocation.objects.order_by("id").values_list("id", "status", "block_reason"))


def block_room(clinic, start="09:00", end="12:00", reason="AC maintenance", **kwargs):
    values = {
        "acting_user": clinic.desk,
        "branch": clinic.branch,
        "room": clinic.laser_room,
        "start": clinic.at(start),
        "end": clinic.at(end),
        "reason": reason,
    }
    values.update(kwargs)
    return resource_block(**values)


def test_a_room_block_records_who_when_and_why(clinic):
    block = block_room(clinic)
    block.refresh_from_db()
    assert (block.resource_type, block.room, block.staff, block.appointment) == (
        "room",
        clinic.laser_room,
        None,
        None,
    )
    assert block.block_reason == "AC maintenance" and block.allocated_by == clinic.desk
    assert block.allocated_at is not None and block.status == "confirmed"
    assert (block.period.lower, block.period.upper) == (clinic.at("09:00"), clinic.at("12:00"))


def test_a_blocked_room_is_not_offered_and_a_booking_into_it_is_a_409_with_alternatives(clinic, book):
    block_room(clinic, start="09:00", end="12:00")
    options = rooms_available(
        branch=clinic.branch, start=clinic.at("10:00"), end=clinic.at("11:00"), service=clinic.laser
    )
    assert [o.available for o in options if o.resource == clinic.laser_room] == [False]
    before = rows()
    with pytest.raises(Conflict) as refused:
        book("10:00", service=clinic.laser, room=clinic.laser_room, therapist=clinic.priya)
    assert refused.value.extra["resource"] == "room" and "Laser Suite" in refused.value.message
    # The nearest times the laser room is free again: after the block (12:00 - lunch - 13:00 on).
    times = [a["time"] for a in refused.value.extra["alternatives"]]
    assert times and all(t >= "12:00" for t in times), times
    assert rows() == before
    # Without naming the room, the only laser room is blocked: refused the same way.
    with pytest.raises(Conflict):
        book("10:00", service=clinic.laser)
    # After the block (and its preparation time) the room is bookable.
    assert book("13:00", service=clinic.laser).room == clinic.laser_room


def test_a_blocked_therapist_is_not_offered_and_the_other_one_is_booked(clinic, book):
    resource_block(
        acting_user=clinic.desk,
        branch=clinic.branch,
        staff=clinic.priya,
        start=clinic.at("09:00"),
        end=clinic.at("18:00"),
        reason="Laser training",
    )
    options = therapists_available(
        branch=clinic.branch, start=clinic.at("10:00"), end=clinic.at("11:00"), service=clinic.laser
    )
    free = {o.resource: o.available for o in options}
    assert free[clinic.priya] is False and free[clinic.divya] is True
    with pytest.raises(Conflict) as refused:
        book("10:00", service=clinic.laser, therapist=clinic.priya)
    assert refused.value.extra["resource"] == "therapist"
    assert book("10:00", service=clinic.laser).therapist == clinic.divya


def test_blocking_a_booked_room_is_a_409_listing_the_appointments_and_writes_nothing(clinic, book):
    booked = book("10:00", service=clinic.laser, room=clinic.laser_room)
    before = rows()
    with pytest.raises(Conflict) as refused:
        # The booking holds the room 09:50-11:20 (preparation, cleanup, buffer): 11:10 is still in it.
        block_room(clinic, start="11:10", end="15:00")
    error = refused.value
    assert error.http_status == 409 and error.code == "resource_busy"
    assert booked.number in error.message and "move or cancel" in error.message
    assert [a["number"] for a in error.extra["appointments"]] == [booked.number]
    assert error.extra["appointments"][0]["starts_at"].endswith("+05:30")
    assert rows() == before
    # After the buffer the room can be blocked.
    assert block_room(clinic, start="11:20", end="15:00").pk


def test_a_block_over_another_block_is_refused_naming_it(clinic):
    block_room(clinic, start="09:00", end="12:00", reason="AC maintenance")
    before = rows()
    with pytest.raises(Conflict) as refused:
        block_room(clinic, start="11:00", end="13:00", reason="Deep cleaning")
    assert "already blocked" in refused.value.message and "AC maintenance" in refused.value.message
    assert [b["reason"] for b in refused.value.extra["blocks"]] == ["AC maintenance"]
    assert rows() == before


def test_a_block_made_at_the_same_moment_as_a_booking_loses_to_the_constraint(clinic, book):
    """The service checks nothing in Python before its insert: the exclusion constraint decides."""
    booked = book("10:00", service=clinic.laser, room=clinic.laser_room)
    with pytest.raises(Conflict) as refused:
        block_room(clinic, start="10:00", end="10:30")
    assert refused.value.extra["appointments"][0]["number"] == booked.number
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM appointments_resourceallocation a
               JOIN appointments_resourceallocation b
                 ON a.room_id = b.room_id AND a.id < b.id AND a.period && b.period
               WHERE a.status IN ('reserved', 'confirmed', 'in_use')
                 AND b.status IN ('reserved', 'confirmed', 'in_use')"""
        )
        assert cursor.fetchone()[0] == 0


def test_lifting_a_block_gives_the_room_back_and_keeps_the_record(clinic, book):
    block = block_room(clinic)
    lifted = resource_block_lift(acting_user=clinic.desk, block=block)
    assert lifted.status == "cancelled"
    assert ResourceAllocation.objects.get(pk=block.pk).block_reason == "AC maintenance"
    assert book("10:00", service=clinic.laser).room == clinic.laser_room
    with pytest.raises(Conflict, match="already been lifted"):
        resource_block_lift(acting_user=clinic.desk, block=block)
    assert list(resource_block_list(branch_ids=None)) == []


def test_lifting_an_appointments_allocation_is_refused(clinic, book):
    booked = book("10:00", service=clinic.laser)
    allocation = booked.allocations.get(resource_type="room")
    with pytest.raises(ValidationError):
        resource_block_lift(acting_user=clinic.desk, block=allocation)
    assert (
        ResourceAllocation.objects.get(pk=allocation.pk).status
        == booked.allocations.get(pk=allocation.pk).status
    )


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"reason": "  "}, "reason", "Say why"),
        ({"reason": "x" * 256}, "reason", "under 255"),
        ({"start": "12:00", "end": "11:00"}, "end", "after the start"),
        ({"room": None}, "room_id", "either a room or"),
        ({"staff": "doctor"}, "room_id", "either a room or"),
        ({"room": None, "staff": "doctor"}, "staff_id", "slots"),
        ({"room": "elsewhere"}, "room_id", "is not at"),
        ({"room": None, "staff": "elsewhere"}, "staff_id", "does not work at"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(clinic, hospital, change, field, text):
    other_branch = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    people = {
        "doctor": clinic.doctor,
        "elsewhere": StaffFactory(hospital=hospital, staff_type="therapist", branches=[other_branch]),
    }
    rooms = {"elsewhere": RoomFactory(branch=other_branch, room_code="X-1", room_name="Elsewhere")}
    kwargs = {}
    for key, value in change.items():
        if key == "staff":
            kwargs[key] = people[value]
        elif key == "room":
            kwargs[key] = rooms.get(value) if value else None
        else:
            kwargs[key] = value
    before = rows()
    with pytest.raises(ValidationError) as refused:
        block_room(clinic, **kwargs)
    assert text in " ".join(refused.value.message_dict[field])
    assert rows() == before


def test_a_block_already_over_is_refused(clinic):
    past = clinic.monday - datetime.timedelta(days=40)
    with pytest.raises(ValidationError, match="already over"):
        resource_block(
            acting_user=clinic.desk,
            branch=clinic.branch,
            room=clinic.laser_room,
            start=clinic.at("09:00", past),
            end=clinic.at("10:00", past),
            reason="Old",
        )
    assert rows() == []


def test_the_list_is_branch_scoped(clinic, hospital):
    other_branch = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    other_room = RoomFactory(branch=other_branch, room_code="X-1", room_name="Elsewhere")
    mine = block_room(clinic)
    resource_block(
        acting_user=None,
        branch=other_branch,
        room=other_room,
        start=clinic.at("09:00"),
        end=clinic.at("10:00"),
        reason="Painting",
    )
    therapist_block = resource_block(
        acting_user=clinic.desk,
        branch=clinic.branch,
        staff=clinic.priya,
        start=clinic.at("09:00"),
        end=clinic.at("10:00"),
        reason="Training",
    )
    listed = list(resource_block_list(branch_ids=[clinic.branch.pk]))
    assert {b.pk for b in listed} == {mine.pk, therapist_block.pk}
    assert len(list(resource_block_list(branch_ids=None))) == 3


# --- Overlapping leave -------------------------------------------------------------------------------


def leave(clinic, first, last, start_time=None, end_time=None, **kwargs):
    values = {
        "acting_user": clinic.desk,
        "staff": clinic.doctor,
        "branch": clinic.branch,
        "start_date": first,
        "end_date": last,
        "start_time": start_time,
        "end_time": end_time,
        "reason": "Conference",
    }
    values.update(kwargs)
    return staff_leave_record(**values)


def test_a_second_leave_overlapping_an_existing_one_is_a_409_naming_it(clinic):
    from appointments.models import StaffLeave

    tuesday = clinic.monday + datetime.timedelta(days=1)
    first = leave(clinic, clinic.monday, tuesday).record
    before = list(StaffLeave.objects.values_list("id", flat=True))
    with pytest.raises(Conflict) as refused:
        leave(clinic, tuesday, tuesday + datetime.timedelta(days=2), reason="Family")
    assert refused.value.http_status == 409 and refused.value.code == "leave_overlaps"
    assert refused.value.extra["existing_leave_id"] == str(first.pk)
    assert "already on leave" in refused.value.message and "Conference" in refused.value.message
    assert list(StaffLeave.objects.values_list("id", flat=True)) == before
    # Leave at every branch overlaps leave at one branch too.
    with pytest.raises(Conflict):
        leave(clinic, clinic.monday, clinic.monday, branch=None)


def test_leave_that_only_touches_or_fits_beside_another_is_recorded(clinic):
    leave(clinic, clinic.monday, clinic.monday, start_time=hm("10:00"), end_time=hm("12:00"))
    # Same day, afterwards: no overlap.
    assert leave(clinic, clinic.monday, clinic.monday, start_time=hm("12:00"), end_time=hm("14:00")).record.pk
    # Someone else's leave at the same time is fine.
    other = make_doctor(clinic.branch, "Karthik")
    make_schedule(other, clinic.branch)
    assert leave(clinic, clinic.monday, clinic.monday, staff=other).record.pk
    # Part-day leave inside those hours is refused.
    with pytest.raises(Conflict):
        leave(clinic, clinic.monday, clinic.monday, start_time=hm("11:00"), end_time=hm("11:30"))


def test_changing_a_leave_onto_another_is_refused_but_changing_it_in_place_is_not(clinic):
    tuesday = clinic.monday + datetime.timedelta(days=1)
    first = leave(clinic, clinic.monday, clinic.monday).record
    second = leave(clinic, tuesday + datetime.timedelta(days=1), tuesday + datetime.timedelta(days=1)).record
    common = {"acting_user": clinic.desk, "branch": clinic.branch, "reason": "Conference"}
    # Stretching the first leave over itself: fine.
    staff_leave_update(leave=first, start_date=clinic.monday, end_date=tuesday, **common)
    with pytest.raises(Conflict) as refused:
        staff_leave_update(leave=first, start_date=clinic.monday, end_date=second.end_date, **common)
    assert refused.value.extra["existing_leave_id"] == str(second.pk)
    first.refresh_from_db()
    assert first.end_date == tuesday
