"""Booking the follow-up from the tablet, through the API the page calls: the doctor's free times a
few days from the chosen day, booking one (safe to send twice), a taken time refused with the
nearest free ones, moving the booking (the consultation follows the move), and who may do it."""

import datetime

import pytest

from appointments.models import Appointment, AppointmentStatus, DoctorSchedule
from appointments.services import slot_generate
from clinic.selectors.stock import branch_today
from consultations.models import Consultation, ConsultationStatus
from consultations.services.workflow import consultation_start, consultation_transition
from tests.conftest import api_as
from tests.consultations.conftest import checked_in_appointment, staff
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def working_weeks(branch_a, doctor_a):
    """Dr. Rao works 10:00-12:00 (30-minute slots) every working day of the next three weeks."""
    branch_a.refresh_from_db()
    for weekday in branch_a.working_days:
        DoctorSchedule.objects.create(
            staff=staff(doctor_a),
            branch=branch_a,
            day_of_week=weekday,
            start_time=datetime.time(10),
            end_time=datetime.time(12),
            slot_duration_minutes=30,
        )
    slot_generate(branch=branch_a, weeks=3, today=branch_today(branch_a))
    return branch_a


def a_working_day(branch, after_days: int) -> datetime.date:
    day = branch_today(branch) + datetime.timedelta(days=after_days)
    while day.weekday() not in branch.working_days:
        day += datetime.timedelta(days=1)
    return day


def slots_url(consultation, day) -> str:
    return f"/api/consultations/{consultation.pk}/follow-up/slots/?date={day.isoformat()}"


def test_the_free_times_start_at_the_chosen_day_in_the_branchs_zone(doctor_a, consultation_a, working_weeks):
    day = a_working_day(working_weeks, 7)
    response = api_as(doctor_a).get(slots_url(consultation_a, day))

    assert response.status_code == 200, response.content
    days = response.json()["days"]
    assert [d["date"] for d in days] == [(day + datetime.timedelta(days=i)).isoformat() for i in range(4)]
    first = days[0]
    assert [o["time_text"] for o in first["options"]] == ["10:00 am", "10:30 am", "11:00 am", "11:30 am"]
    assert first["options"][0]["start"] == f"{day.isoformat()}T10:00:00+05:30"
    assert response.json()["booked"] is None


def test_tapping_a_time_books_it_once_and_the_visit_remembers_it(doctor_a, consultation_a, working_weeks):
    client = api_as(doctor_a)
    day = a_working_day(working_weeks, 14)
    start = f"{day.isoformat()}T10:30:00+05:30"

    first = client.post(f"/api/consultations/{consultation_a.pk}/follow-up/", {"start": start}, format="json")
    again = client.post(f"/api/consultations/{consultation_a.pk}/follow-up/", {"start": start}, format="json")

    assert first.status_code == 201 and again.status_code == 201
    booked = first.json()
    assert again.json()["appointment_id"] == booked["appointment_id"]
    assert booked["time_text"] == "10:30 am" and booked["date"] == day.isoformat()
    assert booked["number"].startswith("APT-")
    assert Appointment.objects.filter(is_follow_up=True).count() == 1
    assert (
        str(Consultation.objects.get(pk=consultation_a.pk).follow_up_appointment_id)
        == booked["appointment_id"]
    )
    # The free times no longer offer it, and say what is booked.
    listed = client.get(slots_url(consultation_a, day)).json()
    assert "10:30 am" not in [o["time_text"] for o in listed["days"][0]["options"]]
    assert listed["booked"]["number"] == booked["number"]


def test_a_time_taken_meanwhile_is_refused_with_the_nearest_free_times(
    doctor_a, consultation_a, working_weeks, patient_a, branch_a
):
    client = api_as(doctor_a)
    day = a_working_day(working_weeks, 7)
    start = f"{day.isoformat()}T11:00:00+05:30"
    # Another patient's visit takes 11:00 first (the front desk, the other tablet).
    other = make_patient(branch=branch_a, first_name="Asha", last_name="Verma")
    other_visit = checked_in_appointment(patient=other, doctor_user=doctor_a, branch=branch_a)
    other_consultation = consultation_start(acting_user=doctor_a, appointment=other_visit)
    assert (
        client.post(
            f"/api/consultations/{other_consultation.pk}/follow-up/", {"start": start}, format="json"
        ).status_code
        == 201
    )

    response = client.post(
        f"/api/consultations/{consultation_a.pk}/follow-up/", {"start": start}, format="json"
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "booking_conflict"
    assert error["alternatives"] and all(a["start"] != start for a in error["alternatives"])
    assert Consultation.objects.get(pk=consultation_a.pk).follow_up_appointment_id is None


def test_moving_the_follow_up_books_the_new_time_and_the_visit_follows(
    doctor_a, consultation_a, working_weeks
):
    client = api_as(doctor_a)
    day = a_working_day(working_weeks, 7)
    booked = client.post(
        f"/api/consultations/{consultation_a.pk}/follow-up/",
        {"start": f"{day.isoformat()}T10:00:00+05:30"},
        format="json",
    ).json()

    moved = client.post(
        f"/api/consultations/{consultation_a.pk}/follow-up/reschedule/",
        {"start": f"{day.isoformat()}T11:30:00+05:30"},
        format="json",
    )

    assert moved.status_code == 200, moved.content
    assert moved.json()["time_text"] == "11:30 am" and moved.json()["number"] != booked["number"]
    old = Appointment.objects.get(pk=booked["appointment_id"])
    new = Appointment.objects.get(pk=moved.json()["appointment_id"])
    assert old.status == AppointmentStatus.RESCHEDULED and new.rescheduled_from_id == old.pk
    assert Consultation.objects.get(pk=consultation_a.pk).follow_up_appointment_id == new.pk
    # Booking again at the moved time is the same booking, not a second one.
    again = client.post(
        f"/api/consultations/{consultation_a.pk}/follow-up/",
        {"start": f"{day.isoformat()}T11:30:00+05:30"},
        format="json",
    )
    assert again.status_code == 201 and again.json()["appointment_id"] == str(new.pk)


def test_a_completed_visit_can_still_book_its_follow_up(doctor_a, consultation_a, working_weeks):
    for status in (
        ConsultationStatus.IN_EXAMINATION,
        ConsultationStatus.PRESCRIPTION_DONE,
        ConsultationStatus.COMPLETED,
    ):
        consultation_transition(acting_user=doctor_a, consultation=consultation_a, to_status=status)
    day = a_working_day(working_weeks, 7)
    response = api_as(doctor_a).post(
        f"/api/consultations/{consultation_a.pk}/follow-up/reschedule/",
        {"start": f"{day.isoformat()}T10:00:00+05:30"},
        format="json",
    )
    assert response.status_code == 200, response.content  # none booked yet: moving books one
    assert Consultation.objects.get(pk=consultation_a.pk).follow_up_appointment is not None


def test_only_the_visits_doctor_books_or_looks_up_its_follow_up(
    doctor_a2, nurse_a, doctor_b, consultation_a, working_weeks
):
    day = a_working_day(working_weeks, 7)
    for user, expected in ((doctor_a2, 403), (nurse_a, 403), (doctor_b, 404)):
        client = api_as(user)
        assert client.get(slots_url(consultation_a, day)).status_code == expected
        response = client.post(
            f"/api/consultations/{consultation_a.pk}/follow-up/reschedule/",
            {"start": f"{day.isoformat()}T10:00:00+05:30"},
            format="json",
        )
        assert response.status_code == expected
    assert not Appointment.objects.filter(is_follow_up=True).exists()
