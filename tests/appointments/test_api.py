"""The appointments API: each endpoint of seed 4.5 and 4.8.3 with its permissions, the bad-input list
of the issue (a 4xx with a field message and nothing written), conflicts as 409 with alternatives,
Idempotency-Key replays, and query counts that do not grow with the data."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, AppointmentSlot, IdempotencyKey, ResourceAllocation
from appointments.services import appointment_book, appointment_transition, slot_generate
from tests.appointments.conftest import hm, make_doctor, make_schedule, monday_ahead
from tests.conftest import api_as
from tests.factories import BranchFactory, ServiceFactory, StaffFactory, UserFactory, make_patient

BOOK = "/api/appointments/book/"


def written():
    return (
        Appointment.objects.count(),
        list(ResourceAllocation.objects.order_by("id").values_list("id", "status")),
        list(AppointmentSlot.objects.order_by("id").values_list("current_bookings", "is_blocked")),
    )


@pytest.fixture
def desk(clinic):
    return api_as(clinic.desk)


@pytest.fixture
def doctor_user(clinic):
    user = UserFactory(username="dr.ananya", groups=["Doctor"])
    clinic.doctor.user = user
    clinic.doctor.save()
    return user


@pytest.fixture
def other_branch(hospital):
    branch = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    branch.refresh_from_db()
    return branch


@pytest.fixture
def desk_elsewhere(other_branch):
    user = UserFactory(username="desk.hyd", groups=["Front desk"])
    StaffFactory(user=user, hospital=other_branch.hospital, staff_type="front_desk", branches=[other_branch])
    return user


def body(clinic, **overrides):
    data = {
        "patient_id": str(clinic.patient.pk),
        "branch_id": str(clinic.branch.pk),
        "doctor_id": str(clinic.doctor.pk),
        "service_id": str(clinic.consult.pk),
        "start": clinic.at("10:00").isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Booking -----------------------------------------------------------------------------------------


def test_the_front_desk_books_and_gets_the_appointment_in_branch_time(clinic, desk):
    response = desk.post(BOOK, body(clinic), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"].startswith("APT-BLR-") and data["status"] == "requested"
    assert data["starts_at"] == f"{clinic.monday.isoformat()}T10:00:00+05:30"
    assert (data["date"], data["start_time"], data["end_time"]) == (
        clinic.monday.isoformat(),
        "10:00",
        "10:30",
    )
    assert data["patient"]["mrn"] == clinic.patient.mrn and data["patient"]["full_name"] == "Ramesh Kumar"
    assert data["doctor"]["name"] == "Dr. Ananya Rao" and data["booking_source"] == "front_desk"


def test_booking_by_local_date_and_time(clinic, desk):
    response = desk.post(
        BOOK, body(clinic, start=None, date=clinic.monday.isoformat(), time="13:30"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == f"{clinic.monday.isoformat()}T13:30:00+05:30"


def test_a_dubai_branch_books_on_dubai_time(hospital, clinic, admin_user):
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
    response = api_as(admin_user).post(
        BOOK,
        body(
            clinic,
            branch_id=str(dubai.pk),
            doctor_id=str(doctor.pk),
            start=None,
            date=monday.isoformat(),
            time="09:30",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == f"{monday.isoformat()}T09:30:00+04:00"
    assert Appointment.objects.get().starts_at == datetime.datetime.combine(
        monday, datetime.time(5, 30), tzinfo=datetime.UTC
    )


def _bad_inputs(clinic):
    unknown = str(uuid.uuid4())
    past = clinic.at("10:00") - datetime.timedelta(days=70)
    ot_service = ServiceFactory(hospital=clinic.branch.hospital, code="EXC", name="Excision")
    from appointments.models import ServiceResourceRequirement

    ServiceResourceRequirement.objects.create(service=ot_service, requires_room=True, room_type="ot")
    return {
        "unknown doctor": ({"doctor_id": unknown}, "doctor_id", "No doctor with this id."),
        "unknown room": ({"room_id": unknown}, "room_id", "No room with this id."),
        "unknown service": ({"service_id": unknown}, "service_id", "No service with this id."),
        "unknown patient": ({"patient_id": unknown}, "patient_id", "No patient with this id."),
        "unknown branch": ({"branch_id": unknown}, "branch_id", "No branch with this id."),
        "not an id": ({"doctor_id": "dr-ananya"}, "doctor_id", "Give the doctor's id (a UUID)."),
        "a slot in the past": ({"start": past.isoformat()}, "start", "That time has already passed."),
        "outside hours": ({"start": clinic.at("19:00").isoformat()}, "start", "outside"),
        "not a slot start": ({"start": clinic.at("10:10").isoformat()}, "start", "not a slot start"),
        "no time zone": ({"start": f"{clinic.monday.isoformat()}T10:00:00"}, "start", "offset"),
        "no start at all": ({"start": None}, "start", "Give the start"),
        "an end before the start": ({"end": clinic.at("09:00").isoformat()}, "end", "after the start"),
        "room type the branch lacks": (
            {"service_id": str(ot_service.pk)},
            "service_id",
            "has no operation theatre",
        ),
        "a room of the wrong type": (
            {"service_id": str(clinic.laser.pk), "room_id": str(clinic.consult_room.pk)},
            "room_id",
            "needs a laser room",
        ),
    }


BAD = [
    "unknown doctor",
    "unknown room",
    "unknown service",
    "unknown patient",
    "unknown branch",
    "not an id",
    "a slot in the past",
    "outside hours",
    "not a slot start",
    "no time zone",
    "no start at all",
    "an end before the start",
    "room type the branch lacks",
    "a room of the wrong type",
]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gets_a_400_naming_the_field_and_nothing_is_written(clinic, desk, case):
    overrides, field, text = _bad_inputs(clinic)[case]
    before = written()
    response = desk.post(BOOK, body(clinic, **overrides), format="json")
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    # Service-level messages name the model field (service, room); input-level ones the input field.
    messages = error["fields"].get(field) or error["fields"].get(field.removesuffix("_id"))
    assert messages and text in " ".join(messages), error
    assert written() == before


def test_a_taken_slot_is_a_409_with_alternatives_and_nothing_written(clinic, desk):
    assert desk.post(BOOK, body(clinic), format="json").status_code == 201
    before = written()
    other = make_patient(branch=clinic.branch)
    response = desk.post(BOOK, body(clinic, patient_id=str(other.pk)), format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "booking_conflict" and error["resource"] == "doctor"
    assert [a["time"] for a in error["alternatives"]][:2] == ["10:30", "11:00"]
    assert written() == before


def test_booking_is_for_the_desk_of_the_branch(clinic, desk_elsewhere, doctor_user, api):
    before = written()
    assert api_as(desk_elsewhere).post(BOOK, body(clinic), format="json").status_code == 403
    assert api_as(doctor_user).post(BOOK, body(clinic), format="json").status_code == 403
    assert api.post(BOOK, body(clinic), format="json").status_code == 403
    assert written() == before


# --- Idempotency-Key ----------------------------------------------------------------------------------


def test_a_retried_booking_returns_the_first_reply_and_books_once(clinic, desk):
    first = desk.post(BOOK, body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = desk.post(BOOK, body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Appointment.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(clinic, desk):
    desk.post(BOOK, body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    before = written()
    response = desk.post(
        BOOK, body(clinic, start=clinic.at("10:30").isoformat()), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert written() == before


def test_a_conflict_reply_is_kept_for_its_key_too(clinic, desk):
    desk.post(BOOK, body(clinic), format="json")
    other = body(clinic, patient_id=str(make_patient(branch=clinic.branch).pk))
    first = desk.post(BOOK, other, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    Appointment.objects.update(status="cancelled")
    ResourceAllocation.objects.update(status="cancelled")
    AppointmentSlot.objects.update(current_bookings=0)
    again = desk.post(BOOK, other, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert first.status_code == again.status_code == 409 and first.json() == again.json()


def test_keys_are_per_user(clinic, desk, admin_user):
    desk.post(BOOK, body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = api_as(admin_user).post(
        BOOK, body(clinic, start=clinic.at("10:30").isoformat()), format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201
    assert IdempotencyKey.objects.count() == 2


def test_old_keys_are_purged_after_the_keeping_period(clinic, desk):
    from appointments.services import idempotency_keys_purge

    desk.post(BOOK, body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="old")
    from django.utils import timezone

    assert idempotency_keys_purge(now=timezone.now() + datetime.timedelta(hours=23)) == 0
    assert idempotency_keys_purge(now=timezone.now() + datetime.timedelta(hours=49)) == 1


# --- Self-service ---------------------------------------------------------------------------------------


def test_self_service_refuses_anyone_who_is_not_a_portal_patient(clinic, desk, api):
    path = "/api/appointments/self-service/book/"
    assert desk.post(path, body(clinic, patient_id=None), format="json").status_code == 403
    assert api.post(path, body(clinic, patient_id=None), format="json").status_code == 403


def test_the_portal_patient_books_for_themselves(clinic):
    user = UserFactory(username="patient.ramesh", is_staff=False)
    user.portal_patient = clinic.patient  # what the portal's OTP login will provide
    stranger = make_patient(branch=clinic.branch, first_name="Other")
    response = api_as(user).post(
        "/api/appointments/self-service/book/",
        body(clinic, patient_id=str(stranger.pk), start=clinic.at("13:00").isoformat()),
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["patient"]["id"] == str(clinic.patient.pk)  # never the patient the body names
    assert data["booking_source"] == "self_service" and data["status"] == "requested"
    assert "internal_notes" not in data


# --- Reading ------------------------------------------------------------------------------------------


def test_slots_endpoint_lists_start_options(clinic, desk):
    response = desk.get(
        "/api/appointments/slots/",
        {
            "doctor_id": clinic.doctor.pk,
            "branch_id": clinic.branch.pk,
            "date": clinic.monday,
            "service_id": clinic.laser.pk,
        },
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["duration_minutes"] == 60
    assert [o["time"] for o in data["options"]] == ["10:00", "10:30", "11:00", "13:00"]
    assert data["options"][0]["room_ids"] == [str(clinic.laser_room.pk)]


def test_slots_endpoint_refuses_an_unknown_doctor(clinic, desk):
    response = desk.get(
        "/api/appointments/slots/",
        {"doctor_id": uuid.uuid4(), "branch_id": clinic.branch.pk, "date": clinic.monday},
    )
    assert response.status_code == 400 and response.json()["error"]["fields"]["doctor_id"] == [
        "No doctor with this id."
    ]


def test_branch_availability_endpoint(clinic, desk):
    response = desk.get(
        "/api/appointments/availability/",
        {"branch_id": clinic.branch.pk, "start_date": clinic.monday, "days": 2},
    )
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["date"], len(r["options"])) for r in rows] == [
        (clinic.monday.isoformat(), 6),
        ((clinic.monday + datetime.timedelta(days=1)).isoformat(), 0),
    ]


def test_detail_shows_history_and_allocations_to_those_who_may_see_it(clinic, desk, doctor_user, doctor_b):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
        service=clinic.laser,
    )
    path = f"/api/appointments/{appointment.pk}/"
    data = desk.get(path).json()
    assert [h["new_status"] for h in data["history"]] == ["requested"]
    assert {a["resource_type"] for a in data["allocations"]} == {"doctor", "room", "therapist"}
    room = next(a for a in data["allocations"] if a["resource_type"] == "room")
    assert (room["start"], room["end"]) == (
        clinic.at("09:50").astimezone(clinic.branch.zone).isoformat(),
        clinic.at("11:20").astimezone(clinic.branch.zone).isoformat(),
    )
    assert api_as(doctor_user).get(path).status_code == 200  # their own appointment
    assert api_as(doctor_b).get(path).status_code == 404  # another branch's doctor: not even its existence


def test_put_edits_notes_only_for_the_desk(clinic, desk, doctor_user):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    path = f"/api/appointments/{appointment.pk}/"
    response = desk.put(path, {"internal_notes": "Prefers Hindi", "priority": "urgent"}, format="json")
    assert response.status_code == 200 and response.json()["internal_notes"] == "Prefers Hindi"
    assert response.json()["priority"] == "urgent"
    assert api_as(doctor_user).put(path, {"internal_notes": "x"}, format="json").status_code == 403


# --- Workflow actions ------------------------------------------------------------------------------------


def test_the_visit_walks_through_its_steps(clinic, desk, doctor_user):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    path = f"/api/appointments/{appointment.pk}/"
    assert desk.post(path + "approve/").json()["status"] == "confirmed"
    assert desk.post(path + "check-in/").json()["status"] == "checked_in"
    # The doctor starts and completes their own visit.
    doctor = api_as(doctor_user)
    assert doctor.post(path + "start/").json()["status"] == "in_progress"
    data = doctor.post(path + "complete/").json()
    assert data["status"] == "completed"
    assert [h["new_status"] for h in data["history"]] == [
        "requested",
        "confirmed",
        "checked_in",
        "in_progress",
        "completed",
    ]
    assert data["history"][1]["changed_by"] == "desk"


def test_an_illegal_step_is_a_409_with_a_message(clinic, desk):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    response = desk.post(f"/api/appointments/{appointment.pk}/check-in/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "invalid_transition",
        "message": "A requested appointment cannot be checked in. Approve it first.",
        "fields": {},
    }


def test_cancel_needs_a_reason_and_frees_the_slot(clinic, desk, doctor_user):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    path = f"/api/appointments/{appointment.pk}/cancel/"
    assert desk.post(path, {}, format="json").status_code == 400
    assert api_as(doctor_user).post(path, {"reason": "x"}, format="json").status_code == 403
    response = desk.post(path, {"reason": "Patient unwell"}, format="json")
    assert response.status_code == 200 and response.json()["cancellation_reason"] == "Patient unwell"
    assert AppointmentSlot.objects.get(pk=appointment.slot_id).current_bookings == 0


def test_no_show_endpoint(clinic, desk):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    appointment_transition(acting_user=clinic.desk, appointment=appointment, to_status="confirmed")
    assert desk.post(f"/api/appointments/{appointment.pk}/no-show/").json()["status"] == "no_show"


def test_reschedule_endpoint_returns_the_new_appointment(clinic, desk):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    response = desk.post(
        f"/api/appointments/{appointment.pk}/reschedule/",
        {"date": clinic.monday.isoformat(), "time": "13:00", "reason": "Clash"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["rescheduled_from"] == str(appointment.pk) and data["start_time"] == "13:00"
    old = desk.get(f"/api/appointments/{appointment.pk}/").json()
    assert old["status"] == "rescheduled" and old["rescheduled_to"] == data["id"]


def test_allocate_resources_endpoint(clinic, desk):
    appointment = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
    )
    response = desk.post(
        f"/api/appointments/{appointment.pk}/allocate-resources/",
        {"room_id": str(clinic.consult_room.pk), "approve": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["room"]["code"] == "CON-1" and response.json()["status"] == "confirmed"


def test_walk_in_registers_books_and_checks_in(clinic, desk):
    response = desk.post(
        "/api/appointments/walk-in/",
        {
            "branch_id": str(clinic.branch.pk),
            "doctor_id": str(clinic.doctor.pk),
            "start": clinic.at("11:00").isoformat(),
            "new_patient": {"first_name": "Sunita", "last_name": "Das", "phone": "98450 11223"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "checked_in" and data["booking_source"] == "walk_in"
    assert data["patient"]["full_name"] == "Sunita Das"


# --- Queue, calendar, rooms and therapists ----------------------------------------------------------------


def test_today_lists_the_days_queue_in_time_order(clinic, desk):
    for hh_mm in ("11:00", "10:00"):
        appointment_book(
            acting_user=clinic.desk,
            patient=clinic.patient,
            branch=clinic.branch,
            doctor=clinic.doctor,
            start=clinic.at(hh_mm),
        )
    response = desk.get("/api/appointments/today/", {"date": clinic.monday})
    assert response.status_code == 200
    assert [a["start_time"] for a in response.json()["results"]] == ["10:00", "11:00"]


def test_calendar_by_doctor_and_by_room_with_blocks(clinic, desk):
    appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
        service=clinic.laser,
    )
    desk.post(
        "/api/doctor-schedules/block-slots/",
        {"slot_ids": [str(AppointmentSlot.objects.get(start_time=hm("13:30")).pk)], "reason": "Training"},
        format="json",
    )
    week = {"start_date": clinic.monday, "end_date": clinic.monday + datetime.timedelta(days=6)}
    by_doctor = desk.get("/api/appointments/calendar/", {"doctor_id": clinic.doctor.pk, **week}).json()
    assert len(by_doctor["appointments"]) == 1
    assert [b["reason"] for b in by_doctor["blocks"]] == ["Training"]
    by_room = desk.get("/api/appointments/calendar/", {"room_id": clinic.laser_room.pk, **week}).json()
    assert [a["room"]["code"] for a in by_room["appointments"]] == ["LSR-1"]
    backwards = desk.get(
        "/api/appointments/calendar/",
        {
            "doctor_id": clinic.doctor.pk,
            "start_date": clinic.monday,
            "end_date": clinic.monday - datetime.timedelta(1),
        },
    )
    assert backwards.status_code == 400 and "end_date" in backwards.json()["error"]["fields"]


def test_rooms_and_therapists_available_endpoints(clinic, desk):
    appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("10:00"),
        service=clinic.laser,
        therapist=clinic.priya,
    )
    period = {
        "branch_id": clinic.branch.pk,
        "date": clinic.monday,
        "start_time": "11:00",
        "end_time": "11:30",
    }
    rooms = desk.get("/api/appointments/rooms/available/", {**period, "room_type": "laser"}).json()["results"]
    assert [(r["code"], r["available"]) for r in rooms] == [("LSR-1", False)]
    assert rooms[0]["busy"][0]["end"].endswith("11:20:00+05:30")
    people = desk.get("/api/appointments/therapists/available/", {**period, "start_time": "10:30"}).json()
    assert {p["name"]: p["available"] for p in people["results"]} == {
        "Ms. Divya Rao": True,
        "Ms. Priya Rao": False,
    }
    backwards = desk.get("/api/appointments/rooms/available/", {**period, "end_time": "10:00"})
    assert backwards.status_code == 400 and backwards.json()["error"]["fields"]["end"] == [
        "The end must be after the start."
    ]


def test_service_requirements_endpoint(clinic, desk):
    data = desk.get(f"/api/appointments/service/{clinic.laser.pk}/requirements/").json()
    assert data["duration_minutes"] == 60 and data["room_types"] == ["laser"] and data["requires_therapist"]
    assert (data["preparation_time_minutes"], data["cleanup_time_minutes"]) == (10, 5)
    assert desk.get(f"/api/appointments/service/{uuid.uuid4()}/requirements/").status_code == 404


# --- Schedules ------------------------------------------------------------------------------------------


def test_schedules_are_listed_created_changed_and_slots_follow(clinic, desk):
    listed = desk.get("/api/doctor-schedules/", {"staff_id": clinic.doctor.pk}).json()["results"]
    assert [(s["day_name"], s["start_time"], s["breaks"][0]["start_time"]) for s in listed] == [
        ("Monday", "10:00", "12:00")
    ]
    assert desk.get(f"/api/doctor-schedules/staff/{clinic.doctor.pk}/").json()["results"] == listed
    created = desk.post(
        "/api/doctor-schedules/",
        {
            "staff_id": str(clinic.doctor.pk),
            "branch_id": str(clinic.branch.pk),
            "day_of_week": 2,
            "start_time": "15:00",
            "end_time": "17:00",
            "slot_duration_minutes": 60,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    schedule_id = created.json()["id"]
    assert AppointmentSlot.objects.filter(schedule_id=schedule_id).exists()
    changed = desk.put(f"/api/doctor-schedules/{schedule_id}/", {"end_time": "16:00"}, format="json")
    assert changed.status_code == 200 and changed.json()["end_time"] == "16:00"
    assert set(
        AppointmentSlot.objects.filter(schedule_id=schedule_id).values_list("start_time", flat=True)
    ) == {hm("15:00")}
    bad = desk.put(f"/api/doctor-schedules/{schedule_id}/", {"end_time": "14:00"}, format="json")
    assert bad.status_code == 400 and "end_time" in bad.json()["error"]["fields"]


def test_generate_block_and_unblock_slots(clinic, desk, desk_elsewhere):
    AppointmentSlot.objects.all().delete()
    response = desk.post(
        "/api/doctor-schedules/generate-slots/",
        {"branch_id": str(clinic.branch.pk), "weeks": 5},
        format="json",
    )
    assert response.status_code == 200 and response.json()["created"] > 0
    slot = AppointmentSlot.objects.filter(slot_date=clinic.monday).earliest("starts_at")
    assert (
        api_as(desk_elsewhere)
        .post(
            "/api/doctor-schedules/block-slots/",
            {"slot_ids": [str(slot.pk)], "reason": "Meeting"},
            format="json",
        )
        .status_code
        == 403
    )
    blocked = desk.post(
        "/api/doctor-schedules/block-slots/", {"slot_ids": [str(slot.pk)], "reason": "Meeting"}, format="json"
    )
    assert blocked.status_code == 200 and blocked.json()["results"][0]["is_blocked"]
    assert desk.post(BOOK, body(clinic), format="json").status_code == 409
    desk.post("/api/doctor-schedules/unblock-slots/", {"slot_ids": [str(slot.pk)]}, format="json")
    assert desk.post(BOOK, body(clinic), format="json").status_code == 201
    refused = desk.post(
        "/api/doctor-schedules/block-slots/", {"slot_ids": [str(slot.pk)], "reason": "Meeting"}, format="json"
    )
    assert refused.status_code == 409


# --- Query counts at two data sizes ---------------------------------------------------------------------


def fill(clinic, *, doctors: int):
    for n in range(doctors):
        make_schedule(make_doctor(clinic.branch, f"Extra{n}"), clinic.branch)
    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    for slot in AppointmentSlot.objects.filter(current_bookings=0, start_time__in=[hm("10:00"), hm("11:00")]):
        patient = make_patient(branch=clinic.branch)
        laser = slot.staff == clinic.doctor and slot.start_time == hm("10:00")
        appointment_book(
            acting_user=clinic.desk,
            patient=patient,
            branch=clinic.branch,
            doctor=slot.staff,
            start=slot.starts_at,
            service=clinic.laser if laser else None,
        )


def queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.json()
    return len(captured)


@pytest.mark.parametrize("endpoint", ["list", "today", "calendar", "slots", "availability"])
def test_list_endpoints_use_the_same_number_of_queries_at_two_sizes(clinic, desk, endpoint):
    paths = {
        "list": ("/api/appointments/", {}),
        "today": ("/api/appointments/today/", {"date": clinic.monday}),
        "calendar": (
            "/api/appointments/calendar/",
            {
                "branch_id": clinic.branch.pk,
                "start_date": clinic.monday,
                "end_date": clinic.monday + datetime.timedelta(days=6),
            },
        ),
        "slots": (
            "/api/appointments/slots/",
            {
                "doctor_id": clinic.doctor.pk,
                "branch_id": clinic.branch.pk,
                "date": clinic.monday,
                "service_id": clinic.laser.pk,
            },
        ),
        "availability": (
            "/api/appointments/availability/",
            {"branch_id": clinic.branch.pk, "start_date": clinic.monday, "service_id": clinic.laser.pk},
        ),
    }
    path, params = paths[endpoint]
    fill(clinic, doctors=1)
    small = queries(desk, path, params)
    fill(clinic, doctors=5)
    assert Appointment.objects.count() >= 10
    large = queries(desk, path, params)
    assert small == large, f"{endpoint}: {small} queries, then {large} with more data"


def test_the_schema_documents_the_endpoints(admin_user):
    schema = api_as(admin_user).get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/appointments/book/",
        "/api/appointments/{appointment_id}/check-in/",
        "/api/appointments/rooms/available/",
        "/api/doctor-schedules/block-slots/",
    ):
        assert path in schema["paths"], path
