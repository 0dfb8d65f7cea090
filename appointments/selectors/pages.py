"""Reads of the front desk's pages: which branches and appointments a page shows, today's queue by
column, the calendar grid, what the booking wizard offers, and a doctor's schedule page.

Pages show a branch's appointments to every role that works there (front desk and admins act on
them; doctors, therapists and nurses read). The JSON API scopes doctors to their own appointments
(appointments.selectors.appointments); a page shows the whole branch, as a clinic's waiting list
does. Every function reads a fixed number of queries, whatever the number of rows.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from psycopg.types.range import Range

from appointments.clock import branch_today, day_bounds
from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    AppointmentStatusHistory,
    DoctorSchedule,
    Holiday,
    ResourceAllocation,
    StaffLeave,
)
from appointments.permissions import DESK_ROLES, STAFF_ROLES, Access
from appointments.selectors.appointments import appointment_base_queryset
from appointments.selectors.availability import (
    THERAPIST_TYPES,
    AvailabilityWindow,
    BookingNeed,
    StartOption,
    booking_need,
    default_not_before,
)
from appointments.selectors.schedules import (
    affected_appointments,
    holiday_window,
    holiday_window_q,
    leave_window_q,
)
from clinic.models import Branch, Package, Room, Service, Staff, StaffType

S = AppointmentStatus
CLOSED = (S.CANCELLED, S.RESCHEDULED)


# --- Who sees which branch ---------------------------------------------------------------------------


def real_user(user):
    """The user object itself: request.user and a websocket's scope["user"] are lazy wrappers (one
    inside another with the OTP middleware); the pages keep the access they read on the real user."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def page_branches(access: Access, *, desk: bool = False) -> list[Branch]:
    """Active branches whose pages this user may open: every one for superusers, otherwise those
    they work at, if they hold a staff role (a desk role when `desk`)."""
    if not access.in_group(*(DESK_ROLES if desk else STAFF_ROLES)):
        return []
    branches = Branch.objects.filter(is_active=True).select_related("hospital").order_by("name")
    if access.branch_ids is not None:
        branches = branches.filter(id__in=access.branch_ids)
    return list(branches)


def page_branch(branches: list[Branch], branch_id) -> Branch:
    """The branch asked for among the user's, or the first of them; 404 for any other."""
    if not branches:
        raise Http404("No branch.")
    if not branch_id:
        return branches[0]
    for branch in branches:
        if str(branch.id) == str(branch_id):
            return branch
    raise Http404("No such branch.")


def branch_visible_for_queue(access: Access, branch_id: uuid.UUID) -> bool:
    """May this user follow the live queue of that branch (the websocket's check)?"""
    if not access.in_group(*STAFF_ROLES):
        return False
    if access.branch_ids is None:
        return Branch.objects.filter(id=branch_id, is_active=True).exists()
    return branch_id in access.branch_ids


def appointments_for_pages(access: Access) -> QuerySet[Appointment]:
    qs = appointment_base_queryset()
    if not access.in_group(*STAFF_ROLES):
        return qs.none()
    if access.branch_ids is not None:
        qs = qs.filter(branch_id__in=access.branch_ids)
    return qs


def appointment_for_page(*, access: Access, appointment_id: uuid.UUID) -> Appointment:
    """One appointment at the user's branches with its history, allocations and links; 404 otherwise."""
    appointment = (
        appointments_for_pages(access)
        .select_related(
            "parent_appointment", "rescheduled_from", "rescheduled_to", "created_by", "approved_by"
        )
        .prefetch_related(
            Prefetch(
                "status_history",
                queryset=AppointmentStatusHistory.objects.select_related("changed_by").order_by("changed_at"),
            ),
            Prefetch(
                "allocations",
                queryset=ResourceAllocation.objects.select_related("room", "staff").order_by(
                    "period", "resource_type"
                ),
            ),
            Prefetch("follow_ups", queryset=Appointment.objects.order_by("starts_at")),
        )
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


# --- Today's queue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueColumn:
    key: str
    title: str
    empty: str
    statuses: tuple[str, ...]
    rows: list[Appointment] = field(default_factory=list)


@dataclass
class QueueBoard:
    branch: Branch
    day: datetime.date
    columns: list[QueueColumn]
    closed: int  # cancelled or rescheduled today

    @property
    def total(self) -> int:
        return sum(len(c.rows) for c in self.columns)


QUEUE_COLUMNS = (
    (
        "waiting",
        "Waiting to arrive",
        "Nobody is expected for the rest of the day.",
        (S.REQUESTED, S.CONFIRMED),
    ),
    ("arrived", "Arrived", "Nobody is waiting at the clinic.", (S.CHECKED_IN,)),
    ("with_doctor", "With the doctor", "No visit is going on.", (S.IN_PROGRESS,)),
    ("done", "Done", "No visit has ended yet today.", (S.COMPLETED, S.NO_SHOW)),
)


def queue_board(*, access: Access, branch: Branch, day: datetime.date | None = None) -> QueueBoard:
    """A day's appointments at a branch (today on its clock unless told) in the queue's columns, in
    time order. One query."""
    day = day or branch_today(branch)
    columns = [QueueColumn(key, title, empty, statuses, []) for key, title, empty, statuses in QUEUE_COLUMNS]
    by_status = {status: column for column in columns for status in column.statuses}
    closed = 0
    rows = (
        appointments_for_pages(access)
        .filter(branch=branch, appointment_date=day)
        .order_by("starts_at", "number")
    )
    for appointment in rows:
        column = by_status.get(appointment.status)
        if column is None:
            closed += 1
        else:
            column.rows.append(appointment)
    return QueueBoard(branch=branch, day=day, columns=columns, closed=closed)


# --- Calendar ----------------------------------------------------------------------------------------


@dataclass
class CalendarItem:
    """Something placed on the grid: an appointment, a block, a break, or time off."""

    kind: str  # appointment | block | break | off
    start: datetime.datetime | datetime.time
    end: datetime.datetime | datetime.time
    top: float = 0.0  # percent of the day's height
    height: float = 0.0
    lane: int = 0
    lanes: int = 1
    appointment: Appointment | None = None
    label: str = ""

    @property
    def left(self) -> float:
        return 100 * self.lane / self.lanes

    @property
    def width(self) -> float:
        return 100 / self.lanes


@dataclass
class CalendarColumn:
    key: str
    title: str
    subtitle: str = ""
    date: datetime.date | None = None
    note: str = ""  # "On leave", "Holiday: Diwali", "Closed"
    items: list[CalendarItem] = field(default_factory=list)

    @property
    def appointments(self) -> list[CalendarItem]:
        return [i for i in self.items if i.kind == "appointment"]


@dataclass
class CalendarGrid:
    branch: Branch
    first: datetime.date
    days: int
    opens: datetime.time
    closes: datetime.time
    columns: list[CalendarColumn]
    hours: list[tuple[str, float]]  # ("10 am", top percent)

    @property
    def hour_count(self) -> float:
        return (_minutes(self.closes) - _minutes(self.opens)) / 60

    @property
    def appointment_count(self) -> int:
        return sum(len(c.appointments) for c in self.columns)


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _hour_label(hour: int) -> str:
    return f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}"


BACKGROUND = ("break", "off")


def _place(items: list[CalendarItem], opens: int, closes: int) -> list[CalendarItem]:
    """Give each item its top and height (percent of the day). Appointments and blocks that overlap
    (patients sharing a slot) sit side by side in lanes; breaks and hours off lie behind them."""
    span = max(closes - opens, 1)
    placed = []
    for item in items:
        start, end = _minutes(item.start), _minutes(item.end) or 24 * 60
        start, end = max(start, opens), min(end, closes)
        if end <= start:
            continue
        item.top = 100 * (start - opens) / span
        item.height = 100 * (end - start) / span
        placed.append((start, end, item))
    placed.sort(key=lambda p: (p[0], p[1]))
    cluster: list[CalendarItem] = []
    cluster_end = 0
    lane_ends: list[int] = []
    for start, end, item in placed:
        if item.kind in BACKGROUND:
            continue
        if cluster and start >= cluster_end:
            for member in cluster:
                member.lanes = len(lane_ends)
            cluster, lane_ends = [], []
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                item.lane, lane_ends[lane] = lane, end
                break
        else:
            item.lane = len(lane_ends)
            lane_ends.append(end)
        cluster_end = max(cluster_end, end) if cluster else end
        cluster.append(item)
    for member in cluster:
        member.lanes = len(lane_ends)
    return [i for _, _, i in placed]


def _local_times(branch: Branch, low: datetime.datetime, high: datetime.datetime, day: datetime.date):
    """A UTC period as wall-clock times on `day` in the branch's zone, cut to that day."""
    zone = branch.zone
    start, end = low.astimezone(zone), high.astimezone(zone)
    first = start.time() if start.date() == day else datetime.time(0)
    last = end.time() if end.date() == day else datetime.time(23, 59)
    return first, last


def calendar_grid(
    *,
    access: Access,
    branch: Branch,
    by: str,
    first: datetime.date,
    days: int,
    resource_id=None,
) -> CalendarGrid:
    """The calendar of a branch: a day with a column per doctor (or per room), or a week of one
    doctor (or room) with a column per day. Appointments, blocks, breaks, leave and holidays; a
    fixed number of queries."""
    zone = branch.zone
    last = first + datetime.timedelta(days=days - 1)
    dates = [first + datetime.timedelta(days=n) for n in range(days)]
    window_start, window_end = day_bounds(zone, first, days)
    if by == "room":
        resources = list(
            Room.objects.filter(branch=branch, is_active=True, is_deleted=False).order_by(
                "display_order", "room_code"
            )
        )
    else:
        resources = list(
            Staff.objects.filter(
                branches=branch, staff_type=StaffType.DOCTOR, is_active=True, is_deleted=False
            ).order_by("first_name", "last_name")
        )
    if resource_id is not None:
        resources = [r for r in resources if str(r.id) == str(resource_id)]
    if days > 1:
        resources = resources[:1]  # a week shows one doctor or one room
    ids = [r.id for r in resources]

    appointments = (
        appointments_for_pages(access)
        .filter(branch=branch, appointment_date__range=(first, last))
        .exclude(status__in=CLOSED)
        .filter(Q(room_id__in=ids) if by == "room" else Q(doctor_id__in=ids))
        .order_by("starts_at", "number")
    )
    blocks = (
        ResourceAllocation.objects.filter(
            appointment__isnull=True,
            status__in=ACTIVE_ALLOCATION_STATUSES,
            period__overlap=Range(window_start, window_end),
        )
        .filter(Q(room_id__in=ids) if by == "room" else Q(staff_id__in=ids))
        .order_by("period")
    )
    holidays = {
        h.date: h.name
        for h in Holiday.objects.filter(branch=branch, date__range=(first, last)).only("date", "name")
    }
    leave: set[tuple] = set()
    schedules: dict[tuple, DoctorSchedule] = {}
    if by != "room" and ids:
        for staff_id, start, end in (
            StaffLeave.objects.filter(staff_id__in=ids, start_date__lte=last, end_date__gte=first)
            .filter(Q(branch__isnull=True) | Q(branch=branch))
            .filter(start_time__isnull=True, end_time__isnull=True)  # part days: their slots are gone
            .values_list("staff_id", "start_date", "end_date")
        ):
            for day in dates:
                if start <= day <= end:
                    leave.add((staff_id, day))
        weekdays = {d.weekday() for d in dates}
        for schedule in DoctorSchedule.objects.filter(
            staff_id__in=ids, branch=branch, is_active=True, day_of_week__in=weekdays
        ).prefetch_related("breaks"):
            schedules[(schedule.staff_id, schedule.day_of_week)] = schedule

    if days == 1:
        columns = {
            r.id: CalendarColumn(
                key=str(r.id),
                title=str(r.room_name if by == "room" else r.display_name),
                subtitle=(r.get_room_type_display() if by == "room" else r.specialization),
                date=first,
            )
            for r in resources
        }

        def column_of(resource_id, day):
            return columns.get(resource_id)

    else:
        columns = {
            day: CalendarColumn(
                key=day.isoformat(), title=f"{day:%a} {day.day}", subtitle=f"{day:%b}", date=day
            )
            for day in dates
        }

        def column_of(resource_id, day):
            return columns.get(day)

    for appointment in appointments:
        resource = appointment.room_id if by == "room" else appointment.doctor_id
        column = column_of(resource, appointment.appointment_date)
        if column is not None:
            column.items.append(
                CalendarItem(
                    "appointment", appointment.start_time, appointment.end_time, appointment=appointment
                )
            )
    for block in blocks:
        resource = block.room_id if by == "room" else block.staff_id
        for day in dates:
            column = column_of(resource, day)
            if column is None:
                continue
            low, high = block.period.lower, block.period.upper
            if high.astimezone(zone).date() < day or low.astimezone(zone).date() > day:
                continue
            start, end = _local_times(branch, low, high, day)
            column.items.append(CalendarItem("block", start, end, label=block.block_reason or "Blocked"))
    for resource in resources:
        for day in dates:
            column = column_of(resource.id, day)
            if column is None:
                continue
            if day in holidays:
                column.note = f"Holiday: {holidays[day]}"
            elif day.weekday() not in (branch.working_days or ()):
                column.note = "Closed"
            elif (resource.id, day) in leave:
                column.note = "On leave"
            schedule = schedules.get((resource.id, day.weekday()))
            if schedule is not None:
                for item in schedule.breaks.all():
                    column.items.append(
                        CalendarItem("break", item.start_time, item.end_time, label=item.label)
                    )
                if schedule.start_time > branch.opens_at:
                    column.items.append(
                        CalendarItem("off", branch.opens_at, schedule.start_time, label="Not working")
                    )
                if schedule.end_time < branch.closes_at:
                    column.items.append(
                        CalendarItem("off", schedule.end_time, branch.closes_at, label="Not working")
                    )
            elif by != "room" and not column.note:
                column.note = "No hours this day"

    opens, closes = _minutes(branch.opens_at), _minutes(branch.closes_at)
    for column in columns.values():
        column.items = _place(column.items, opens, closes)
    hours = [
        (_hour_label(h), 100 * (h * 60 - opens) / max(closes - opens, 1))
        for h in range((opens + 59) // 60, closes // 60 + 1)
    ]
    return CalendarGrid(
        branch=branch,
        first=first,
        days=days,
        opens=branch.opens_at,
        closes=branch.closes_at,
        columns=list(columns.values()),
        hours=hours,
    )


def calendar_resources(*, branch: Branch, by: str) -> list:
    """The doctors or rooms a week view can show."""
    if by == "room":
        return list(
            Room.objects.filter(branch=branch, is_active=True, is_deleted=False).order_by(
                "display_order", "room_code"
            )
        )
    return doctors_at(branch)


# --- The booking wizard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bookable:
    """A service or package as the wizard offers it: length, price and what it needs."""

    kind: str  # service | package
    item: Service | Package
    need: BookingNeed

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.item.pk}"

    @property
    def group(self) -> str:
        return "Package" if self.kind == "package" else str(self.item.get_category_display())

    @property
    def needs(self) -> list[str]:
        needs = []
        if self.need.requires_room:
            needs.append(self.need.room_type_label)
        if self.need.requires_therapist:
            needs.append("a therapist")
        return needs


def bookables(*, branch: Branch) -> list[Bookable]:
    """The hospital's active services, then its packages, with their resource needs."""
    services = Service.objects.filter(hospital_id=branch.hospital_id, is_active=True).select_related(
        "requirement"
    )
    packages = Package.objects.filter(hospital_id=branch.hospital_id, is_active=True)
    found = [Bookable("service", s, booking_need(service=s)) for s in services.order_by("category", "name")]
    found += [Bookable("package", p, booking_need(package=p)) for p in packages.order_by("name")]
    return found


def bookable_of(item: Service | Package | None) -> Bookable | None:
    if item is None:
        return None
    if isinstance(item, Package):
        return Bookable("package", item, booking_need(package=item))
    return Bookable("service", item, booking_need(service=item))


def doctors_at(branch: Branch) -> list[Staff]:
    return list(
        Staff.objects.filter(
            branches=branch, staff_type=StaffType.DOCTOR, is_active=True, is_deleted=False
        ).order_by("first_name", "last_name")
    )


def therapists_at(branch: Branch) -> list[Staff]:
    return list(
        Staff.objects.filter(
            branches=branch, staff_type__in=THERAPIST_TYPES, is_active=True, is_deleted=False
        ).order_by("first_name", "last_name")
    )


def rooms_at(branch: Branch) -> list[Room]:
    return list(
        Room.objects.filter(branch=branch, is_active=True, is_deleted=False).order_by(
            "display_order", "room_code"
        )
    )


@dataclass(frozen=True)
class OfferedStart:
    option: StartOption
    max_bookings: int  # of the first slot: more than 1 when patients share a slot

    @property
    def slot_count(self) -> int:
        return len(self.option.slot_ids)


@dataclass
class DayOffer:
    date: datetime.date
    options: list[OfferedStart]
    note: str = ""  # why there is nothing: closed, holiday, leave, no hours, fully booked


def start_options_by_day(
    *,
    branch: Branch,
    doctor: Staff,
    first: datetime.date,
    days: int,
    need: BookingNeed,
    not_before: datetime.datetime | None = None,
) -> list[DayOffer]:
    """A doctor's free starts on each of `days` days, from one availability window (a fixed
    number of queries), with the reason when a day has none."""
    window = AvailabilityWindow(
        branch=branch,
        first_date=first,
        days=days,
        doctor_ids=[doctor.id],
        need=need,
        not_before=not_before or default_not_before(),
    )
    offers = []
    for day in window.dates():
        slots = window.slots.get((doctor.id, day), [])
        capacity = {s.id: s.max_bookings for s in slots}
        options = [OfferedStart(o, capacity.get(o.slot_ids[0], 1)) for o in window.options(doctor.id, day)]
        note = ""
        if not options:
            if day in window.holidays:
                note = "Holiday"
            elif not window.branch_open_on(day):
                note = "Closed"
            elif (doctor.id, day) in window.leave:
                note = "On leave"
            elif not slots:
                note = "No hours"
            else:
                note = "No free time"
        offers.append(DayOffer(day, options, note))
    return offers


# --- Schedules ---------------------------------------------------------------------------------------


@dataclass
class SchedulePage:
    doctor: Staff
    schedules: list[DoctorSchedule]
    leave: list[StaffLeave]
    holidays: list[Holiday]
    # Each coming leave / holiday with the active appointments inside it, for the desk to move.
    leave_affected: list[tuple[StaffLeave, list[Appointment]]]
    holiday_affected: list[tuple[Holiday, list[Appointment]]]
    blocked: list[AppointmentSlot]
    slots_ahead: int
    last_slot_date: datetime.date | None


def schedule_page(*, branch: Branch, doctor: Staff, now: datetime.datetime | None = None) -> SchedulePage:
    """A doctor's weekly template at a branch with breaks, coming leave and holidays, blocked slots
    ahead and how far slots are generated."""
    now = now or timezone.now()
    today = branch_today(branch)
    schedules = list(
        DoctorSchedule.objects.filter(staff=doctor, branch=branch)
        .prefetch_related("breaks")
        .order_by("day_of_week", "start_time")
    )
    leave = list(
        StaffLeave.objects.filter(staff=doctor, end_date__gte=today)
        .filter(Q(branch__isnull=True) | Q(branch=branch))
        .order_by("start_date")[:20]
    )
    holidays = list(Holiday.objects.filter(branch=branch, date__gte=today).order_by("date")[:20])
    ahead = AppointmentSlot.objects.filter(staff=doctor, branch=branch, starts_at__gte=now)
    blocked = list(ahead.filter(is_blocked=True).select_related("blocked_by").order_by("starts_at")[:50])
    last = ahead.order_by("-slot_date").values_list("slot_date", flat=True).first()
    leave_affected, holiday_affected = _affected_by(branch, leave, holidays, now=now)
    return SchedulePage(
        doctor=doctor,
        schedules=schedules,
        leave=leave,
        holidays=holidays,
        leave_affected=leave_affected,
        holiday_affected=holiday_affected,
        blocked=blocked,
        slots_ahead=ahead.filter(is_blocked=False).count(),
        last_slot_date=last,
    )


def _affected_by(branch: Branch, leave: list[StaffLeave], holidays: list[Holiday], *, now):
    """One query for the appointments inside any of the listed leave and holidays (at this branch),
    then shared out by window."""
    match = Q(pk__in=[])
    for item in leave:
        match |= leave_window_q(item, [branch])
    for holiday in holidays:
        match |= holiday_window_q(holiday, branch)
    found = list(affected_appointments(match, now=now)) if leave or holidays else []

    def inside(appointment, start, end) -> bool:
        return appointment.starts_at < end and start < appointment.ends_at

    leave_rows = []
    for item in leave:
        start, end = item.window(branch.zone)
        mine = [a for a in found if item.staff_id in (a.doctor_id, a.therapist_id)]
        leave_rows.append((item, [a for a in mine if inside(a, start, end)]))
    holiday_rows = [(h, [a for a in found if inside(a, *holiday_window(h, branch))]) for h in holidays]
    return leave_rows, holiday_rows


def blocked_slots(*, branch: Branch, ids: list) -> list[AppointmentSlot]:
    return list(AppointmentSlot.objects.filter(branch=branch, id__in=ids, is_blocked=True))
