"""Slots generated from doctors' weekly schedules, and blocks (meetings, training) on them.

Schedules are wall-clock times in the branch's zone (decision 8); each slot also stores its UTC
instants. Generation is idempotent (the unique constraint on a doctor's slot start, with
ignore_conflicts) and never creates a slot overlapping one the doctor already has at any branch.
Regeneration after a schedule change deletes only future slots nobody booked or blocked.
"""

import bisect
import datetime
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.postgres.fields import DateTimeRangeField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Func, OuterRef, Q
from django.utils import timezone

from appointments.clock import branch_today, local_instant
from appointments.conf import slot_weeks_ahead
from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    ACTIVE_APPOINTMENT_STATUSES,
    Appointment,
    AppointmentSlot,
    DoctorSchedule,
    Holiday,
    ResourceAllocation,
    ResourceType,
    StaffLeave,
)
from appointments.selectors.availability import utc_range
from appointments.services.resources import EXCLUSION_VIOLATION, lock_slots, sqlstate
from clinic.api_errors import Conflict
from clinic.models import Branch, Staff

logger = logging.getLogger(__name__)


def _minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)


def _overlaps(window: tuple[datetime.datetime, datetime.datetime], start, end) -> bool:
    return window[0] < end and start < window[1]


class _Taken:
    """A doctor's existing slot periods (any branch), for "does this new slot overlap?"."""

    def __init__(self):
        self.periods: dict = defaultdict(list)

    def add(self, staff_id, start, end) -> None:
        bisect.insort(self.periods[staff_id], (start, end))

    def overlaps(self, staff_id, start, end) -> bool:
        periods = self.periods.get(staff_id, [])
        i = bisect.bisect_left(periods, (end,))
        return any(periods[j][1] > start for j in range(max(0, i - 4), i))


def slot_generate(
    *,
    branch: Branch | None = None,
    staff: Staff | None = None,
    weeks: int | None = None,
    today: datetime.date | None = None,
) -> int:
    """Create the missing slots of active schedules from `today` (each branch's own date) for `weeks`
    weeks, skipping breaks, leave, holidays, closed days and hours outside the branch's. Returns how
    many slots were added."""
    weeks = slot_weeks_ahead() if weeks is None else weeks
    schedules = (
        DoctorSchedule.objects.filter(
            is_active=True, staff__is_active=True, staff__is_deleted=False, branch__is_active=True
        )
        .select_related("branch")
        .prefetch_related("breaks")
    )
    if branch is not None:
        schedules = schedules.filter(branch=branch)
    if staff is not None:
        schedules = schedules.filter(staff=staff)
    schedules = list(schedules)
    if not schedules or weeks <= 0:
        return 0

    firsts = {s.branch_id: today or branch_today(s.branch) for s in schedules}
    first, last = min(firsts.values()), max(firsts.values()) + datetime.timedelta(days=weeks * 7 - 1)
    staff_ids = {s.staff_id for s in schedules}
    branch_ids = {s.branch_id for s in schedules}

    leave = defaultdict(list)  # whole days: (branch or None, first day, last day)
    leave_parts = defaultdict(list)  # part days: (branch or None, the StaffLeave)
    for row in StaffLeave.objects.filter(staff_id__in=staff_ids, start_date__lte=last, end_date__gte=first):
        if row.is_whole_days:
            leave[row.staff_id].append((row.branch_id, row.start_date, row.end_date))
        else:
            leave_parts[row.staff_id].append((row.branch_id, row))
    holidays = set(
        Holiday.objects.filter(branch_id__in=branch_ids, date__range=(first, last)).values_list(
            "branch_id", "date"
        )
    )
    taken = _Taken()
    for staff_id, start, end in AppointmentSlot.objects.filter(
        staff_id__in=staff_ids,
        slot_date__range=(first - datetime.timedelta(days=1), last + datetime.timedelta(days=1)),
    ).values_list("staff_id", "starts_at", "ends_at"):
        taken.add(staff_id, start, end)

    new: list[AppointmentSlot] = []
    for schedule in schedules:
        b = schedule.branch
        zone = b.zone
        opens = max(_minutes(schedule.start_time), _minutes(b.opens_at))
        closes = min(_minutes(schedule.end_time), _minutes(b.closes_at))
        length = schedule.slot_duration_minutes
        breaks = [(_minutes(x.start_time), _minutes(x.end_time)) for x in schedule.breaks.all()]
        day = firsts[b.id]
        day += datetime.timedelta(days=(schedule.day_of_week - day.weekday()) % 7)
        until = firsts[b.id] + datetime.timedelta(days=weeks * 7 - 1)
        while day <= until:
            closed = (
                day.weekday() not in (b.working_days or ())
                or (b.id, day) in holidays
                or any(br in (None, b.id) and s <= day <= e for br, s, e in leave.get(schedule.staff_id, ()))
            )
            minute = opens
            while not closed and minute + length <= closes:
                begin, finish = minute, minute + length
                minute = finish
                if any(begin < be and bs < finish for bs, be in breaks):
                    continue
                starts_at = local_instant(zone, day, _time(begin))
                if starts_at is None:
                    continue  # a wall-clock time the zone skips (clocks going forward)
                ends_at = starts_at + datetime.timedelta(minutes=length)
                if taken.overlaps(schedule.staff_id, starts_at, ends_at):
                    continue
                if any(
                    br in (None, b.id) and _overlaps(row.window(zone), starts_at, ends_at)
                    for br, row in leave_parts.get(schedule.staff_id, ())
                ):
                    continue
                taken.add(schedule.staff_id, starts_at, ends_at)
                new.append(
                    AppointmentSlot(
                        staff_id=schedule.staff_id,
                        branch_id=b.id,
                        schedule=schedule,
                        slot_date=day,
                        start_time=_time(begin),
                        end_time=ends_at.astimezone(zone).time(),
                        starts_at=starts_at,
                        ends_at=ends_at,
                        max_bookings=schedule.max_patients_per_slot,
                    )
                )
            day += datetime.timedelta(days=7)
    AppointmentSlot.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    logger.info("generated %s slots", len(new))
    return len(new)


def free_future_slots(*, staff: Staff | None, branch: Branch | None, now: datetime.datetime | None = None):
    """Future slots of a doctor at a branch (None: every doctor, or every branch) that nothing holds:
    no booking, no block, no appointment, no allocation of the doctor over its time."""
    now = now or timezone.now()
    scope = {"staff": staff} if staff is not None else {}
    if branch is not None:
        scope["branch"] = branch
    return (
        AppointmentSlot.objects.filter(starts_at__gt=now, current_bookings=0, is_blocked=False, **scope)
        .alias(
            period_range=Func(
                F("starts_at"), F("ends_at"), function="tstzrange", output_field=DateTimeRangeField()
            )
        )
        .exclude(
            Exists(Appointment.objects.filter(slot=OuterRef("pk"), status__in=ACTIVE_APPOINTMENT_STATUSES))
        )
        .exclude(
            Exists(
                ResourceAllocation.objects.filter(
                    staff_id=OuterRef("staff_id"),
                    status__in=ACTIVE_ALLOCATION_STATUSES,
                    period__overlap=OuterRef("period_range"),
                )
            )
        )
    )


def slot_regenerate(*, staff: Staff, branch: Branch, weeks: int | None = None) -> tuple[int, int]:
    """After a schedule change: drop the free future slots, generate again. Booked and blocked slots
    stay as they are. Returns (deleted, created)."""
    with transaction.atomic():
        ids = list(free_future_slots(staff=staff, branch=branch).values_list("id", flat=True))
        deleted, _ = AppointmentSlot.objects.filter(id__in=ids).delete()
        created = slot_generate(branch=branch, staff=staff, weeks=weeks)
    return deleted, created


def slot_block(
    *,
    acting_user,
    reason: str,
    slots: Iterable[AppointmentSlot] | None = None,
    staff: Staff | None = None,
    branch: Branch | None = None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
) -> list[AppointmentSlot]:
    """Block slots for a meeting, training or a break: records who, when and why, and holds the
    doctor's time with an allocation so that no booking can take it. Either the given slots, or a
    doctor's slots overlapping [start, end) (at one branch, or at all of them). All or nothing: a
    slot somebody is booked in is refused (409) with the bookings named."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = ["Say why the time is blocked (e.g. 'Staff meeting')."]
    if slots is None:
        if staff is None:
            errors["staff"] = ["Choose the doctor whose time to block."]
        if start is None or end is None:
            errors["start"] = ["Give the start and end of the time to block."]
        elif end <= start:
            errors["end"] = ["The end must be after the start."]
    if errors:
        raise ValidationError(errors)
    if slots is None:
        query = AppointmentSlot.objects.filter(staff=staff, starts_at__lt=end, ends_at__gt=start)
        if branch is not None:
            query = query.filter(branch=branch)
        ids = list(query.values_list("id", flat=True))
        if not ids:
            raise ValidationError({"start": [f"{staff} has no slots in that time."]})
    else:
        ids = [s.id for s in slots]
        if not ids:
            raise ValidationError({"slots": ["Choose at least one slot."]})

    now = timezone.now()
    try:
        with transaction.atomic():
            locked = lock_slots(ids)
            booked = [s for s in locked if s.current_bookings > 0]
            if booked:
                times = ", ".join(f"{s.slot_date:%d %b} {s.start_time:%H:%M}" for s in booked[:5])
                raise Conflict(
                    f"{len(booked)} of these slots have bookings ({times}); move or cancel them first.",
                    code="slot_booked",
                )
            fresh = [s for s in locked if not s.is_blocked]
            ResourceAllocation.objects.bulk_create(
                [
                    _block_allocation(
                        staff_id=s.staff_id,
                        start=s.starts_at,
                        end=s.ends_at,
                        reason=reason,
                        acting_user=acting_user,
                        now=now,
                    )
                    for s in fresh
                ]
            )
            AppointmentSlot.objects.filter(id__in=[s.id for s in fresh]).update(
                is_blocked=True, block_reason=reason[:255], blocked_by=acting_user, blocked_at=now
            )
    except IntegrityError as exc:
        if sqlstate(exc) == EXCLUSION_VIOLATION:
            raise Conflict(
                "The doctor is already booked in part of that time (perhaps at another branch).",
                code="slot_booked",
            ) from None
        raise
    return list(AppointmentSlot.objects.filter(id__in=ids).order_by("starts_at"))


def _block_allocation(*, staff_id, start, end, reason, acting_user, now) -> ResourceAllocation:
    own = uuid.uuid4()
    return ResourceAllocation(
        id=own,
        share_key=own,
        appointment=None,
        resource_type=ResourceType.DOCTOR,
        staff_id=staff_id,
        period=utc_range(start, end),
        status="confirmed",
        block_reason=reason[:255],
        allocated_by=acting_user,
        confirmed_by=acting_user,
        confirmed_at=now,
    )


def slot_unblock(*, acting_user, slots: Iterable[AppointmentSlot]) -> list[AppointmentSlot]:
    """Give blocked slots back: their block allocations are cancelled (kept, for the record)."""
    ids = [s.id for s in slots]
    with transaction.atomic():
        locked = [s for s in lock_slots(ids) if s.is_blocked]
        if locked:
            match = Q()
            for s in locked:
                match |= Q(staff_id=s.staff_id, period=utc_range(s.starts_at, s.ends_at))
            ResourceAllocation.objects.filter(
                match, appointment__isnull=True, status__in=ACTIVE_ALLOCATION_STATUSES
            ).update(status="cancelled")
            AppointmentSlot.objects.filter(id__in=[s.id for s in locked]).update(
                is_blocked=False, block_reason="", blocked_by=None, blocked_at=None
            )
    return list(AppointmentSlot.objects.filter(id__in=ids).order_by("starts_at"))
