"""Leave and holidays on the schedules page: the desk records them, sees the appointments inside with
reschedule and cancel buttons, withdraws them; bad input is shown next to its field; the page costs the
same number of queries however many appointments a leave covers."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import AppointmentSlot, Holiday, StaffLeave
from appointments.services import appointment_book, staff_leave_record, staff_leave_update
from tests.appointments.conftest import hm
from tests.appointments.test_pages import client_as, site  # noqa: F401 - the pages' fixture
from tests.factories import make_patient

pytestmark = pytest.mark.django_db


def book(clinic, hh_mm, patient=None):
    return appointment_book(
        acting_user=clinic.desk,
        patient=patient or clinic.patient,
        branch=clinic.branch,
        doctor=clinic.doctor,
        start=clinic.at(hh_mm),
        service=clinic.consult,
    )


def schedules_page(client, clinic) -> str:
    response = client.get(f"/appointments/schedules/?branch={clinic.branch.pk}&doctor={clinic.doctor.pk}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_desk_records_leave_and_moves_or_cancels_what_is_inside(site):  # noqa: F811
    booked = book(site, "13:00")
    client = client_as(site.desk)
    base = {"branch": site.branch.pk, "doctor": site.doctor.pk}
    day = site.monday.strftime("%d/%m/%Y")
    response = client.post(
        "/appointments/schedules/leave/",
        {
            **base,
            "leave-start_date": day,
            "leave-end_date": day,
            "leave-start_time": "12:30",
            "leave-reason": "Family function",
        },
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "Leave recorded; 1 free slot removed. 1 appointment falls inside it" in page
    assert booked.number in page and f"?reschedule={booked.pk}" in page
    assert f"/appointments/{booked.pk}/cancel/" in page
    assert AppointmentSlot.objects.filter(staff=site.doctor, slot_date=site.monday).count() == 5

    cancel = client.post(f"/appointments/{booked.pk}/cancel/", {"reason": "Doctor away"})
    assert cancel.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert f"?reschedule={booked.pk}" not in schedules_page(client, site)

    leave = StaffLeave.objects.get()
    assert client.post(f"/appointments/schedules/leave/{leave.pk}/cancel/", base).status_code == 302
    assert not StaffLeave.objects.exists()
    assert AppointmentSlot.objects.filter(staff=site.doctor, slot_date=site.monday).count() == 6


def test_bad_leave_is_shown_next_to_its_field_and_nothing_is_written(site):  # noqa: F811
    client = client_as(site.desk)
    day = site.monday.strftime("%d/%m/%Y")
    response = client.post(
        "/appointments/schedules/leave/",
        {
            "branch": site.branch.pk,
            "doctor": site.doctor.pk,
            "leave-start_date": day,
            "leave-end_date": day,
            "leave-start_time": "13:00",
            "leave-end_time": "12:00",
        },
    )
    assert response.status_code == 400
    assert "The leave must end after it starts." in html.unescape(response.content.decode())
    assert not StaffLeave.objects.exists()


def test_a_holiday_from_the_page_lists_the_day_and_can_be_taken_back(site):  # noqa: F811
    booked = book(site, "10:00")
    client = client_as(site.desk)
    base = {"branch": site.branch.pk, "doctor": site.doctor.pk}
    response = client.post(
        "/appointments/schedules/holidays/",
        {**base, "holiday-date": site.monday.strftime("%d/%m/%Y"), "holiday-name": "Diwali"},
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "Holiday recorded; 5 free slots removed. 1 appointment falls inside it" in page
    assert "Diwali" in page and booked.number in page
    holiday = Holiday.objects.get()
    assert client.post(f"/appointments/schedules/holidays/{holiday.pk}/cancel/", base).status_code == 302
    assert AppointmentSlot.objects.filter(staff=site.doctor, slot_date=site.monday).count() == 6


def test_doctors_cannot_record_leave_or_holidays(site):  # noqa: F811
    client = client_as(site.doctor_user)
    day = site.monday.strftime("%d/%m/%Y")
    base = {"branch": site.branch.pk, "doctor": site.doctor.pk}
    leave_form = {**base, "leave-start_date": day, "leave-end_date": day}
    holiday_form = {**base, "holiday-date": day, "holiday-name": "X"}
    leave = client.post("/appointments/schedules/leave/", leave_form)
    holiday = client.post("/appointments/schedules/holidays/", holiday_form)
    assert leave.status_code == 403 and holiday.status_code == 403
    assert not StaffLeave.objects.exists() and not Holiday.objects.exists()


def test_the_schedules_page_costs_the_same_with_more_appointments_on_leave(site):  # noqa: F811
    for n, start in enumerate(["10:00", "10:30", "11:00", "13:00"]):
        book(site, start, patient=make_patient(branch=site.branch, first_name=f"P{n}"))
    client = client_as(site.desk)
    outcome = staff_leave_record(
        acting_user=site.desk,
        staff=site.doctor,
        start_date=site.monday,
        end_date=site.monday,
        start_time=hm("10:00"),
        end_time=hm("10:30"),
    )
    url = f"/appointments/schedules/?branch={site.branch.pk}&doctor={site.doctor.pk}"
    schedules_page(client, site)  # warm: the page frame caches the user's roles and workplace
    with CaptureQueriesContext(connection) as small:
        assert schedules_page(client, site).count("?reschedule=") == 1
    staff_leave_update(
        acting_user=site.desk, leave=outcome.record, start_date=site.monday, end_date=site.monday
    )
    with CaptureQueriesContext(connection) as large:
        assert schedules_page(client, site).count("?reschedule=") == 4
    assert len(large) == len(small)
    assert client.get(url).status_code == 200
