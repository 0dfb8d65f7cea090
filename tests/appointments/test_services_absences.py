"""Leave and holidays as workflows (appointments.services.absences): free slots inside go, booked
ones stay and are listed for the desk, availability honours them, cancelling brings the slots back,
bad input changes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from appointments.models import Appointment, AppointmentSlot, Holiday, StaffLeave
from appointments.selectors import doctor_free_slots
from appointments.services import (
    holiday_cancel,
    holiday_record,
    staff_leave_cancel,
    staff_leave_record,
    staff_leave_update,
)
from clinic.api_errors import Conflict
from tests.appointments.conftest import hm
from tests.factories import StaffFactory


def slot_starts(clinic) -> list[str]:
    return [
        s.start_time.strftime("%H:%M")
        for s in AppointmentSlot.objects.filter(staff=clinic.doctor, slot_date=clinic.monday).order_by(
            "starts_at"
        )
    ]


def free_starts(clinic, **kwargs) -> list[str]:
    options = doctor_free_slots(
        doctor=clinic.doctor, branch=clinic.branch, date=clinic.monday, service=clinic.consult, **kwargs
    )
    return [o.local_start.strftime("%H:%M") for o in options]


def test_a_whole_day_of_leave_removes_the_free_slots_and_lists_the_booked_one(clinic, book):
    booked = book("11:00")
    outcome = staff_leave_record(
        acting_user=clinic.desk,
        staff=clinic.doctor,
        branch=clinic.branch,
        start_date=clinic.monday,
        end_date=clinic.monday,
        reason="Conference",
    )
    assert outcome.slots_removed == 5
    assert slot_starts(clinic) == ["11:00"]  # the booked slot stays, with its booking
    assert [a.number for a in outcome.affected] == [booked.number]
    booked.refresh_from_db()
    assert booked.status == "requested"  # listed for the desk, not cancelled
    assert free_starts(clinic) == []
    leave = StaffLeave.objects.get()
    assert leave.history.get().history_user == clinic.desk


def test_a_time_range_of_leave_takes_only_that_time(clinic, book):
    booked = book("13:00")
    outcome = staff_leave_record(
        acting_user=clinic.desk,
        staff=clinic.doctor,
        start_date=clinic.monday,
        end_date=clinic.monday,
        start_time=hm("11:00"),
        end_time=hm("13:30"),
    )
    assert outcome.slots_removed == 2  # 11:00 and 11:30; 13:00 is booked
    assert slot_starts(clinic) == ["10:00", "10:30", "13:00", "13:30"]
    assert [a.pk for a in outcome.affected] == [booked.pk]
    assert free_starts(clinic) == ["10:00", "10:30", "13:30"]
    # Cancel the booking: its slot is free again, but the leave still keeps it out of availability.
    from appointments.services import appointment_cancel

    appointment_cancel(acting_user=clinic.desk, appointment=booked, reason="Doctor away")
    assert free_starts(clinic) == ["10:00", "10:30", "13:30"]
    with pytest.raises(Conflict) as refused:
        book("13:00")
    assert "on leave" in refused.value.message


def test_a_therapist_on_leave_is_not_offered_or_taken(clinic):
    staff_leave_record(
        acting_user=clinic.desk,
        staff=clinic.priya,
        start_date=clinic.monday,
        end_date=clinic.monday,
        start_time=hm("09:00"),
        end_time=hm("12:00"),
    )
    options = doctor_free_slots(
        doctor=clinic.doctor, branch=clinic.branch, date=clinic.monday, service=clinic.laser
    )
    morning = [o for o in options if o.local_start.time() < hm("12:00")]
    assert morning and all(clinic.priya.pk not in o.therapist_ids for o in morning)


def test_a_holiday_closes_the_day_and_lists_its_appointments(clinic, book):
    booked = book("10:30")
    outcome = holiday_record(acting_user=clinic.desk, branch=clinic.branch, date=clinic.monday, name="Diwali")
    assert outcome.slots_removed == 5
    assert [a.pk for a in outcome.affected] == [booked.pk]
    assert free_starts(clinic) == []
    with pytest.raises(ValidationError) as refused:  # its slot is gone, and the desk is told why
        book("13:00")
    assert "Indiranagar is closed on" in refused.value.message_dict["start"][0]


def test_cancelling_leave_or_a_holiday_generates_the_slots_again(clinic):
    outcome = staff_leave_record(
        acting_user=clinic.desk, staff=clinic.doctor, start_date=clinic.monday, end_date=clinic.monday
    )
    assert slot_starts(clinic) == []
    staff_leave_cancel(acting_user=clinic.desk, leave=outcome.record)
    assert slot_starts(clinic) == ["10:00", "10:30", "11:00", "11:30", "13:00", "13:30"]
    assert not StaffLeave.objects.exists()
    assert [h.history_type for h in StaffLeave.history.order_by("history_date")] == ["+", "-"]

    holiday = holiday_record(acting_user=clinic.desk, branch=clinic.branch, date=clinic.monday, name="Holi")
    assert slot_starts(clinic) == []
    holiday_cancel(acting_user=clinic.desk, holiday=holiday.record)
    assert len(slot_starts(clinic)) == 6


def test_shortening_a_leave_gives_back_the_time_it_no_longer_covers(clinic):
    outcome = staff_leave_record(
        acting_user=clinic.desk, staff=clinic.doctor, start_date=clinic.monday, end_date=clinic.monday
    )
    staff_leave_update(
        acting_user=clinic.desk,
        leave=outcome.record,
        start_date=clinic.monday,
        end_date=clinic.monday,
        start_time=hm("13:00"),
    )
    assert slot_starts(clinic) == ["10:00", "10:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": -1}, "end_date"),
        ({"start_time": "12:00", "end_time": "11:00"}, "end_time"),
        ({"staff": "front_desk"}, "staff"),
        ({"start_date": -30, "end_date": -29}, "end_date"),
    ],
)
def test_bad_leave_is_refused_and_nothing_is_written(clinic, changes, field):
    values = {
        "acting_user": clinic.desk,
        "staff": clinic.doctor,
        "start_date": clinic.monday,
        "end_date": clinic.monday,
    }
    for name, value in changes.items():
        if name in ("start_date", "end_date"):
            values[name] = clinic.monday + datetime.timedelta(days=value)
        elif name == "staff":
            values["staff"] = StaffFactory(hospital=clinic.branch.hospital, staff_type=value)
        else:
            values[name] = hm(value)
    with pytest.raises(ValidationError) as refused:
        staff_leave_record(**values)
    assert field in refused.value.message_dict
    assert not StaffLeave.objects.exists()
    assert len(slot_starts(clinic)) == 6


def test_a_second_holiday_on_the_same_day_is_refused(clinic):
    holiday_record(acting_user=clinic.desk, branch=clinic.branch, date=clinic.monday, name="Diwali")
    with pytest.raises(ValidationError) as refused:
        holiday_record(acting_user=clinic.desk, branch=clinic.branch, date=clinic.monday, name="Again")
    assert "already has a holiday" in refused.value.message_dict["date"][0]
    assert Holiday.objects.count() == 1
    assert Appointment.objects.count() == 0
