"""Room and therapist/nurse blocks through /api/appointments/resource-blocks/ and the back office:
who may (front desk and admin of the branch), the 409 listing what is in the way, bad input as a 4xx
with nothing written, lifting, the room calendar showing the block with its reason, the OpenAPI
schema, and a second overlapping leave as a 409 through the leave endpoint."""

import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from appointments.models import ResourceAllocation, StaffLeave
from tests.conftest import api_as
from tests.factories import BranchFactory, RoomFactory, StaffFactory, UserFactory

BLOCKS = "/api/appointments/resource-blocks/"


def rows():
    return list(ResourceAllocation.objects.order_by("id").values_list("id", "status"))


@pytest.fixture
def desk(clinic):
    return api_as(clinic.desk)


@pytest.fixture
def other_branch(hospital):
    return BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")


@pytest.fixture
def desk_elsewhere(other_branch):
    user = UserFactory(username="desk.hyd", groups=["Front desk"])
    StaffFactory(user=user, hospital=other_branch.hospital, staff_type="front_desk", branches=[other_branch])
    return user


def room_block(clinic, **overrides):
    data = {
        "room_id": str(clinic.laser_room.pk),
        "start": clinic.at("09:00").isoformat(),
        "end": clinic.at("12:00").isoformat(),
        "reason": "AC maintenance",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_desk_blocks_a_room_and_sees_it_in_the_list(clinic, desk):
    response = desk.post(BLOCKS, room_block(clinic), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["resource_type"] == "room" and data["room"]["name"] == "Laser Suite (LSR-1)"
    assert data["starts_at"] == f"{clinic.monday.isoformat()}T09:00:00+05:30"
    assert data["reason"] == "AC maintenance" and data["blocked_by"] == "desk"
    listed = desk.get(BLOCKS).json()["results"]
    assert [b["id"] for b in listed] == [data["id"]]
    # The booking wizard's room list marks the room busy then.
    free = desk.get(
        "/api/appointments/rooms/available/",
        {
            "branch_id": str(clinic.branch.pk),
            "start": clinic.at("10:00").isoformat(),
            "end": clinic.at("11:00").isoformat(),
            "service_id": str(clinic.laser.pk),
        },
    )
    assert free.status_code == 200, free.json()
    laser = [r for r in free.json()["results"] if r["id"] == str(clinic.laser_room.pk)]
    assert laser and laser[0]["available"] is False


def test_a_booking_into_a_blocked_room_is_a_409_with_alternatives(clinic, desk):
    assert desk.post(BLOCKS, room_block(clinic), format="json").status_code == 201
    before = rows()
    response = desk.post(
        "/api/appointments/book/",
        {
            "patient_id": str(clinic.patient.pk),
            "branch_id": str(clinic.branch.pk),
            "doctor_id": str(clinic.doctor.pk),
            "service_id": str(clinic.laser.pk),
            "room_id": str(clinic.laser_room.pk),
            "start": clinic.at("10:00").isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["resource"] == "room" and error["alternatives"]
    assert rows() == before


def test_blocking_a_booked_room_is_a_409_listing_the_appointments(clinic, desk, book):
    booked = book("10:00", service=clinic.laser, room=clinic.laser_room)
    before = rows()
    response = desk.post(BLOCKS, room_block(clinic), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "resource_busy" and booked.number in error["message"]
    assert [a["number"] for a in error["appointments"]] == [booked.number]
    assert rows() == before


def test_the_desk_blocks_a_therapist_for_a_training(clinic, desk):
    response = desk.post(
        BLOCKS,
        room_block(clinic, room_id=None, staff_id=str(clinic.priya.pk), reason="Laser training"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["resource_type"] == "therapist"
    assert response.json()["staff"]["id"] == str(clinic.priya.pk)


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"room_id": str(uuid.uuid4())}, "room_id", "No room with this id"),
        ({"room_id": "nope"}, "room_id", "UUID"),
        ({"reason": None}, "reason", "required"),
        ({"start": "2026-12-01T10:00:00"}, "start", "time zone offset"),
        ({"end": "then"}, "end", ""),
        ({"room_id": None}, "room_id", "either a room or"),
        ({"staff_id": "doctor"}, "staff_id", "No therapist or nurse"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_nothing_written(clinic, desk, change, field, text):
    if change.get("staff_id") == "doctor":
        change = {**change, "room_id": None, "staff_id": str(clinic.doctor.pk)}
    before = rows()
    response = desk.post(BLOCKS, room_block(clinic, **change), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    messages = " ".join(error["fields"].get(field, [])) or error["message"]
    assert text in messages, error
    assert rows() == before


def test_the_end_before_the_start_is_a_400(clinic, desk):
    response = desk.post(
        BLOCKS,
        room_block(clinic, start=clinic.at("12:00").isoformat(), end=clinic.at("11:00").isoformat()),
        format="json",
    )
    assert response.status_code == 400 and "after the start" in response.json()["error"]["message"]
    assert rows() == []


def test_only_the_desk_of_the_branch_blocks_and_lifts(clinic, desk, desk_elsewhere, api, other_branch):
    doctor_user = UserFactory(username="dr.block", groups=["Doctor"])
    therapist_user = UserFactory(username="th.block", groups=["Therapist/Nurse"])
    for client in (api_as(desk_elsewhere), api_as(doctor_user), api_as(therapist_user), api):
        assert client.post(BLOCKS, room_block(clinic), format="json").status_code == 403
    assert rows() == []
    block = desk.post(BLOCKS, room_block(clinic), format="json").json()
    for client in (api_as(desk_elsewhere), api_as(doctor_user), api):
        assert client.delete(f"{BLOCKS}{block['id']}/").status_code == 403
    assert api_as(desk_elsewhere).get(BLOCKS).json()["results"] == []
    assert api_as(doctor_user).get(BLOCKS).status_code == 403
    # A room of another branch cannot be blocked by this desk.
    elsewhere = RoomFactory(branch=other_branch, room_code="X-1", room_name="Elsewhere")
    assert desk.post(BLOCKS, room_block(clinic, room_id=str(elsewhere.pk)), format="json").status_code == 403
    assert ResourceAllocation.objects.filter(status="confirmed").count() == 1


def test_lifting_a_block_frees_the_room(clinic, desk, book):
    block = desk.post(BLOCKS, room_block(clinic), format="json").json()
    response = desk.delete(f"{BLOCKS}{block['id']}/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert desk.get(BLOCKS).json()["results"] == []
    assert book("10:00", service=clinic.laser).room == clinic.laser_room
    again = desk.delete(f"{BLOCKS}{block['id']}/")
    assert again.status_code == 409 and "already been lifted" in again.json()["error"]["message"]
    assert desk.delete(f"{BLOCKS}{uuid.uuid4()}/").status_code == 404


def test_an_appointments_allocation_is_not_a_block_to_lift(clinic, desk, book):
    booked = book("10:00", service=clinic.laser)
    allocation = booked.allocations.get(resource_type="room")
    assert desk.delete(f"{BLOCKS}{allocation.pk}/").status_code == 404
    assert ResourceAllocation.objects.get(pk=allocation.pk).status != "cancelled"


def test_the_room_calendar_shows_the_block_with_its_reason(clinic, desk, book):
    book("13:00", service=clinic.laser, room=clinic.laser_room)
    assert desk.post(BLOCKS, room_block(clinic, reason="AC maintenance"), format="json").status_code == 201
    client = Client()
    client.force_login(clinic.desk)
    page = client.get(
        "/appointments/calendar/",
        {"branch": str(clinic.branch.pk), "by": "room", "date": clinic.monday.isoformat()},
    )
    assert page.status_code == 200
    html = page.content.decode()
    # Drawn as a block (its own style), with its reason and its times on the branch's clock.
    block_html = html.split('class="cal-bg cal-bg--block"', 1)[1].split("</div>", 1)[0]
    assert "AC maintenance" in block_html and "9:00 am" in block_html, block_html


def test_the_endpoints_are_in_the_openapi_schema(clinic, desk):
    schema = desk.get("/api/schema/", {"format": "json"}).json()
    assert {"post", "get"} <= set(schema["paths"][BLOCKS])
    assert "delete" in schema["paths"][BLOCKS + "{block_id}/"]


def test_the_back_office_adds_and_lifts_a_room_block(clinic, book, admin_user):
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:appointments_resourceallocation_add")
    assert client.get(url).status_code == 200
    form = {
        "branch": str(clinic.branch.pk),
        "room": str(clinic.laser_room.pk),
        "staff": "",
        "start_date": clinic.monday.isoformat(),
        "start_time": "09:00",
        "end_date": clinic.monday.isoformat(),
        "end_time": "12:00",
        "block_reason": "Deep cleaning",
    }
    booked = book("13:00", service=clinic.laser, room=clinic.laser_room)
    refused = client.post(url, {**form, "end_time": "13:30"})
    assert refused.status_code == 200 and booked.number in refused.content.decode()
    assert ResourceAllocation.objects.filter(appointment__isnull=True).count() == 0
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    block = ResourceAllocation.objects.get(appointment__isnull=True)
    assert (block.block_reason, block.allocated_by, block.room) == (
        "Deep cleaning",
        admin_user,
        clinic.laser_room,
    )
    changelist = reverse("admin:appointments_resourceallocation_changelist")
    client.post(
        changelist,
        {
            "action": "lift_blocks",
            ACTION_CHECKBOX_NAME: [str(block.pk), str(booked.allocations.get(resource_type="room").pk)],
        },
    )
    block.refresh_from_db()
    assert block.status == "cancelled"
    assert booked.allocations.get(resource_type="room").status != "cancelled"


def test_a_second_overlapping_leave_is_a_409_through_the_api(clinic, desk):
    leave = {
        "staff_id": str(clinic.priya.pk),
        "branch_id": str(clinic.branch.pk),
        "start_date": str(clinic.monday),
        "end_date": str(clinic.monday),
        "reason": "Conference",
    }
    first = desk.post("/api/doctor-schedules/leave/", leave, format="json")
    assert first.status_code == 201, first.json()
    again = desk.post("/api/doctor-schedules/leave/", {**leave, "reason": "Family"}, format="json")
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "leave_overlaps" and error["existing_leave_id"] == first.json()["record"]["id"]
    assert StaffLeave.objects.count() == 1


def test_the_desk_blocks_a_room_from_the_room_calendar(clinic, book):
    client = Client()
    client.force_login(clinic.desk)
    calendar = client.get(
        "/appointments/calendar/",
        {"branch": str(clinic.branch.pk), "by": "room", "date": clinic.monday.isoformat()},
    )
    assert "Block a room" in calendar.content.decode()
    form = {
        "branch": str(clinic.branch.pk),
        "room": str(clinic.laser_room.pk),
        "date": clinic.monday.strftime("%d/%m/%Y"),
        "start_time": "09:00",
        "end_time": "12:00",
        "reason": "AC maintenance",
    }
    booked = book("11:00", service=clinic.laser, room=clinic.laser_room)
    refused = client.post("/appointments/calendar/block-room/", form)
    assert refused.status_code == 400 and booked.number in refused.content.decode()
    assert not ResourceAllocation.objects.filter(appointment__isnull=True).exists()
    missing = client.post("/appointments/calendar/block-room/", {**form, "reason": ""})
    assert missing.status_code == 400 and "Say why the room is blocked" in missing.content.decode()
    done = client.post("/appointments/calendar/block-room/", {**form, "end_time": "10:00"}, follow=True)
    html = done.content.decode()
    assert done.status_code == 200 and "Laser Suite blocked: AC maintenance." in html
    block_html = html.split('class="cal-bg cal-bg--block"', 1)[1].split("</div>", 1)[0]
    assert "AC maintenance" in block_html
    # Doctors and therapists see no form and cannot post it.
    doctor_user = UserFactory(username="dr.cal", groups=["Doctor"])
    StaffFactory(
        user=doctor_user, hospital=clinic.branch.hospital, staff_type="doctor", branches=[clinic.branch]
    )
    other = Client()
    other.force_login(doctor_user)
    page = other.get("/appointments/calendar/", {"branch": str(clinic.branch.pk), "by": "room"})
    assert "Block a room" not in page.content.decode()
    assert other.post("/appointments/calendar/block-room/", form).status_code == 403


def test_the_list_costs_the_same_with_more_blocks(clinic, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(BLOCKS).status_code == 200
        return len(queries)

    desk.post(
        BLOCKS,
        room_block(clinic, start=clinic.at("09:00").isoformat(), end=clinic.at("10:00").isoformat()),
        format="json",
    )
    small = count()
    for hour in ("11", "13", "15"):
        desk.post(
            BLOCKS,
            room_block(
                clinic, start=clinic.at(f"{hour}:00").isoformat(), end=clinic.at(f"{hour}:30").isoformat()
            ),
            format="json",
        )
    desk.post(BLOCKS, room_block(clinic, room_id=None, staff_id=str(clinic.divya.pk)), format="json")
    assert len(desk.get(BLOCKS).json()["results"]) == 5
    assert count() == small
