"""Leave and holidays through /api/doctor-schedules/leave/ and /holidays/: who may, what comes back
(the affected appointments), bad input as a 4xx with nothing written, and the OpenAPI schema."""

import uuid

import pytest

from appointments.models import AppointmentSlot, Holiday, StaffLeave
from appointments.services import appointment_book
from tests.conftest import api_as
from tests.factories import BranchFactory, StaffFactory, UserFactory

LEAVE = "/api/doctor-schedules/leave/"
HOLIDAYS = "/api/doctor-schedules/holidays/"


@pytest.fixture
def desk(clinic):
    return api_as(clinic.desk)


def slots_left(clinic) -> int:
    return AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).count()


def test_the_desk_records_leave_and_gets_the_appointments_to_move(clinic, desk):
    booked = appointment_book(
        acting_user=clinic.desk,
        patient=clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at("13:00"),
        service=clinic.consult,
    )
    response = desk.post(
        LEAVE,
        {
            "staff_id": str(clinic.doctor.pk),
            "branch_id": str(clinic.branch.pk),
            "start_date": str(clinic.monday),
            "end_date": str(clinic.monday),
            "start_time": "12:30",
            "end_time": "14:00",
            "reason": "Family function",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["slots_removed"] == 1  # 13:30; 13:00 is booked
    assert [a["number"] for a in data["affected"]] == [booked.number]
    assert data["affected"][0]["status"] == "requested"
    assert data["record"]["start_time"] == "12:30"

    listed = desk.get(LEAVE).json()["results"]
    assert [row["id"] for row in listed] == [data["record"]["id"]]

    cancelled = desk.delete(f"{LEAVE}{data['record']['id']}/")
    assert cancelled.status_code == 200
    assert cancelled.json()["slots_created"] >= 1  # 13:30 again (and any week not generated yet)
    assert slots_left(clinic) == 6


def test_the_desk_records_and_cancels_a_holiday(clinic, desk):
    response = desk.post(
        HOLIDAYS,
        {"branch_id": str(clinic.branch.pk), "date": str(clinic.monday), "name": "Diwali"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["slots_removed"] == 6
    assert response.json()["affected"] == []
    holiday_id = response.json()["record"]["id"]
    assert desk.get(HOLIDAYS).json()["results"][0]["name"] == "Diwali"
    assert desk.delete(f"{HOLIDAYS}{holiday_id}/").json()["slots_created"] >= 6
    assert not Holiday.objects.exists()
    assert slots_left(clinic) == 6


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"staff_id": str(uuid.uuid4())}, "staff_id"),
        ({"end_date": "2020-01-01"}, "end_date"),
        ({"start_time": "13:00", "end_time": "12:00"}, "end_time"),
        ({"start_date": "not a date"}, "start_date"),
    ],
)
def test_bad_leave_is_a_400_naming_the_field_and_nothing_is_written(clinic, desk, change, field):
    payload = {
        "staff_id": str(clinic.doctor.pk),
        "start_date": str(clinic.monday),
        "end_date": str(clinic.monday),
        **change,
    }
    response = desk.post(LEAVE, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not StaffLeave.objects.exists()
    assert slots_left(clinic) == 6


def test_only_the_desk_of_the_branch_may_record_leave_or_holidays(clinic, hospital, api):
    elsewhere = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    other_desk = UserFactory(username="desk.hyd", groups=["Front desk"])
    StaffFactory(user=other_desk, hospital=hospital, staff_type="front_desk", branches=[elsewhere])
    doctor_user = UserFactory(username="dr.a", groups=["Doctor"])
    day = str(clinic.monday)
    leave = {"staff_id": str(clinic.doctor.pk), "start_date": day, "end_date": day}
    holiday = {"branch_id": str(clinic.branch.pk), "date": str(clinic.monday), "name": "Diwali"}
    for client in (api_as(other_desk), api_as(doctor_user), api):
        assert client.post(LEAVE, leave, format="json").status_code in (401, 403)
        assert client.post(HOLIDAYS, holiday, format="json").status_code in (401, 403)
    for client in (api_as(doctor_user), api):
        assert client.get(LEAVE).status_code in (401, 403)
    assert api_as(other_desk).get(LEAVE).json()["results"] == []  # only their branches' leave
    assert not StaffLeave.objects.exists() and not Holiday.objects.exists()
    assert slots_left(clinic) == 6


def test_the_endpoints_are_in_the_openapi_schema(clinic, desk):
    schema = desk.get("/api/schema/", {"format": "json"}).json()
    assert {"post", "get"} <= set(schema["paths"][LEAVE])
    assert "delete" in schema["paths"]["/api/doctor-schedules/leave/{leave_id}/"]
    assert {"post", "get"} <= set(schema["paths"][HOLIDAYS])
