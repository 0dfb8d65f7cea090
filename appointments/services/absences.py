"""Leave and holidays as front-desk workflows (seed 4.4 "holiday/leave blocking").

Recording a leave (whole days or a time range, at one branch or all) or a branch holiday removes the
free future slots inside it, never a booked or blocked one, and returns the active appointments that
now fall inside it: the desk reschedules or cancels them, one by one, with the usual services. Nothing
is cancelled here. Cancelling a leave or holiday generates the slots again. Leave and holidays keep
their history (simple-history), including deletions.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from appointments.models import Appointment, AppointmentSlot, Holiday, StaffLeave
from appointments.selectors.schedules import (
    affected_appointments,
    holiday_window,
    holiday_window_q,
    leave_window_q,
)
from appointments.services.resources import lock_slots
from appointments.services.slots import free_future_slots, slot_generate
from clinic.api_errors import Conflict
from clinic.models import Branch, Staff, StaffType

AWAY_TYPES = (StaffType.DOCTOR, StaffType.THERAPIST, StaffType.NURSE)


@dataclass
class AbsenceOutcome:
    """What the desk needs to see next: the record, how many free slots went, who is affected."""

    record: StaffLeave | Holiday
    slots_removed: int = 0
    slots_created: int = 0
    affected: list[Appointment] = field(default_factory=list)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _remove_free_slots(slots, windows: list[tuple]) -> int:
    """Delete the free future slots inside the windows ((branch id, start, end)). The slots are
    locked first, in the order every writer uses, and only those still free are deleted: a booking
    that took one meanwhile keeps it (and shows up among the affected)."""
    ids: list = []
    for branch_id, start, end in windows:
        inside = slots.filter(branch_id=branch_id, starts_at__lt=end, ends_at__gt=start)
        ids += list(inside.values_list("id", flat=True))
    if not ids:
        return 0
    still_free = [s.id for s in lock_slots(ids) if s.current_bookings == 0 and not s.is_blocked]
    deleted, _ = AppointmentSlot.objects.filter(id__in=still_free).delete()
    return deleted


def _leave_branches(staff: Staff, branch: Branch | None) -> list[Branch]:
    return [branch] if branch is not None else list(staff.branches.all())


def staff_leave_validate(
    *,
    staff: Staff,
    branch: Branch | None,
    start_date: datetime.date,
    end_date: datetime.date,
    start_time: datetime.time | None,
    end_time: datetime.time | None,
    reason: str,
    now: datetime.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if staff.staff_type not in AWAY_TYPES:
        errors["staff"] = ["Leave is recorded for doctors, therapists and nurses."]
    elif not staff.is_active or staff.is_deleted:
        errors["staff"] = [f"{staff} no longer works here."]
    elif branch is not None and not staff.branches.filter(pk=branch.pk).exists():
        errors["branch"] = [f"{staff} does not work at {branch}."]
    if end_date < start_date:
        errors["end_date"] = ["The leave must end on or after its first day."]
    elif start_date == end_date and start_time and end_time and end_time <= start_time:
        errors["end_time"] = ["The leave must end after it starts."]
    if len(reason) > 255:
        errors["reason"] = ["Keep the reason under 255 characters."]
    if not errors:
        zone = (branch or staff.branches.first() or Branch(time_zone="Asia/Kolkata")).zone
        probe = StaffLeave(start_date=start_date, end_date=end_date, start_time=start_time, end_time=end_time)
        if probe.window(zone)[1] <= now:
            errors["end_date"] = ["This leave is already over; record leave that is still to come."]
    if errors:
        raise ValidationError(errors)


def staff_leave_refuse_overlap(leave: StaffLeave, *, now: datetime.datetime) -> None:
    """Inside the transaction, with the person's row locked (so two desks recording at once are
    judged one after the other): a second leave over an existing one not yet over is refused with a
    409 naming it; the desk changes that leave instead. Leave at another single branch does not
    count, leave at every branch overlaps any."""
    candidates = StaffLeave.objects.filter(
        staff_id=leave.staff_id, start_date__lte=leave.end_date, end_date__gte=leave.start_date
    ).exclude(pk=leave.pk)
    if leave.branch_id is not None:
        candidates = candidates.filter(Q(branch__isnull=True) | Q(branch_id=leave.branch_id))
    branches = _leave_branches(leave.staff, leave.branch)
    zones = [b.zone for b in branches] or [Branch(time_zone="Asia/Kolkata").zone]
    for other in candidates.select_related("branch").order_by("start_date", "start_time"):
        for zone in zones:
            start, end = leave.window(zone)
            other_start, other_end = other.window(zone)
            if other_end > now and other_start < end and start < other_end:
                where = f" at {other.branch}" if other.branch_id else ""
                times = _leave_span(other)
                why = f" ({other.reason})" if other.reason else ""
                raise Conflict(
                    f"{leave.staff} is already on leave{where} {times}{why}; change that leave instead.",
                    code="leave_overlaps",
                    extra={"existing_leave_id": str(other.pk)},
                )


def _lock_person(staff_id) -> None:
    """Lock the person's Staff row until the transaction ends: two leaves of one person recorded at
    the same moment are then checked for overlap one after the other, never both against neither."""
    list(Staff.objects.select_for_update().filter(pk=staff_id).values_list("pk"))


def _leave_span(leave: StaffLeave) -> str:
    first = _day(leave.start_date) + (f" {leave.start_time:%H:%M}" if leave.start_time else "")
    last = _day(leave.end_date) + (f" {leave.end_time:%H:%M}" if leave.end_time else "")
    return f"on {first}" if first == last else f"from {first} to {last}"


def _apply_leave(leave: StaffLeave, *, now: datetime.datetime, regenerate: bool = False) -> AbsenceOutcome:
    """Inside the transaction: remove the free slots in the leave, generate (after a change) the slots
    of time it no longer covers, and list the affected appointments."""
    branches = _leave_branches(leave.staff, leave.branch)
    windows = [(b.pk, *leave.window(b.zone)) for b in branches]
    removed = _remove_free_slots(free_future_slots(staff=leave.staff, branch=None, now=now), windows)
    is_doctor = leave.staff.staff_type == StaffType.DOCTOR
    created = slot_generate(staff=leave.staff) if regenerate and is_doctor else 0
    affected = list(affected_appointments(leave_window_q(leave, branches), now=now))
    return AbsenceOutcome(record=leave, slots_removed=removed, slots_created=created, affected=affected)


def staff_leave_record(
    *,
    acting_user,
    staff: Staff,
    start_date: datetime.date,
    end_date: datetime.date,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    branch: Branch | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> AbsenceOutcome:
    """Record a doctor's, therapist's or nurse's leave: whole days (no times), or from `start_time` on
    the first day to `end_time` on the last; at `branch`, or at every branch when none is given.
    Removes the free slots inside it and returns the active appointments inside it (not cancelled)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    staff_leave_validate(
        staff=staff,
        branch=branch,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        reason=reason,
        now=now,
    )
    actor = _actor(acting_user)
    with transaction.atomic():
        leave = StaffLeave(
            staff=staff,
            branch=branch,
            start_date=start_date,
            end_date=end_date,
            start_time=start_time,
            end_time=end_time,
            reason=reason,
            created_by=actor,
            updated_by=actor,
        )
        _lock_person(staff.pk)
        staff_leave_refuse_overlap(leave, now=now)
        leave._history_user = actor
        leave.save()
        return _apply_leave(leave, now=now)


def staff_leave_update(
    *,
    acting_user,
    leave: StaffLeave,
    start_date: datetime.date,
    end_date: datetime.date,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    branch: Branch | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> AbsenceOutcome:
    """Change a leave: time it no longer covers gets its slots back, new time loses its free ones."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    staff_leave_validate(
        staff=leave.staff,
        branch=branch,
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        reason=reason,
        now=now,
    )
    actor = _actor(acting_user)
    with transaction.atomic():
        current = (
            StaffLeave.objects.select_for_update(of=("self",))
            .select_related("staff", "branch")
            .get(pk=leave.pk)
        )
        current.branch, current.reason = branch, reason
        current.start_date, current.end_date = start_date, end_date
        current.start_time, current.end_time = start_time, end_time
        current.updated_by = actor
        _lock_person(current.staff_id)
        staff_leave_refuse_overlap(current, now=now)
        current._history_user = actor
        current.save()
        return _apply_leave(current, now=now, regenerate=True)


def staff_leave_cancel(*, acting_user, leave: StaffLeave) -> int:
    """Withdraw a leave (its history keeps it): the doctor's slots in that time are generated again.
    Returns how many slots were created."""
    actor = _actor(acting_user)
    with transaction.atomic():
        current = StaffLeave.objects.select_for_update(of=("self",)).select_related("staff").get(pk=leave.pk)
        staff = current.staff
        current._history_user = actor
        current.delete()
        return slot_generate(staff=staff) if staff.staff_type == StaffType.DOCTOR else 0


def holiday_record(
    *, acting_user, branch: Branch, date: datetime.date, name: str, now: datetime.datetime | None = None
) -> AbsenceOutcome:
    """Close a branch for a day: its free slots that day go, and the day's active appointments are
    returned for the desk to move or cancel."""
    now = now or timezone.now()
    name = (name or "").strip()
    holiday_validate(branch=branch, date=date, name=name, now=now)
    actor = _actor(acting_user)
    try:
        with transaction.atomic():
            holiday = Holiday(branch=branch, date=date, name=name)
            holiday._history_user = actor
            holiday.save()
            start, end = holiday_window(holiday, branch)
            removed = _remove_free_slots(
                free_future_slots(staff=None, branch=branch, now=now), [(branch.pk, start, end)]
            )
            affected = list(affected_appointments(holiday_window_q(holiday, branch), now=now))
    except IntegrityError:  # the same day recorded by someone else a moment ago
        raise ValidationError({"date": [f"{branch} already has a holiday on {_day(date)}."]}) from None
    return AbsenceOutcome(record=holiday, slots_removed=removed, affected=affected)


def holiday_update(
    *, acting_user, holiday: Holiday, date: datetime.date, name: str, now: datetime.datetime | None = None
) -> AbsenceOutcome:
    """Move or rename a holiday: the day it leaves gets its slots back, the new day loses its free ones."""
    now = now or timezone.now()
    name = (name or "").strip()
    holiday_validate(branch=holiday.branch, date=date, name=name, now=now, exclude_pk=holiday.pk)
    actor = _actor(acting_user)
    with transaction.atomic():
        current = Holiday.objects.select_for_update(of=("self",)).select_related("branch").get(pk=holiday.pk)
        branch = current.branch
        current.date, current.name = date, name
        current._history_user = actor
        current.save()
        created = slot_generate(branch=branch)
        start, end = holiday_window(current, branch)
        removed = _remove_free_slots(
            free_future_slots(staff=None, branch=branch, now=now), [(branch.pk, start, end)]
        )
        affected = list(affected_appointments(holiday_window_q(current, branch), now=now))
    return AbsenceOutcome(record=current, slots_removed=removed, slots_created=created, affected=affected)


def holiday_validate(
    *, branch: Branch, date: datetime.date, name: str, now: datetime.datetime, exclude_pk=None
) -> None:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Name the holiday (e.g. Diwali)."]
    elif len(name) > 100:
        errors["name"] = ["Keep the name under 100 characters."]
    if date < timezone.localtime(now, branch.zone).date():
        errors["date"] = ["That day has passed."]
    existing = Holiday.objects.filter(branch=branch, date=date).exclude(pk=exclude_pk).first()
    if existing is not None:
        errors["date"] = [f"{branch} already has a holiday on {_day(date)}: {existing.name}."]
    if errors:
        raise ValidationError(errors)


def holiday_cancel(*, acting_user, holiday: Holiday) -> int:
    """Open the branch again that day: the doctors' slots are generated again. Returns slots created."""
    actor = _actor(acting_user)
    with transaction.atomic():
        current = Holiday.objects.select_for_update(of=("self",)).select_related("branch").get(pk=holiday.pk)
        branch = current.branch
        current._history_user = actor
        current.delete()
        return slot_generate(branch=branch)
