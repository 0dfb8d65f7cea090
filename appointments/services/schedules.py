"""Doctors' weekly schedules. Any change regenerates the doctor's free future slots at that branch."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from appointments.models import DoctorSchedule, ScheduleBreak, SlotLength
from appointments.services.slots import slot_regenerate
from clinic.models import Branch, Staff, StaffType, Weekday


@dataclass(frozen=True)
class BreakInput:
    start_time: datetime.time
    end_time: datetime.time
    label: str = "Lunch"


def _clock(value: datetime.time) -> str:
    return f"{value.hour % 12 or 12}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


def validate_schedule(
    *,
    staff: Staff,
    branch: Branch,
    day_of_week: int,
    start_time: datetime.time,
    end_time: datetime.time,
    slot_duration_minutes: int,
    max_patients_per_slot: int,
    breaks: list[BreakInput],
    exclude_id=None,
) -> None:
    errors: dict[str, list[str]] = {}
    if staff.staff_type != StaffType.DOCTOR or not staff.is_active or staff.is_deleted:
        errors["staff"] = [f"{staff} is not an active doctor."]
    elif not staff.branches.filter(pk=branch.pk).exists():
        errors["staff"] = [f"{staff} does not work at {branch}."]
    if day_of_week not in Weekday.values:
        errors["day_of_week"] = ["Choose a day from Monday (0) to Sunday (6)."]
    if end_time <= start_time:
        errors["end_time"] = ["The end must be after the start."]
    elif start_time < branch.opens_at or end_time > branch.closes_at:
        hours = f"{_clock(branch.opens_at)} to {_clock(branch.closes_at)}"
        errors["start_time"] = [f"{branch} is open {hours}; the schedule must fit inside."]
    if slot_duration_minutes not in SlotLength.values:
        errors["slot_duration_minutes"] = ["Slots are 15, 30, 45 or 60 minutes long."]
    if max_patients_per_slot < 1:
        errors["max_patients_per_slot"] = ["At least one patient per slot."]
    for item in breaks:
        if item.end_time <= item.start_time:
            errors.setdefault("breaks", []).append(f"The break {item.label} must end after it starts.")
        elif item.start_time < start_time or item.end_time > end_time:
            errors.setdefault("breaks", []).append(
                f"The break {item.label} must lie within the working hours."
            )
    if not errors:
        clash = (
            DoctorSchedule.objects.filter(
                staff=staff,
                day_of_week=day_of_week,
                is_active=True,
                start_time__lt=end_time,
                end_time__gt=start_time,
            )
            .exclude(pk=exclude_id)
            .select_related("branch")
            .first()
        )
        if clash is not None:
            errors["start_time"] = [
                f"{staff} already works {_clock(clash.start_time)} to {_clock(clash.end_time)} on "
                f"{Weekday(day_of_week).label}s at {clash.branch}."
            ]
    if errors:
        raise ValidationError(errors)


def _save_breaks(schedule: DoctorSchedule, breaks: list[BreakInput]) -> None:
    schedule.breaks.all().delete()
    ScheduleBreak.objects.bulk_create(
        [
            ScheduleBreak(schedule=schedule, start_time=b.start_time, end_time=b.end_time, label=b.label)
            for b in breaks
        ]
    )


def doctor_schedule_create(
    *,
    acting_user,
    staff: Staff,
    branch: Branch,
    day_of_week: int,
    start_time: datetime.time,
    end_time: datetime.time,
    slot_duration_minutes: int = 30,
    max_patients_per_slot: int = 1,
    breaks: list[BreakInput] | None = None,
    is_active: bool = True,
    generate: bool = True,
) -> DoctorSchedule:
    breaks = breaks or []
    validate_schedule(
        staff=staff,
        branch=branch,
        day_of_week=day_of_week,
        start_time=start_time,
        end_time=end_time,
        slot_duration_minutes=slot_duration_minutes,
        max_patients_per_slot=max_patients_per_slot,
        breaks=breaks,
    )
    try:
        with transaction.atomic():
            schedule = DoctorSchedule(
                staff=staff,
                branch=branch,
                day_of_week=day_of_week,
                start_time=start_time,
                end_time=end_time,
                slot_duration_minutes=slot_duration_minutes,
                max_patients_per_slot=max_patients_per_slot,
                is_active=is_active,
                created_by=acting_user,
                updated_by=acting_user,
            )
            schedule._history_user = acting_user
            schedule.save()
            _save_breaks(schedule, breaks)
            if generate:
                slot_regenerate(staff=staff, branch=branch)
    except IntegrityError as exc:
        if "one_schedule_per_doctor_branch_day" in str(exc):
            raise ValidationError(
                {"day_of_week": [f"{staff} already has a {Weekday(day_of_week).label} schedule at {branch}."]}
            ) from None
        raise
    return schedule


def doctor_schedule_update(
    *,
    acting_user,
    schedule: DoctorSchedule,
    data: dict,
    breaks: list[BreakInput] | None = None,
    generate: bool = True,
) -> DoctorSchedule:
    """Change a schedule (any of day_of_week, start_time, end_time, slot_duration_minutes,
    max_patients_per_slot, is_active; breaks replaced when given) and regenerate free future slots."""
    allowed = {
        "day_of_week",
        "start_time",
        "end_time",
        "slot_duration_minutes",
        "max_patients_per_slot",
        "is_active",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({field: ["This field cannot be changed here."] for field in unknown})
    values = {field: data.get(field, getattr(schedule, field)) for field in allowed}
    new_breaks = (
        breaks
        if breaks is not None
        else [BreakInput(b.start_time, b.end_time, b.label) for b in schedule.breaks.all()]
    )
    validate_schedule(
        staff=schedule.staff,
        branch=schedule.branch,
        breaks=new_breaks,
        exclude_id=schedule.pk,
        **{k: v for k, v in values.items() if k != "is_active"},
    )
    try:
        with transaction.atomic():
            for field, value in values.items():
                setattr(schedule, field, value)
            schedule.updated_by = acting_user
            schedule._history_user = acting_user
            schedule.save()
            if breaks is not None:
                _save_breaks(schedule, breaks)
            if generate:
                slot_regenerate(staff=schedule.staff, branch=schedule.branch)
    except IntegrityError as exc:
        if "one_schedule_per_doctor_branch_day" in str(exc):
            raise ValidationError(
                {"day_of_week": ["The doctor already has a schedule on that day at this branch."]}
            ) from None
        raise
    return schedule


def doctor_schedule_delete(*, acting_user, schedule: DoctorSchedule) -> None:
    """Remove a weekly schedule and its free future slots; booked slots stay until their bookings end."""
    staff, branch = schedule.staff, schedule.branch
    with transaction.atomic():
        schedule._history_user = acting_user
        schedule.delete()
        slot_regenerate(staff=staff, branch=branch)
