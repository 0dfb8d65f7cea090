"""When a doctor, a room and a therapist are free together (seed 4.8.4, decision 3).

Every question is answered from a handful of queries whatever the size of the calendar: the slots,
breaks, leave, holidays, rooms, therapists and active allocations of the window are loaded once
and the start options are computed in Python. Times are UTC instants; each option also carries
its wall-clock start in the branch's zone.
"""

import bisect
import datetime
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, F, Func, Q
from django.utils import timezone
from psycopg.types.range import Range

from appointments.clock import UTC, branch_today, day_bounds
from appointments.conf import min_notice_minutes
from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    AppointmentSlot,
    AppointmentType,
    Holiday,
    ResourceAllocation,
    ScheduleBreak,
    ServiceResourceRequirement,
    StaffLeave,
)
from clinic.models import Branch, Package, Room, RoomType, Service, Staff, StaffType

THERAPIST_TYPES = (StaffType.THERAPIST, StaffType.NURSE)


# --- What a booking needs --------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingNeed:
    """Resources and times a booking needs, from the service or package and its requirement row."""

    duration_minutes: int | None = None  # None: one base slot of the doctor
    requires_doctor: bool = True
    room_types: tuple[str, ...] = ()  # empty: no room needed
    requires_therapist: bool = False
    preparation_minutes: int = 0
    cleanup_minutes: int = 0

    @property
    def requires_room(self) -> bool:
        return bool(self.room_types)

    @property
    def room_type_label(self) -> str:
        labels = [str(RoomType(t).label).lower() for t in self.room_types if t in RoomType.values]
        return " or ".join(labels) or "room"


def requirement_for(*, service: Service | None = None, package: Package | None = None):
    """The active requirement row of a service or package; a package without one uses its first service's."""
    if service is not None:
        if Service.requirement.is_cached(service):  # looked up with select_related("requirement")
            requirement = getattr(service, "requirement", None)
            return requirement if requirement is not None and requirement.is_active else None
        return ServiceResourceRequirement.objects.filter(service=service, is_active=True).first()
    if package is not None:
        return (
            ServiceResourceRequirement.objects.filter(is_active=True)
            .filter(Q(package=package) | Q(service__packages=package))
            .order_by("package_id")  # the package's own row first (NULLs sort last)
            .first()
        )
    return None


def booking_need(
    *,
    service: Service | None = None,
    package: Package | None = None,
    appointment_type: AppointmentType | None = None,
    duration_minutes: int | None = None,
) -> BookingNeed:
    requirement = requirement_for(service=service, package=package)
    if duration_minutes is None:
        if service is not None:
            duration_minutes = service.duration_minutes
        elif package is not None:
            duration_minutes = package.duration_minutes
        elif appointment_type is not None:
            duration_minutes = appointment_type.default_duration_minutes
    if requirement is None:
        return BookingNeed(duration_minutes=duration_minutes)
    room_types: tuple[str, ...] = ()
    if requirement.requires_room:
        extra = requirement.special_requirements.get("alternative_room_types", [])
        room_types = tuple(dict.fromkeys([requirement.room_type, *extra]))
    return BookingNeed(
        duration_minutes=duration_minutes,
        requires_doctor=requirement.requires_doctor,
        room_types=room_types,
        requires_therapist=requirement.requires_therapist or requirement.requires_nurse,
        preparation_minutes=requirement.preparation_time_minutes,
        cleanup_minutes=requirement.cleanup_time_minutes,
    )


def slots_needed(need: BookingNeed, slot_minutes: int) -> int:
    """How many consecutive base slots a booking takes: 60 minutes on a 30-minute schedule is 2."""
    if not need.duration_minutes:
        return 1
    return max(1, math.ceil(need.duration_minutes / slot_minutes))


# --- Busy periods ----------------------------------------------------------------------------------


def epoch(value: datetime.datetime) -> int:
    return int(value.timestamp())


def from_epoch(value: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, UTC)


def _overlaps_any(periods: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    return bool(periods) and any(s < end and start < e for s, e in periods)


def _epoch_of(template: str, field: str) -> Func:
    """Seconds since 1970 computed by PostgreSQL: integers load and compare far faster than aware
    datetimes when a week of a branch (thousands of rows) is read."""
    return Func(F(field), template=f"EXTRACT(EPOCH FROM {template})::bigint", output_field=BigIntegerField())


class BusyIndex:
    """Active allocations of one resource (epoch seconds), sorted, answering "is [a, b) free?" by
    bisection."""

    __slots__ = ("highs", "lows", "max_high", "shares")

    def __init__(self, periods: list[tuple[int, int, uuid.UUID]]):
        periods.sort(key=lambda p: p[0])
        self.lows = [p[0] for p in periods]
        self.highs = [p[1] for p in periods]
        self.shares = [p[2] for p in periods]
        running, self.max_high = None, []
        for high in self.highs:
            running = high if running is None or high > running else running
            self.max_high.append(running)

    def is_free(self, start: int, end: int, share: uuid.UUID | None = None) -> bool:
        i = bisect.bisect_left(self.lows, end)  # allocations starting before `end`
        if i == 0 or self.max_high[i - 1] <= start:
            return True
        if share is None:
            return False
        # Patients sharing one slot: only rows with another key count.
        return not any(
            self.highs[j] > start and self.shares[j] != share
            for j in range(i - 1, -1, -1)
            if self.lows[j] < end
        )

    def is_free_between(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        return self.is_free(epoch(start), epoch(end))

    def overlapping(self, start: datetime.datetime, end: datetime.datetime) -> list[tuple]:
        low, high = epoch(start), epoch(end)
        i = bisect.bisect_left(self.lows, high)
        return [
            (from_epoch(self.lows[j]), from_epoch(self.highs[j])) for j in range(i) if self.highs[j] > low
        ]


FREE = BusyIndex([])


def load_busy(
    *, staff_ids: Iterable = (), room_ids: Iterable = (), start: datetime.datetime, end: datetime.datetime
) -> dict[uuid.UUID, BusyIndex]:
    """One query: the active allocations of these people and rooms that touch [start, end)."""
    staff_ids, room_ids = list(staff_ids), list(room_ids)
    if not staff_ids and not room_ids:
        return {}
    rows = (
        ResourceAllocation.objects.filter(
            status__in=ACTIVE_ALLOCATION_STATUSES, period__overlap=Range(start, end)
        )
        .filter(Q(staff_id__in=staff_ids) | Q(room_id__in=room_ids))
        .values_list(
            "staff_id",
            "room_id",
            _epoch_of("lower(%(expressions)s)", "period"),
            _epoch_of("upper(%(expressions)s)", "period"),
            "share_key",
        )
    )
    periods: dict[uuid.UUID, list] = defaultdict(list)
    for staff_id, room_id, low, high, share in rows:
        periods[staff_id or room_id].append((low, high, share))
    return {resource: BusyIndex(items) for resource, items in periods.items()}


# --- Start options ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartOption:
    """A time a booking can start: `slot_ids` combined, with the rooms and therapists free for it."""

    doctor_id: uuid.UUID
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    local_start: datetime.datetime
    local_end: datetime.datetime
    slot_ids: tuple[uuid.UUID, ...]
    capacity_left: int
    room_ids: tuple[uuid.UUID, ...] = ()
    therapist_ids: tuple[uuid.UUID, ...] = ()

    def as_dict(self) -> dict:
        return {
            "doctor_id": str(self.doctor_id),
            "start": self.local_start.isoformat(),
            "end": self.local_end.isoformat(),
            "date": self.local_start.date().isoformat(),
            "time": self.local_start.strftime("%H:%M"),
            "capacity_left": self.capacity_left,
            "room_ids": [str(r) for r in self.room_ids],
            "therapist_ids": [str(t) for t in self.therapist_ids],
        }


@dataclass
class DoctorDay:
    doctor: Staff
    date: datetime.date
    options: list[StartOption] = field(default_factory=list)


@dataclass(slots=True)
class _Slot:
    id: uuid.UUID
    schedule_id: int | None
    starts_at: int  # epoch seconds
    ends_at: int
    start_time: datetime.time
    end_time: datetime.time
    max_bookings: int
    capacity_left: int
    blocked: bool


class AvailabilityWindow:
    """Everything one availability question needs about a branch over some days, loaded at once."""

    def __init__(
        self,
        *,
        branch: Branch,
        first_date: datetime.date,
        days: int,
        doctor_ids: list | None,
        need: BookingNeed,
        room: Room | None = None,
        therapist: Staff | None = None,
        not_before: datetime.datetime | None = None,
    ):
        self.branch, self.zone, self.need = branch, branch.zone, need
        self.first_date, self.days = first_date, days
        self.last_date = first_date + datetime.timedelta(days=days - 1)
        self.not_before = not_before
        self.window_start, self.window_end = day_bounds(self.zone, first_date, days)

        slots = AppointmentSlot.objects.filter(branch=branch, slot_date__range=(first_date, self.last_date))
        if doctor_ids is not None:
            slots = slots.filter(staff_id__in=doctor_ids)
        self.slots: dict[tuple, list[_Slot]] = defaultdict(list)
        schedule_ids = set()
        for row in slots.order_by("starts_at").values_list(
            "id",
            "staff_id",
            "schedule_id",
            "slot_date",
            _epoch_of("%(expressions)s", "starts_at"),
            _epoch_of("%(expressions)s", "ends_at"),
            "start_time",
            "end_time",
            "max_bookings",
            "current_bookings",
            "is_blocked",
        ):
            (
                slot_id,
                staff_id,
                schedule_id,
                day,
                starts,
                ends,
                start_time,
                end_time,
                max_b,
                current,
                blocked,
            ) = row
            self.slots[(staff_id, day)].append(
                _Slot(
                    slot_id, schedule_id, starts, ends, start_time, end_time, max_b, max_b - current, blocked
                )
            )
            schedule_ids.add(schedule_id)
        self.doctor_ids = {staff_id for staff_id, _ in self.slots} if doctor_ids is None else set(doctor_ids)

        self.breaks: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
        schedule_ids.discard(None)
        if schedule_ids:
            for schedule_id, start, end in ScheduleBreak.objects.filter(
                schedule_id__in=schedule_ids
            ).values_list("schedule_id", "start_time", "end_time"):
                self.breaks[schedule_id].append((start, end))

        self.rooms: list[tuple[uuid.UUID, int]] = []
        if room is not None:
            self.rooms = [(room.id, room.buffer_minutes)]
        elif need.requires_room:
            self.rooms = list(
                Room.objects.filter(
                    branch=branch, room_type__in=need.room_types, is_active=True, is_deleted=False
                ).values_list("id", "buffer_minutes")
            )
        self.therapist_ids: list[uuid.UUID] = []
        if therapist is not None:
            self.therapist_ids = [therapist.id]
        elif need.requires_therapist:
            self.therapist_ids = list(
                Staff.objects.filter(
                    branches=branch, staff_type__in=THERAPIST_TYPES, is_active=True, is_deleted=False
                ).values_list("id", flat=True)
            )

        people = list(self.doctor_ids | set(self.therapist_ids))
        self.leave: set[tuple] = set()  # (person, day) of whole days away
        self.leave_periods: dict[uuid.UUID, list[tuple[int, int]]] = defaultdict(list)  # part days
        if people:
            for leave in StaffLeave.objects.filter(
                staff_id__in=people, start_date__lte=self.last_date, end_date__gte=first_date
            ).filter(Q(branch__isnull=True) | Q(branch=branch)):
                if not leave.is_whole_days:
                    start, end = leave.window(self.zone)
                    self.leave_periods[leave.staff_id].append((epoch(start), epoch(end)))
                    continue
                day = max(leave.start_date, first_date)
                while day <= min(leave.end_date, self.last_date):
                    self.leave.add((leave.staff_id, day))
                    day += datetime.timedelta(days=1)
        self.holidays = set(
            Holiday.objects.filter(branch=branch, date__range=(first_date, self.last_date)).values_list(
                "date", flat=True
            )
        )

        margin = datetime.timedelta(
            minutes=need.preparation_minutes
            + need.cleanup_minutes
            + max((b for _, b in self.rooms), default=0)
        )
        self.busy = load_busy(
            staff_ids=(self.doctor_ids if need.requires_doctor else set()) | set(self.therapist_ids),
            room_ids=[r for r, _ in self.rooms],
            start=self.window_start - margin,
            end=self.window_end + margin,
        )

    def branch_open_on(self, day: datetime.date) -> bool:
        return day not in self.holidays and day.weekday() in (self.branch.working_days or ())

    def _usable(self, slot: _Slot) -> bool:
        if slot.blocked or (self.need.requires_doctor and slot.capacity_left <= 0):
            return False
        if slot.start_time < self.branch.opens_at or slot.end_time > self.branch.closes_at:
            return False
        return not any(
            slot.start_time < end and start < slot.end_time
            for start, end in self.breaks.get(slot.schedule_id, ())
        )

    def options(self, doctor_id, day: datetime.date, *, limit: int | None = None) -> list[StartOption]:
        """Start options of one doctor on one local day, earliest first."""
        if not self.branch_open_on(day) or (doctor_id, day) in self.leave:
            return []
        slots = self.slots.get((doctor_id, day), [])
        if not slots:
            return []
        need = self.need
        k = slots_needed(need, (slots[0].ends_at - slots[0].starts_at) // 60)
        prep, cleanup = need.preparation_minutes * 60, need.cleanup_minutes * 60
        not_before = epoch(self.not_before) if self.not_before is not None else None
        doctor_busy = self.busy.get(doctor_id, FREE)
        doctor_away = self.leave_periods.get(doctor_id)
        rooms = [(room_id, buffer * 60, self.busy.get(room_id, FREE)) for room_id, buffer in self.rooms]
        therapists = [(t, self.busy.get(t, FREE)) for t in self.therapist_ids if (t, day) not in self.leave]
        usable = [self._usable(s) for s in slots]
        found: list[StartOption] = []
        for i in range(len(slots) - k + 1):
            if not all(usable[i : i + k]):
                continue
            run = slots[i : i + k]
            if any(run[j].ends_at != run[j + 1].starts_at for j in range(k - 1)):
                continue
            start, end = run[0].starts_at, run[-1].ends_at
            if not_before is not None and start < not_before:
                continue
            if _overlaps_any(doctor_away, start, end):
                continue
            capacity = 1
            if need.requires_doctor:
                shared = run[0].id if k == 1 and run[0].max_bookings > 1 else None
                if not doctor_busy.is_free(start, end, shared):
                    continue
                capacity = run[0].capacity_left if k == 1 else 1
            room_ids: tuple = ()
            if rooms:
                room_ids = tuple(
                    r for r, buffer, busy in rooms if busy.is_free(start - prep, end + cleanup + buffer)
                )
                if need.requires_room and not room_ids:
                    continue
            therapist_ids: tuple = ()
            if self.therapist_ids:
                therapist_ids = tuple(
                    t
                    for t, busy in therapists
                    if busy.is_free(start - prep, end + cleanup)
                    and not _overlaps_any(self.leave_periods.get(t), start - prep, end + cleanup)
                )
                if need.requires_therapist and not therapist_ids:
                    continue
            starts_at, ends_at = from_epoch(start), from_epoch(end)
            found.append(
                StartOption(
                    doctor_id=doctor_id,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    local_start=starts_at.astimezone(self.zone),
                    local_end=ends_at.astimezone(self.zone),
                    slot_ids=tuple(s.id for s in run),
                    capacity_left=capacity,
                    room_ids=room_ids,
                    therapist_ids=therapist_ids,
                )
            )
            if limit is not None and len(found) >= limit:
                break
        return found

    def dates(self) -> list[datetime.date]:
        return [self.first_date + datetime.timedelta(days=n) for n in range(self.days)]


def default_not_before(*, self_service: bool = False) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=min_notice_minutes(self_service=self_service))


def doctor_free_slots(
    *,
    doctor: Staff,
    branch: Branch,
    date: datetime.date,
    service: Service | None = None,
    package: Package | None = None,
    appointment_type: AppointmentType | None = None,
    room: Room | None = None,
    therapist: Staff | None = None,
    not_before: datetime.datetime | None = None,
    self_service: bool = False,
    need: BookingNeed | None = None,
) -> list[StartOption]:
    """The times a booking with `doctor` can start on `date` (branch-local), base slots combined to
    the service's length, each with its capacity left and the rooms and therapists free for it."""
    need = need or booking_need(service=service, package=package, appointment_type=appointment_type)
    window = AvailabilityWindow(
        branch=branch,
        first_date=date,
        days=1,
        doctor_ids=[doctor.id],
        need=need,
        room=room,
        therapist=therapist,
        not_before=not_before or default_not_before(self_service=self_service),
    )
    return window.options(doctor.id, date)


def branch_availability(
    *,
    branch: Branch,
    start_date: datetime.date | None = None,
    days: int = 7,
    service: Service | None = None,
    package: Package | None = None,
    appointment_type: AppointmentType | None = None,
    not_before: datetime.datetime | None = None,
    self_service: bool = False,
) -> list[DoctorDay]:
    """Every active doctor of the branch, each day: the start options for this service."""
    start_date = start_date or branch_today(branch)
    need = booking_need(service=service, package=package, appointment_type=appointment_type)
    doctors = list(
        Staff.objects.filter(
            branches=branch, staff_type=StaffType.DOCTOR, is_active=True, is_deleted=False
        ).order_by("first_name", "last_name")
    )
    window = AvailabilityWindow(
        branch=branch,
        first_date=start_date,
        days=days,
        doctor_ids=[d.id for d in doctors],
        need=need,
        not_before=not_before or default_not_before(self_service=self_service),
    )
    return [
        DoctorDay(doctor=d, date=day, options=window.options(d.id, day))
        for d in doctors
        for day in window.dates()
    ]


def nearest_alternatives(
    *,
    branch: Branch,
    doctor: Staff,
    around: datetime.datetime,
    need: BookingNeed,
    limit: int = 5,
    days: int = 7,
    not_before: datetime.datetime | None = None,
) -> list[StartOption]:
    """Free starts nearest to `around`: that day's first (closest in time either way), then later days."""
    day = around.astimezone(branch.zone).date()
    window = AvailabilityWindow(
        branch=branch,
        first_date=day,
        days=days,
        doctor_ids=[doctor.id],
        need=need,
        not_before=not_before or default_not_before(),
    )
    options = [o for d in window.dates() for o in window.options(doctor.id, d)]
    options.sort(key=lambda o: (o.local_start.date() != day, abs((o.starts_at - around).total_seconds())))
    return options[:limit]


# --- Rooms and therapists for a given period (seed 4.8.3) ------------------------------------------


@dataclass
class ResourceOption:
    resource: Room | Staff
    available: bool
    busy: list[tuple[datetime.datetime, datetime.datetime]]
    reason: str = ""


def _period(need: BookingNeed, start: datetime.datetime, end: datetime.datetime, buffer: int = 0) -> tuple:
    return (
        start - datetime.timedelta(minutes=need.preparation_minutes),
        end + datetime.timedelta(minutes=need.cleanup_minutes + buffer),
    )


def rooms_available(
    *,
    branch: Branch,
    start: datetime.datetime,
    end: datetime.datetime,
    room_type: str | None = None,
    service: Service | None = None,
    package: Package | None = None,
) -> list[ResourceOption]:
    """The branch's rooms (of the type asked for or the service needs), each marked free or not for
    [start, end) widened by preparation, cleanup and the room's own buffer."""
    need = booking_need(service=service, package=package)
    rooms = Room.objects.filter(branch=branch, is_active=True, is_deleted=False).order_by(
        "display_order", "room_code"
    )
    types = (room_type,) if room_type else need.room_types
    if types:
        rooms = rooms.filter(room_type__in=types)
    rooms = list(rooms)
    widest = max((r.buffer_minutes for r in rooms), default=0)
    busy = load_busy(
        room_ids=[r.id for r in rooms],
        start=_period(need, start, end)[0],
        end=_period(need, start, end, widest)[1],
    )
    result = []
    for room in rooms:
        low, high = _period(need, start, end, room.buffer_minutes)
        index = busy.get(room.id, FREE)
        result.append(ResourceOption(room, index.is_free_between(low, high), index.overlapping(low, high)))
    return result


def therapists_available(
    *,
    branch: Branch,
    start: datetime.datetime,
    end: datetime.datetime,
    staff_type: str | None = None,
    service: Service | None = None,
    package: Package | None = None,
) -> list[ResourceOption]:
    """The branch's therapists (or nurses), each marked free or not for [start, end) widened by
    preparation and cleanup; one on leave that day is not free."""
    need = booking_need(service=service, package=package)
    people = list(
        Staff.objects.filter(
            branches=branch,
            staff_type__in=(staff_type,) if staff_type else THERAPIST_TYPES,
            is_active=True,
            is_deleted=False,
        ).order_by("first_name", "last_name")
    )
    low, high = _period(need, start, end)
    busy = load_busy(staff_ids=[p.id for p in people], start=low, end=high)
    days = {start.astimezone(branch.zone).date(), end.astimezone(branch.zone).date()}
    on_leave = set()
    for leave in StaffLeave.objects.filter(
        staff__in=people, start_date__lte=max(days), end_date__gte=min(days)
    ).filter(Q(branch__isnull=True) | Q(branch=branch)):
        away_from, away_until = leave.window(branch.zone)
        if away_from < high and low < away_until:
            on_leave.add(leave.staff_id)
    result = []
    for person in people:
        index = busy.get(person.id, FREE)
        if person.id in on_leave:
            result.append(ResourceOption(person, False, [], "on leave"))
        else:
            result.append(
                ResourceOption(person, index.is_free_between(low, high), index.overlapping(low, high))
            )
    return result


def utc_range(start: datetime.datetime, end: datetime.datetime) -> Range:
    return Range(start.astimezone(UTC), end.astimezone(UTC), "[)")
