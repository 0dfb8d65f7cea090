"""Slot generation from weekly schedules, regeneration after a change, and blocks
(appointments.services.slots, appointments.services.schedules)."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from appointments.models import AppointmentSlot, Holiday, ResourceAllocation, StaffLeave
from appointments.services import (
    doctor_schedule_create,
    doctor_schedule_update,
    slot_block,
    slot_generate,
    slot_unblock,
)
from appointments.services.schedules import BreakInput
from clinic.api_errors import Conflict
from tests.appointments.conftest import hm, make_doctor, make_schedule, monday_ahead
from tests.factories import BranchFactory

UTC = datetime.UTC


def slot_times(doctor, day):
    return [
        (s.start_time.strftime("%H:%M"), s.end_time.strftime("%H:%M"))
        for s in AppointmentSlot.objects.filter(staff=doctor, slot_date=day).order_by("starts_at")
    ]


def test_a_monday_becomes_thirty_minute_slots_around_lunch_in_india_time(clinic):
    assert slot_times(clinic.doctor, clinic.monday) == [
        ("10:00", "10:30"),
        ("10:30", "11:00"),
        ("11:00", "11:30"),
        ("11:30", "12:00"),
        ("13:00", "13:30"),
        ("13:30", "14:00"),
    ]
    first = AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).earliest("starts_at")
    # 10:00 in Bengaluru (UTC+05:30) is 04:30 UTC.
    assert first.starts_at == datetime.datetime.combine(clinic.monday, datetime.time(4, 30), tzinfo=UTC)
    assert first.ends_at - first.starts_at == datetime.timedelta(minutes=30)
    assert first.max_bookings == 1 and first.current_bookings == 0
    # Only Mondays are scheduled.
    assert not AppointmentSlot.objects.exclude(slot_date=clinic.monday).exists()


def test_a_branch_in_dubai_stores_its_wall_clock_as_utc_four_hours_earlier(hospital):
    dubai = BranchFactory(
        hospital=hospital,
        code="DXB",
        name="Dubai",
        time_zone="Asia/Dubai",
        opens_at=hm("09:00"),
        closes_at=hm("18:00"),
        working_days=[0, 1, 2, 3, 4, 5, 6],
    )
    doctor = make_doctor(dubai, "Farah")
    make_schedule(doctor, dubai, day=2, start="09:00", end="10:00", lunch=None)
    wednesday = monday_ahead(dubai) + datetime.timedelta(days=2)
    assert slot_generate(branch=dubai, weeks=1, today=monday_ahead(dubai)) == 2
    starts = list(
        AppointmentSlot.objects.filter(staff=doctor).order_by("starts_at").values_list("starts_at", flat=True)
    )
    assert starts == [
        datetime.datetime.combine(wednesday, datetime.time(5, 0), tzinfo=UTC),
        datetime.datetime.combine(wednesday, datetime.time(5, 30), tzinfo=UTC),
    ]


def test_the_hour_london_skips_in_spring_gets_no_slots(hospital):
    london = BranchFactory(
        hospital=hospital,
        code="LON",
        name="London",
        time_zone="Europe/London",
        opens_at=hm("00:00"),
        closes_at=hm("23:30"),
        working_days=[6],
    )
    doctor = make_doctor(london, "Imran")
    make_schedule(doctor, london, day=6, start="00:00", end="03:00", length=30, lunch=None)
    clocks_change = datetime.date(2027, 3, 28)  # last Sunday of March: 01:00 GMT becomes 02:00 BST
    slot_generate(branch=london, weeks=1, today=clocks_change)
    assert slot_times(doctor, clocks_change) == [
        ("00:00", "00:30"),
        ("00:30", "02:00"),
        ("02:00", "02:30"),
        ("02:30", "03:00"),
    ]
    two_am = AppointmentSlot.objects.get(staff=doctor, start_time="02:00")
    assert two_am.starts_at == datetime.datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 02:00 BST


def test_generation_is_idempotent(clinic):
    before = AppointmentSlot.objects.count()
    assert slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday) == 0
    assert AppointmentSlot.objects.count() == before == 6


def test_holidays_closed_days_and_leave_get_no_slots(clinic):
    AppointmentSlot.objects.all().delete()
    next_monday = clinic.monday + datetime.timedelta(days=7)
    third_monday = clinic.monday + datetime.timedelta(days=14)
    Holiday.objects.create(branch=clinic.branch, date=clinic.monday, name="Kannada Rajyotsava")
    StaffLeave.objects.create(staff=clinic.doctor, branch=None, start_date=next_monday, end_date=next_monday)
    slot_generate(branch=clinic.branch, weeks=4, today=clinic.monday)
    days = set(AppointmentSlot.objects.values_list("slot_date", flat=True))
    assert days == {third_monday, clinic.monday + datetime.timedelta(days=21)}

    clinic.branch.working_days = [1, 2, 3, 4, 5]  # closed on Mondays from now on
    clinic.branch.save()
    AppointmentSlot.objects.all().delete()
    assert slot_generate(branch=clinic.branch, weeks=4, today=clinic.monday) == 0


def test_leave_at_another_branch_does_not_stop_this_one(clinic, hospital):
    other = BranchFactory(hospital=hospital, code="HYD")
    AppointmentSlot.objects.all().delete()
    StaffLeave.objects.create(
        staff=clinic.doctor, branch=other, start_date=clinic.monday, end_date=clinic.monday
    )
    assert slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday) == 6


def test_slots_stay_inside_the_branch_hours(clinic):
    AppointmentSlot.objects.all().delete()
    clinic.schedule.start_time = datetime.time(8, 0)
    clinic.schedule.save()
    clinic.branch.opens_at = datetime.time(9, 0)
    clinic.branch.save()
    slot_generate(branch=clinic.branch, weeks=1, today=clinic.monday)
    assert slot_times(clinic.doctor, clinic.monday)[0] == ("09:00", "09:30")


def test_changing_a_schedule_regenerates_free_slots_and_keeps_booked_ones(clinic, book):
    booked = book("10:00")
    book("13:30")
    doctor_schedule_update(
        acting_user=clinic.desk,
        schedule=clinic.schedule,
        data={"slot_duration_minutes": 15, "end_time": datetime.time(13, 0)},
        breaks=[],
    )
    times = slot_times(clinic.doctor, clinic.monday)
    # The booked 30-minute slots stay exactly as they were; free time is re-cut into 15 minutes.
    assert times[:3] == [("10:00", "10:30"), ("10:30", "10:45"), ("10:45", "11:00")]
    assert ("13:30", "14:00") in times
    assert ("12:00", "12:15") in times  # lunch is gone from the new schedule
    kept = AppointmentSlot.objects.get(pk=booked.slot_id)
    assert kept.current_bookings == 1
    periods = sorted(AppointmentSlot.objects.filter(staff=clinic.doctor).values_list("starts_at", "ends_at"))
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(periods)), "no two slots overlap"


def test_a_new_schedule_generates_its_slots(clinic):
    schedule = doctor_schedule_create(
        acting_user=clinic.desk,
        staff=clinic.doctor,
        branch=clinic.branch,
        day_of_week=1,
        start_time=datetime.time(17, 0),
        end_time=datetime.time(19, 0),
        slot_duration_minutes=60,
        breaks=[BreakInput(datetime.time(18, 0), datetime.time(18, 30), "Tea")],
    )
    tuesdays = AppointmentSlot.objects.filter(schedule=schedule)
    assert tuesdays.exists()
    # 17:00-18:00 fits; 18:00-19:00 crosses the tea break.
    assert set(tuesdays.values_list("start_time", flat=True)) == {datetime.time(17, 0)}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_time": datetime.time(12, 0), "end_time": datetime.time(11, 0)}, "end_time"),
        ({"start_time": datetime.time(7, 0), "end_time": datetime.time(11, 0)}, "start_time"),
        ({"slot_duration_minutes": 20}, "slot_duration_minutes"),
        ({"max_patients_per_slot": 0}, "max_patients_per_slot"),
    ],
)
def test_bad_schedules_are_refused_and_change_nothing(clinic, changes, field):
    before = list(AppointmentSlot.objects.values_list("id", flat=True))
    with pytest.raises(ValidationError) as refused:
        doctor_schedule_update(acting_user=clinic.desk, schedule=clinic.schedule, data=changes)
    assert field in refused.value.message_dict
    clinic.schedule.refresh_from_db()
    assert clinic.schedule.start_time == datetime.time(10, 0) and clinic.schedule.slot_duration_minutes == 30
    assert list(AppointmentSlot.objects.values_list("id", flat=True)) == before


def test_a_doctor_cannot_work_two_branches_at_once(clinic, hospital):
    other = BranchFactory(hospital=hospital, code="HYD", name="Jubilee Hills")
    other.refresh_from_db()  # the model's default hours, as times
    clinic.doctor.branches.add(other)
    with pytest.raises(ValidationError, match="already works"):
        doctor_schedule_create(
            acting_user=clinic.desk,
            staff=clinic.doctor,
            branch=other,
            day_of_week=0,
            start_time=datetime.time(11, 0),
            end_time=datetime.time(15, 0),
        )


def test_blocking_records_who_when_why_and_holds_the_doctor(clinic, book):
    slots = list(AppointmentSlot.objects.filter(staff=clinic.doctor, start_time__in=["10:00", "10:30"]))
    slot_block(acting_user=clinic.desk, slots=slots, reason="Staff meeting")
    for slot in AppointmentSlot.objects.filter(pk__in=[s.pk for s in slots]):
        assert slot.is_blocked and slot.block_reason == "Staff meeting"
        assert slot.blocked_by == clinic.desk and slot.blocked_at is not None
    blocks = ResourceAllocation.objects.filter(
        appointment__isnull=True, staff=clinic.doctor, status="confirmed"
    )
    assert blocks.count() == 2 and {b.block_reason for b in blocks} == {"Staff meeting"}
    with pytest.raises(Conflict) as refused:
        book("10:30")
    assert refused.value.extra["resource"] == "doctor"
    assert "Staff meeting" in refused.value.message


def test_blocking_by_doctor_and_time_range(clinic):
    slot_block(
        acting_user=clinic.desk,
        staff=clinic.doctor,
        start=clinic.at("11:00"),
        end=clinic.at("14:00"),
        reason="Training",
    )
    blocked = AppointmentSlot.objects.filter(is_blocked=True).values_list("start_time", flat=True)
    assert sorted(t.strftime("%H:%M") for t in blocked) == ["11:00", "11:30", "13:00", "13:30"]


def test_a_booked_slot_cannot_be_blocked_and_nothing_changes(clinic, book):
    book("10:00")
    slots = list(AppointmentSlot.objects.filter(staff=clinic.doctor, start_time__in=["10:00", "10:30"]))
    with pytest.raises(Conflict, match="have bookings"):
        slot_block(acting_user=clinic.desk, slots=slots, reason="Meeting")
    assert not AppointmentSlot.objects.filter(is_blocked=True).exists()
    assert not ResourceAllocation.objects.filter(appointment__isnull=True).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "Meeting", "start_offset": 60, "end_offset": 0}, "end"),
    ],
)
def test_bad_blocks_are_refused(clinic, kwargs, field):
    start = clinic.at("10:00") + datetime.timedelta(minutes=kwargs.pop("start_offset", 0))
    end = (
        clinic.at("11:00")
        + datetime.timedelta(minutes=kwargs.pop("end_offset", 0))
        - datetime.timedelta(hours=1)
        if "end_offset" in kwargs
        else clinic.at("11:00")
    )
    with pytest.raises(ValidationError) as refused:
        slot_block(acting_user=clinic.desk, staff=clinic.doctor, start=start, end=end, **kwargs)
    assert field in refused.value.message_dict
    assert not AppointmentSlot.objects.filter(is_blocked=True).exists()


def test_unblocking_gives_the_time_back(clinic, book):
    slots = list(AppointmentSlot.objects.filter(staff=clinic.doctor, start_time="10:00"))
    slot_block(acting_user=clinic.desk, slots=slots, reason="Meeting")
    slot_unblock(acting_user=clinic.desk, slots=slots)
    assert not AppointmentSlot.objects.filter(is_blocked=True).exists()
    assert book("10:00").status == "requested"


def test_regeneration_keeps_blocked_slots(clinic):
    slots = list(AppointmentSlot.objects.filter(staff=clinic.doctor, start_time="10:00"))
    slot_block(acting_user=clinic.desk, slots=slots, reason="Meeting")
    doctor_schedule_update(
        acting_user=clinic.desk, schedule=clinic.schedule, data={"slot_duration_minutes": 60}
    )
    assert AppointmentSlot.objects.filter(pk=slots[0].pk, is_blocked=True).exists()


def test_the_command_and_the_daily_task_generate_what_is_missing(clinic):
    from io import StringIO

    from django.core.management import call_command

    from appointments.tasks import slots_generate_task

    AppointmentSlot.objects.all().delete()
    out = StringIO()
    call_command("generate_slots", "--branch", "BLR", "--weeks", "5", stdout=out)
    assert "slots added" in out.getvalue()
    assert AppointmentSlot.objects.filter(slot_date=clinic.monday).count() == 6
    assert slots_generate_task() == 0  # four weeks ahead are already there


def test_the_beat_schedule_runs_the_appointment_jobs():
    from django.conf import settings

    import appointments.tasks  # noqa: F401  (what the worker's autodiscovery imports)
    from config.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "appointments.tasks.slots_generate_task",
        "appointments.tasks.no_shows_mark_task",
        "appointments.tasks.idempotency_keys_purge_task",
    ):
        assert name in tasks
        assert name in app.tasks
