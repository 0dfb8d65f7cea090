"""Scheduling in the back office (appointments/admin.py): every page opens, schedules saved with
their breaks regenerate slots, the generate and block actions call the services, appointments are
listed with MRN and branch time, and staff see only their branches."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from appointments.models import AppointmentSlot, DoctorSchedule, Holiday, ResourceAllocation, StaffLeave
from tests.appointments.conftest import make_doctor
from tests.factories import BranchFactory, StaffFactory, UserFactory

MODELS = [
    "doctorschedule",
    "appointmentslot",
    "appointment",
    "appointmenttype",
    "staffleave",
    "holiday",
    "serviceresourcerequirement",
    "resourceallocation",
]


@pytest.fixture
def admin_client_(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_scheduling_page_opens(clinic, book, admin_client_, model):
    book("10:00", service=clinic.laser)
    response = admin_client_.get(reverse(f"admin:appointments_{model}_changelist"))
    assert response.status_code == 200
    if model in ("doctorschedule", "appointment"):
        obj = clinic.schedule if model == "doctorschedule" else clinic.laser.appointments.get()
        assert (
            admin_client_.get(reverse(f"admin:appointments_{model}_change", args=[obj.pk])).status_code == 200
        )


def test_the_appointment_list_shows_mrn_and_branch_time(clinic, book, admin_client_):
    appointment = book("10:30")
    page = admin_client_.get(reverse("admin:appointments_appointment_changelist")).content.decode()
    assert appointment.number in page and clinic.patient.mrn in page
    assert f"{clinic.monday.day} {clinic.monday:%b %Y}, 10:30 am" in page
    assert "Ramesh" not in page  # the list names patients by MRN only


def test_saving_a_schedule_with_breaks_regenerates_its_slots(clinic, admin_client_):
    url = reverse("admin:appointments_doctorschedule_change", args=[clinic.schedule.pk])
    breaks = clinic.schedule.breaks.all()
    response = admin_client_.post(
        url,
        {
            "staff": clinic.doctor.pk,
            "branch": clinic.branch.pk,
            "day_of_week": 0,
            "start_time": "10:00",
            "end_time": "12:00",
            "slot_duration_minutes": 60,
            "max_patients_per_slot": 1,
            "is_active": "on",
            "breaks-TOTAL_FORMS": 2,
            "breaks-INITIAL_FORMS": 1,
            "breaks-MIN_NUM_FORMS": 0,
            "breaks-MAX_NUM_FORMS": 1000,
            "breaks-0-id": breaks[0].pk,
            "breaks-0-schedule": clinic.schedule.pk,
            "breaks-0-label": "Lunch",
            "breaks-0-start_time": "12:00",
            "breaks-0-end_time": "13:00",
            "breaks-0-DELETE": "on",
            "breaks-1-schedule": clinic.schedule.pk,
            "breaks-1-label": "Tea",
            "breaks-1-start_time": "11:00",
            "breaks-1-end_time": "11:15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    times = list(
        AppointmentSlot.objects.filter(slot_date=clinic.monday)
        .order_by("starts_at")
        .values_list("start_time", "end_time")
    )
    assert times == [(datetime.time(10), datetime.time(11))]  # 11:00-12:00 crosses tea


def test_a_schedule_outside_branch_hours_is_refused_on_the_form(clinic, admin_client_):
    response = admin_client_.post(
        reverse("admin:appointments_doctorschedule_add"),
        {
            "staff": clinic.doctor.pk,
            "branch": clinic.branch.pk,
            "day_of_week": 1,
            "start_time": "06:00",
            "end_time": "08:00",
            "slot_duration_minutes": 30,
            "max_patients_per_slot": 1,
            "is_active": "on",
            "breaks-TOTAL_FORMS": 0,
            "breaks-INITIAL_FORMS": 0,
            "breaks-MIN_NUM_FORMS": 0,
            "breaks-MAX_NUM_FORMS": 1000,
        },
    )
    assert response.status_code == 200
    assert "the schedule must fit inside" in response.content.decode()
    assert DoctorSchedule.objects.count() == 1


def test_generate_and_block_actions(clinic, admin_client_):
    AppointmentSlot.objects.all().delete()
    admin_client_.post(
        reverse("admin:appointments_doctorschedule_changelist"),
        {"action": "generate_slots", ACTION_CHECKBOX_NAME: [clinic.schedule.pk]},
    )
    assert AppointmentSlot.objects.count() >= 6 * 3
    ids = list(AppointmentSlot.objects.filter(slot_date=clinic.monday).values_list("pk", flat=True)[:2])
    url = reverse("admin:appointments_appointmentslot_changelist")
    ask = admin_client_.post(url, {"action": "block_slots", ACTION_CHECKBOX_NAME: ids})
    assert ask.status_code == 200 and "reason" in ask.content.decode()
    admin_client_.post(
        url, {"action": "block_slots", ACTION_CHECKBOX_NAME: ids, "post": "yes", "reason": "Team meeting"}
    )
    assert set(AppointmentSlot.objects.filter(pk__in=ids).values_list("block_reason", flat=True)) == {
        "Team meeting"
    }
    assert ResourceAllocation.objects.filter(appointment__isnull=True, status="confirmed").count() == 2
    admin_client_.post(url, {"action": "unblock_slots", ACTION_CHECKBOX_NAME: ids})
    assert not AppointmentSlot.objects.filter(is_blocked=True).exists()


def test_staff_see_only_their_branches(clinic, book, hospital):
    book("10:00")
    other = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    elsewhere = make_doctor(other, "Srinivas")
    StaffLeave.objects.create(staff=elsewhere, start_date=clinic.monday, end_date=clinic.monday)
    StaffLeave.objects.create(staff=clinic.doctor, start_date=clinic.monday, end_date=clinic.monday)
    Holiday.objects.create(branch=other, date=clinic.monday, name="Bonalu")
    user = UserFactory(username="backoffice.blr")
    StaffFactory(user=user, hospital=hospital, staff_type="admin", branches=[clinic.branch])
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="appointments", codename__startswith="view_")
    )
    client = Client()
    client.force_login(user)
    leave = client.get(reverse("admin:appointments_staffleave_changelist")).context["cl"].result_list
    assert [lv.staff for lv in leave] == [clinic.doctor]
    assert list(client.get(reverse("admin:appointments_holiday_changelist")).context["cl"].result_list) == []
    appointments = client.get(reverse("admin:appointments_appointment_changelist")).context["cl"].result_list
    assert len(appointments) == 1


def test_saving_leave_in_the_admin_goes_through_the_service(clinic, book, admin_client_):
    booked = book("13:00")
    url = reverse("admin:appointments_staffleave_add")
    day = clinic.monday.isoformat()
    form = {"staff": clinic.doctor.pk, "branch": "", "start_date": day, "end_date": day, "reason": "Away"}
    day_before = (clinic.monday - datetime.timedelta(days=1)).isoformat()
    bad = admin_client_.post(url, {**form, "end_date": day_before})
    assert bad.status_code == 200 and "The leave must end on or after its first day." in bad.content.decode()
    assert not StaffLeave.objects.exists()

    response = admin_client_.post(url, form, follow=True)
    page = response.content.decode()
    assert "5 free slot(s) removed" in page and booked.number in page and "NOT cancelled" in page
    assert AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).count() == 1
    leave = StaffLeave.objects.get()
    delete = reverse("admin:appointments_staffleave_delete", args=[leave.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 302
    assert AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).count() == 6


def test_a_holiday_saved_in_the_admin_removes_the_days_free_slots(clinic, admin_client_):
    url = reverse("admin:appointments_holiday_add")
    form = {"branch": clinic.branch.pk, "date": clinic.monday.isoformat(), "name": "Diwali"}
    assert admin_client_.post(url, form).status_code == 302
    assert not AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).exists()
    again = admin_client_.post(url, {**form, "name": "Again"})
    assert "already has a holiday" in again.content.decode()
    assert Holiday.objects.count() == 1
