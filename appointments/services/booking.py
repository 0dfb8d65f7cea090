"""Booking, rescheduling, walk-ins and resource allocation (seed 4.8.1, 4.8.3, 4.8.4; decision 3).

A booking locks the doctor's slots it takes (SELECT ... FOR UPDATE, in start order), counts itself
in them with F() under the slots' CHECK, and writes one allocation per doctor, room and therapist;
the exclusion constraints have the last word. Whatever refuses it, nothing is written and the
caller gets a 409 naming the busy resource with the nearest free alternatives.
"""

import datetime
import itertools
import logging
import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from appointments import events
from appointments.conf import booking_retries, min_notice_minutes, walk_in_grace_minutes
from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    AllocationStatus,
    Appointment,
    AppointmentSlot,
    AppointmentStatus,
    AppointmentStatusHistory,
    AppointmentType,
    BookingSource,
    Holiday,
    Priority,
    ResourceAllocation,
    ResourceType,
    ScheduleBreak,
    StaffLeave,
)
from appointments.selectors.availability import (
    FREE,
    THERAPIST_TYPES,
    BookingNeed,
    booking_need,
    doctor_free_slots,
    load_busy,
    nearest_alternatives,
    rooms_available,
    therapists_available,
)
from appointments.services.resources import (
    RETRYABLE_SQLSTATES,
    ResourceBusy,
    allocation_rows,
    allocations_release,
    busy_from_integrity_error,
    room_period,
    sqlstate,
    therapist_period,
)
from appointments.services.statements import execute_together, insert_sql, substitute
from appointments.services.workflow import (
    appointment_lock,
    appointment_transition,
    illegal_transition_message,
)
from clinic.api_errors import Conflict
from clinic.models import Branch, Package, Patient, Room, Service, Staff, StaffType

# The counter's upsert itself, so that it can share a statement (number_next runs it alone).
from clinic.services.sequences import NUMBER_NEXT_SQL, number_format, number_prefix

logger = logging.getLogger(__name__)
S = AppointmentStatus
RESCHEDULABLE = (S.REQUESTED, S.CONFIRMED)
ALLOCATABLE = (S.REQUESTED, S.CONFIRMED, S.CHECKED_IN)


def _clock(value: datetime.datetime) -> str:
    return f"{value.hour % 12 or 12}:{value:%M} {'am' if value.hour < 12 else 'pm'}"


def _day(value: datetime.date) -> str:
    return f"{value.day} {value:%b %Y}"


def run_with_retries[T](fn: Callable[[], T]) -> T:
    """Run a transaction again after a serialization failure or deadlock, a bounded number of
    times. Inside an outer transaction there is nothing to retry: the outer caller does it."""
    if connection.in_atomic_block:
        return fn()
    attempts = booking_retries()
    for attempt in range(attempts + 1):
        try:
            return fn()
        except OperationalError as exc:
            if sqlstate(exc) not in RETRYABLE_SQLSTATES:
                raise
            if attempt == attempts:
                raise Conflict(
                    "The calendar was too busy to book this just now; please try again.",
                    code="booking_conflict",
                ) from exc
            logger.info("booking retried after %s (attempt %s)", sqlstate(exc), attempt + 1)
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # noqa: S311 - jitter, not security
    raise AssertionError("unreachable")


@dataclass
class BookingRequest:
    acting_user: object
    patient: Patient
    branch: Branch
    doctor: Staff
    start: datetime.datetime
    source: str = BookingSource.FRONT_DESK
    service: Service | None = None
    package: Package | None = None
    appointment_type: AppointmentType | None = None
    room: Room | None = None
    therapist: Staff | None = None
    parent_appointment: Appointment | None = None
    chief_complaint: str = ""
    patient_notes: str = ""
    internal_notes: str = ""
    priority: str = Priority.NORMAL
    is_fully_paid: bool = False
    end: datetime.datetime | None = None
    now: datetime.datetime = field(default_factory=timezone.now)
    # Set by reschedule: the appointment replaced, whose status and approval carry over.
    rescheduled_from: Appointment | None = None

    @property
    def self_service(self) -> bool:
        return self.source == BookingSource.SELF_SERVICE

    @property
    def not_before(self) -> datetime.datetime:
        if self.source == BookingSource.WALK_IN:
            return self.now - datetime.timedelta(minutes=walk_in_grace_minutes())
        return self.now + datetime.timedelta(minutes=min_notice_minutes(self_service=self.self_service))


# --- Validation: bad input is a 400 and nothing is written -----------------------------------------


def _validate(req: BookingRequest) -> BookingNeed:
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    branch, doctor = req.branch, req.doctor
    if not branch.is_active:
        refuse("branch", f"{branch} is not taking bookings.")
    if req.patient.is_deleted or req.patient.is_erased:
        refuse("patient", "This patient's record is closed; it cannot be booked.")
    if req.source not in BookingSource.values:
        refuse("source", f"Unknown booking source {req.source!r}.")
    if req.priority not in Priority.values:
        refuse("priority", f"Unknown priority {req.priority!r}.")
    if doctor.staff_type != StaffType.DOCTOR:
        refuse("doctor", f"{doctor} is not a doctor.")
    elif not doctor.is_active or doctor.is_deleted:
        refuse("doctor", f"{doctor} is no longer taking appointments.")
    if req.service is not None and req.package is not None:
        refuse("service", "Book a service or a package, not both.")
    for name, item in (
        ("service", req.service),
        ("package", req.package),
        ("appointment_type", req.appointment_type),
    ):
        if item is None:
            continue
        if not item.is_active:
            refuse(name, f"{item} is no longer offered.")
        elif req.self_service and not item.allow_self_booking:
            refuse(name, f"{item} cannot be booked online; please call the clinic.")
        elif name != "appointment_type" and item.hospital_id != branch.hospital_id:
            refuse(name, f"{item} is not offered at {branch}.")
    if req.parent_appointment is not None and req.parent_appointment.patient_id != req.patient.pk:
        refuse("parent_appointment", "A follow-up must be for the same patient as the visit it follows.")

    if timezone.is_naive(req.start):
        refuse("start", "Give the start with its time zone offset (e.g. 2026-11-26T10:30:00+05:30).")
    elif req.end is not None and (timezone.is_naive(req.end) or req.end <= req.start):
        refuse("end", "The end must be after the start.")
    elif req.start < req.not_before:
        if req.start < req.now:
            refuse("start", "That time has already passed.")
        else:
            hours = min_notice_minutes(self_service=req.self_service) / 60
            refuse("start", f"Bookings here need {hours:g} hours' notice; choose a later time.")
    if errors:
        raise ValidationError(errors)

    duration = int((req.end - req.start).total_seconds() // 60) if req.end is not None else None
    need = booking_need(
        service=req.service,
        package=req.package,
        appointment_type=req.appointment_type,
        duration_minutes=duration,
    )
    if (
        need.requires_room
        and req.room is None
        and not Room.objects.filter(
            branch=branch, room_type__in=need.room_types, is_active=True, is_deleted=False
        ).exists()
    ):
        refuse(
            "service" if req.service else "package",
            f"{branch} has no {need.room_type_label}, which {req.service or req.package} needs.",
        )
    if req.room is not None:
        room = req.room
        if room.branch_id != branch.pk:
            refuse("room", f"{room} is not at {branch}.")
        elif not room.is_active or room.is_deleted:
            refuse("room", f"{room} is out of use.")
        elif need.requires_room and room.room_type not in need.room_types:
            refuse(
                "room",
                f"{room} is a {room.get_room_type_display().lower()}; this needs a {need.room_type_label}.",
            )
    if req.therapist is not None:
        person = req.therapist
        if person.staff_type not in THERAPIST_TYPES:
            refuse("therapist", f"{person} is not a therapist or nurse.")
        elif not person.is_active or person.is_deleted:
            refuse("therapist", f"{person} is no longer working.")
    if errors:
        raise ValidationError(errors)
    return need


def _slot_grid_error(req: BookingRequest) -> ValidationError:
    """Why no slot of the doctor starts at the requested time (only asked when booking fails)."""
    local = req.start.astimezone(req.branch.zone)
    starts = list(
        AppointmentSlot.objects.filter(staff=req.doctor, branch=req.branch, slot_date=local.date())
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    if not starts and not req.doctor.branches.filter(pk=req.branch.pk).exists():
        return ValidationError({"doctor": [f"{req.doctor} does not see patients at {req.branch}."]})
    holiday = Holiday.objects.filter(branch=req.branch, date=local.date()).first()
    if holiday is not None:
        closed = f"{req.branch} is closed on {_day(local.date())} ({holiday.name})."
        return ValidationError({"start": [closed]})
    for leave in StaffLeave.objects.filter(
        Q(branch__isnull=True) | Q(branch=req.branch),
        staff=req.doctor,
        start_date__lte=local.date(),
        end_date__gte=local.date(),
    ):
        away_from, away_until = leave.window(req.branch.zone)
        if away_from <= req.start < away_until:
            return ValidationError({"start": [f"{req.doctor} is on leave at {_clock(local)} that day."]})
    if not starts:
        return ValidationError(
            {
                "start": [
                    f"{req.doctor} does not see patients at {req.branch} on {local:%A}, {_day(local.date())}."
                ]
            }
        )
    first, last = starts[0].astimezone(req.branch.zone), starts[-1].astimezone(req.branch.zone)
    if req.start < starts[0] or req.start > starts[-1]:
        hours = f"{_clock(first)} to {_clock(last)}"
        return ValidationError(
            {"start": [f"{_clock(local)} is outside {req.doctor}'s hours that day ({hours})."]}
        )
    step = int((starts[1] - starts[0]).total_seconds() // 60) if len(starts) > 1 else 0
    every = f" every {step} minutes" if step else ""
    message = f"{_clock(local)} is not a slot start of {req.doctor}; slots begin{every} from {_clock(first)}."
    return ValidationError({"start": [message]})


# --- The locked part -------------------------------------------------------------------------------


_LEAVE_OVERLAPS = """
    EXISTS (SELECT 1 FROM {leave} l
            WHERE l.staff_id = {person} AND (l.branch_id IS NULL OR l.branch_id = %(branch)s::uuid)
              AND l.start_date + COALESCE(l.start_time, TIME '00:00') < s.slot_date + s.start_time
                  + (s.ends_at - s.starts_at)
              AND CASE WHEN l.end_time IS NULL THEN (l.end_date + 1)::timestamp
                       ELSE l.end_date + l.end_time END > s.slot_date + s.start_time)
"""
# Only table names are interpolated; every value is a query parameter.
_LOCK_SLOTS_SQL = f"""
SELECT s.*,
  EXISTS (SELECT 1 FROM {ScheduleBreak._meta.db_table} b
          WHERE b.schedule_id = s.schedule_id AND b.start_time < s.end_time AND b.end_time > s.start_time
  ) AS in_break,
  EXISTS (SELECT 1 FROM {Staff.branches.through._meta.db_table} w
          WHERE w.branch_id = %(branch)s::uuid AND w.staff_id = %(doctor)s::uuid) AS doctor_here,
  (%(therapist)s::uuid IS NULL OR EXISTS (
      SELECT 1 FROM {Staff.branches.through._meta.db_table} w
      WHERE w.branch_id = %(branch)s::uuid AND w.staff_id = %(therapist)s::uuid)) AS therapist_here,
  EXISTS (SELECT 1 FROM {Holiday._meta.db_table} h
          WHERE h.branch_id = %(branch)s::uuid AND h.date = s.slot_date) AS holiday,
  {_LEAVE_OVERLAPS.format(leave=StaffLeave._meta.db_table, person="%(doctor)s::uuid")} AS doctor_away,
  {_LEAVE_OVERLAPS.format(leave=StaffLeave._meta.db_table, person="%(therapist)s::uuid")} AS therapist_away
FROM {AppointmentSlot._meta.db_table} s
WHERE s.staff_id = %(doctor)s::uuid AND s.branch_id = %(branch)s::uuid
  AND s.starts_at >= %(start)s AND s.starts_at < %(end)s
ORDER BY s.starts_at, s.id
FOR UPDATE OF s
"""  # noqa: S608


# The booking's number comes from the branch's counter (number_next's upsert) in the same statement
# as the inserts: after the slot locks, as decision 0020 orders them; a placeholder stands for it in
# the rows until then. The slot counters are raised there too; their CHECK refuses an overbooking.
_NUMBER_PLACEHOLDER = "APT-number-to-come"
_NUMBER_EXPRESSION = (
    "(SELECT %s::text || lpad(n.last_value::text, greatest(5, length(n.last_value::text)), '0') FROM n)"
)
_TAKE_SLOTS = (
    f"UPDATE {AppointmentSlot._meta.db_table} SET current_bookings = current_bookings + 1 "  # noqa: S608
    "WHERE id = ANY(%s)"
)


def _insert_booking(
    *, branch: Branch, year: int, slots: list[AppointmentSlot], statements: list[tuple[str, list]]
) -> str:
    """Run the booking's inserts (rows carrying _NUMBER_PLACEHOLDER) with the number and the slot
    counters in one statement; returns the number."""
    # _NUMBER_EXPRESSION pads the counter after this prefix as number_format does (width 5).
    prefix = number_prefix("APT", branch.code, year)
    rows = [substitute(s, _NUMBER_PLACEHOLDER, _NUMBER_EXPRESSION, [prefix]) for s in statements]
    counter = (NUMBER_NEXT_SQL.strip(), [branch.pk, "APT", year])
    take = [(_TAKE_SLOTS, [[s.id for s in slots]])] if slots else []
    (value,) = execute_together(
        [*take, *rows, ("SELECT last_value FROM n", [])], returning=True, named={"n": counter}
    )
    return number_format("APT", branch.code, year, value)


def _pick_free(candidates: list, periods: Callable, busy_ids: Callable) -> object | None:
    """The first candidate whose widened period is free, by one allocations query."""
    if not candidates:
        return None
    spans = {c.id: periods(c) for c in candidates}
    lows = min(p.lower for p in spans.values())
    highs = max(p.upper for p in spans.values())
    busy = load_busy(**busy_ids([c.id for c in candidates]), start=lows, end=highs)
    for candidate in candidates:
        span = spans[candidate.id]
        if busy.get(candidate.id, FREE).is_free_between(span.lower, span.upper):
            return candidate
    return None


def _book_locked(req: BookingRequest, need: BookingNeed) -> Appointment:
    """Inside a transaction. Raises ResourceBusy (or an IntegrityError of a constraint) on a conflict."""
    branch, doctor = req.branch, req.doctor
    if need.duration_minutes:
        length = datetime.timedelta(minutes=need.duration_minutes)
    else:  # one base slot, however long the doctor's slots are
        first_end = (
            AppointmentSlot.objects.filter(staff=doctor, branch=branch, starts_at=req.start)
            .values_list("ends_at", flat=True)
            .first()
        )
        if first_end is None:
            raise _slot_grid_error(req)
        length = first_end - req.start
    # The slots, locked in start order like every writer of slots (resources.lock_slots), with what
    # was recorded after they were generated (membership, holiday, leave, breaks) in the same query.
    slots = list(
        AppointmentSlot.objects.raw(
            _LOCK_SLOTS_SQL,
            {
                "doctor": doctor.pk,
                "branch": branch.pk,
                "therapist": req.therapist.pk if req.therapist else None,
                "start": req.start,
                "end": req.start + length,
            },
        )
    )
    local = req.start.astimezone(branch.zone)
    contiguous = all(a.ends_at == b.starts_at for a, b in itertools.pairwise(slots))
    if not slots or slots[0].starts_at != req.start:
        raise _slot_grid_error(req)
    if not contiguous or slots[-1].ends_at < req.start + length:
        raise ResourceBusy(
            "doctor",
            f"{doctor} is not free for {int(length.total_seconds() // 60)} minutes from {_clock(local)} "
            "(a break or the end of the day comes first).",
        )
    day = local.date()
    first = slots[0]
    if not first.doctor_here:
        raise ValidationError({"doctor": [f"{doctor} does not see patients at {branch}."]})
    if not first.therapist_here:
        raise ValidationError({"therapist": [f"{req.therapist} does not work at {branch}."]})
    if first.holiday or day.weekday() not in (branch.working_days or ()):
        raise ResourceBusy("doctor", f"{branch} is closed on {_day(day)}.")
    for slot in slots:
        if slot.is_blocked:
            raise ResourceBusy(
                "doctor", f"{doctor} is not available at {_clock(local)}: {slot.block_reason}."
            )
        if slot.doctor_away:
            raise ResourceBusy("doctor", f"{doctor} is on leave on {_day(day)}.")
        if slot.therapist_away:
            raise ResourceBusy("therapist", f"{req.therapist} is on leave on {_day(day)}.")
        if slot.in_break:
            raise ResourceBusy("doctor", f"{doctor} has a break at {_clock(local)}.")
        if need.requires_doctor and slot.current_bookings >= slot.max_bookings:
            raise ResourceBusy(
                "doctor", f"{doctor} is fully booked at {_clock(slot.starts_at.astimezone(branch.zone))}."
            )
    starts_at, ends_at = slots[0].starts_at, slots[-1].ends_at

    room, therapist = req.room, req.therapist
    if room is None and need.requires_room:
        rooms = list(
            Room.objects.filter(
                branch=branch, room_type__in=need.room_types, is_active=True, is_deleted=False
            ).order_by("display_order", "room_code")
        )
        room = _pick_free(
            rooms, lambda r: room_period(need, r, starts_at, ends_at), lambda ids: {"room_ids": ids}
        )
        if room is None:
            raise ResourceBusy("room", f"No {need.room_type_label} is free at {_clock(local)}.")
    if therapist is None and need.requires_therapist:
        # Anyone with leave that day is passed over (a part-day leave too: the desk can still
        # choose them by hand for the hours they are in).
        leave = StaffLeave.objects.filter(start_date__lte=day, end_date__gte=day).filter(
            Q(branch__isnull=True) | Q(branch=branch)
        )
        people_free = list(
            Staff.objects.filter(
                branches=branch, staff_type__in=THERAPIST_TYPES, is_active=True, is_deleted=False
            )
            .exclude(Exists(leave.filter(staff_id=OuterRef("pk"))))
            .order_by("first_name", "last_name")
        )
        therapist = _pick_free(
            people_free, lambda _: therapist_period(need, starts_at, ends_at), lambda ids: {"staff_ids": ids}
        )
        if therapist is None:
            raise ResourceBusy("therapist", f"No therapist is free at {_clock(local)}.")

    previous = req.rescheduled_from
    item = req.service or req.package
    if previous is not None:
        status = previous.status
    elif req.self_service and req.is_fully_paid and item is not None and item.auto_approval_eligible:
        status = S.CONFIRMED
    else:
        status = S.REQUESTED
    auto_approved = previous is None and status == S.CONFIRMED
    actor = req.acting_user if getattr(req.acting_user, "is_authenticated", False) else None

    appointment = Appointment(
        number=_NUMBER_PLACEHOLDER,
        patient=req.patient,
        doctor=doctor,
        branch=branch,
        slot=slots[0],
        appointment_type=req.appointment_type,
        service=req.service,
        package=req.package,
        appointment_date=day,
        start_time=local.time(),
        end_time=ends_at.astimezone(branch.zone).time(),
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        booking_source=req.source,
        chief_complaint=req.chief_complaint,
        priority=req.priority,
        parent_appointment=req.parent_appointment,
        is_follow_up=req.parent_appointment is not None,
        rescheduled_from=previous,
        patient_notes=req.patient_notes,
        internal_notes=req.internal_notes,
        room=room,
        therapist=therapist,
        requires_approval=not auto_approved,
        is_fully_paid=req.is_fully_paid,
        created_by=actor,
        updated_by=actor,
    )
    if previous is not None:
        for name in ("confirmed_by", "confirmed_at", "approved_by", "approved_at", "requires_approval"):
            setattr(appointment, name, getattr(previous, name))
    elif auto_approved:
        appointment.approved_at = appointment.confirmed_at = req.now
    appointment.resource_allocation_status = _allocation_status(need, room, therapist)
    reason = (
        f"Rescheduled from {previous.number}"
        if previous
        else (
            "Booked and approved automatically (paid online)"
            if auto_approved
            else f"Booked ({appointment.get_booking_source_display()})"
        )
    )
    # One statement for the appointment, its simple-history row (the one save() would write), its
    # status history and its allocations; the exclusion constraints judge it as they would the rows
    # written one by one.
    appointment_insert = insert_sql([appointment])  # sets created_at/updated_at, which history copies
    historical = Appointment.history.model(
        history_date=timezone.now(),
        history_type="+",
        history_user=actor,
        history_change_reason=f"booked ({req.source})",
        **{f.attname: getattr(appointment, f.attname) for f in Appointment.history.model.tracked_fields},
    )
    allocations = allocation_rows(
        appointment=appointment,
        need=need,
        slots=slots,
        room=room,
        therapist=therapist,
        acting_user=actor,
        status="confirmed" if status == S.CONFIRMED else "reserved",
        now=req.now,
    )
    status_row = AppointmentStatusHistory(
        appointment=appointment, old_status="", new_status=status, changed_by=actor, change_reason=reason
    )
    appointment.number = _insert_booking(
        branch=branch,
        year=day.year,
        slots=slots if need.requires_doctor else [],
        statements=[
            appointment_insert,
            insert_sql([historical]),
            insert_sql([status_row]),
            # None when the visit needs no doctor time, room or therapist.
            *([insert_sql(allocations)] if allocations else []),
        ],
    )
    appointment._state.adding, appointment._state.db = False, connection.alias
    transaction.on_commit(lambda: events.booking_created(appointment))
    return appointment


def _allocation_status(need: BookingNeed, room: Room | None, therapist: Staff | None) -> str:
    if not need.requires_room and not need.requires_therapist and room is None and therapist is None:
        return AllocationStatus.NOT_NEEDED
    if (room is not None or not need.requires_room) and (
        therapist is not None or not need.requires_therapist
    ):
        return AllocationStatus.ALLOCATED
    return AllocationStatus.PENDING


def _conflict(req: BookingRequest, need: BookingNeed, busy: ResourceBusy) -> Conflict:
    alternatives = nearest_alternatives(
        branch=req.branch, doctor=req.doctor, around=req.start, need=need, not_before=req.not_before
    )
    return Conflict(
        busy.message,
        code="booking_conflict",
        extra={"resource": busy.resource, "alternatives": [o.as_dict() for o in alternatives]},
    )


_own_savepoint: ContextVar[bool] = ContextVar("booking_own_savepoint", default=True)


@contextmanager
def booking_without_savepoint():
    """For a caller whose open transaction keeps nothing else when a booking is refused (the
    Idempotency-Key claim, which is written again with the refusal): the booking then writes without a
    savepoint of its own, and a refusal rolls back the caller's whole transaction. A lost race is
    raised as LostBooking, whose 409 (with alternatives) is worked out after that rollback."""
    token = _own_savepoint.set(False)
    try:
        yield
    finally:
        _own_savepoint.reset(token)


class LostBooking(Exception):
    """A conflict found without a savepoint: the transaction is unusable until rolled back."""

    def __init__(self, req: BookingRequest, need: BookingNeed, busy: ResourceBusy):
        super().__init__(busy.message)
        self.req, self.need, self.busy = req, need, busy

    def resolve(self) -> Conflict:
        """The 409 with its alternatives; call it after the rollback."""
        return _conflict(self.req, self.need, self.busy)


def _book(req: BookingRequest) -> Appointment:
    need = _validate(req)
    savepoint = _own_savepoint.get() or not connection.in_atomic_block
    try:
        with transaction.atomic(savepoint=savepoint):
            return _book_locked(req, need)
    except ResourceBusy as busy:
        lost = busy
    except IntegrityError as exc:
        lost = busy_from_integrity_error(exc, doctor=req.doctor, room=req.room, therapist=req.therapist)
        if lost is None:
            raise
    if not savepoint:
        raise LostBooking(req, need, lost)
    raise _conflict(req, need, lost) from None


def appointment_book(
    *,
    acting_user,
    patient: Patient,
    branch: Branch,
    doctor: Staff,
    start: datetime.datetime,
    source: str = BookingSource.FRONT_DESK,
    service: Service | None = None,
    package: Package | None = None,
    appointment_type: AppointmentType | None = None,
    room: Room | None = None,
    therapist: Staff | None = None,
    parent_appointment: Appointment | None = None,
    chief_complaint: str = "",
    patient_notes: str = "",
    internal_notes: str = "",
    priority: str = Priority.NORMAL,
    is_fully_paid: bool = False,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book `patient` with `doctor` at `start` (an aware datetime on one of the doctor's slot starts).

    The service's or package's duration decides how many consecutive slots are combined; a room
    and a therapist the service needs are taken from those given or, if none is given, the first
    free one. Approval: requested, unless the service is flagged for auto-approval and was booked
    and paid in full through self-service. 400 (ValidationError) for bad input, 409 (Conflict with
    `resource` and `alternatives`) when the time is taken.
    """
    req = BookingRequest(
        acting_user=acting_user,
        patient=patient,
        branch=branch,
        doctor=doctor,
        start=start,
        source=source,
        service=service,
        package=package,
        appointment_type=appointment_type,
        room=room,
        therapist=therapist,
        parent_appointment=parent_appointment,
        chief_complaint=chief_complaint,
        patient_notes=patient_notes,
        internal_notes=internal_notes,
        priority=priority,
        is_fully_paid=is_fully_paid,
        end=end,
        now=now or timezone.now(),
    )
    return run_with_retries(lambda: _book(req))


def appointment_reschedule(
    *,
    acting_user,
    appointment: Appointment,
    start: datetime.datetime,
    doctor: Staff | None = None,
    room: Room | None = None,
    therapist: Staff | None = None,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move a requested or confirmed appointment: the new one is booked and linked by
    `rescheduled_from`, the old one becomes `rescheduled` and frees its time. One transaction."""
    now = now or timezone.now()

    def run() -> Appointment:
        old = appointment_lock(appointment)
        if old.status not in RESCHEDULABLE:
            raise Conflict(illegal_transition_message(old.status, S.RESCHEDULED), code="invalid_transition")
        req = BookingRequest(
            acting_user=acting_user,
            patient=old.patient,
            branch=old.branch,
            doctor=doctor or old.doctor,
            start=start,
            source=old.booking_source,
            service=old.service,
            package=old.package,
            appointment_type=old.appointment_type,
            room=room,
            therapist=therapist,
            parent_appointment=old.parent_appointment,
            chief_complaint=old.chief_complaint,
            patient_notes=old.patient_notes,
            internal_notes=old.internal_notes,
            priority=old.priority,
            is_fully_paid=old.is_fully_paid,
            now=now,
            rescheduled_from=old,
        )
        if req.source == BookingSource.WALK_IN:
            req = replace(req, source=BookingSource.FRONT_DESK)
        need = _validate(req)
        allocations_release(old)  # the new time may overlap the old one
        try:
            with transaction.atomic():
                new = _book_locked(req, need)
        except ResourceBusy as busy:
            raise _Rollback(req, need, busy) from None
        except IntegrityError as exc:
            busy = busy_from_integrity_error(exc, doctor=req.doctor, room=req.room, therapist=req.therapist)
            if busy is None:
                raise
            raise _Rollback(req, need, busy) from None
        appointment_transition(
            acting_user=acting_user,
            appointment=old,
            to_status=S.RESCHEDULED,
            reason=reason or f"Rescheduled to {new.number}",
            replacement=new,
            now=now,
        )
        return new

    def attempt() -> Appointment:
        try:
            with transaction.atomic():
                return run()
        except _Rollback as lost:  # the release of the old time is undone with everything else
            raise _conflict(lost.req, lost.need, lost.busy) from None

    return run_with_retries(attempt)


class _Rollback(Exception):
    def __init__(self, req, need, busy):
        super().__init__(busy.message)
        self.req, self.need, self.busy = req, need, busy


def appointment_walk_in(
    *,
    acting_user,
    branch: Branch,
    doctor: Staff,
    patient: Patient | None = None,
    new_patient: dict | None = None,
    service: Service | None = None,
    package: Package | None = None,
    appointment_type: AppointmentType | None = None,
    start: datetime.datetime | None = None,
    room: Room | None = None,
    therapist: Staff | None = None,
    chief_complaint: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """A patient at the counter: registered on the spot if new, booked at the doctor's next free
    time today (or `start`), approved and checked in, in one transaction."""
    from clinic.services.patients import patient_register

    now = now or timezone.now()
    if (patient is None) == (new_patient is None):
        raise ValidationError(
            {"patient": ["Choose the patient, or give the details of a new one (not both)."]}
        )

    def run() -> Appointment:
        with transaction.atomic():
            person = patient or patient_register(acting_user=acting_user, branch=branch, data=new_patient)
            req = BookingRequest(
                acting_user=acting_user,
                patient=person,
                branch=branch,
                doctor=doctor,
                start=start or now,
                source=BookingSource.WALK_IN,
                service=service,
                package=package,
                appointment_type=appointment_type,
                room=room,
                therapist=therapist,
                chief_complaint=chief_complaint,
                now=now,
            )
            if start is None:
                need = booking_need(service=service, package=package, appointment_type=appointment_type)
                options = doctor_free_slots(
                    doctor=doctor,
                    branch=branch,
                    date=now.astimezone(branch.zone).date(),
                    need=need,
                    room=room,
                    therapist=therapist,
                    not_before=req.not_before,
                )
                if not options:
                    raise _conflict(
                        req, need, ResourceBusy("doctor", f"{doctor} has no free time left today.")
                    )
                req.start = options[0].starts_at
            appointment = _book(req)
            appointment_transition(
                acting_user=acting_user,
                appointment=appointment,
                to_status=S.CONFIRMED,
                reason="Walk-in",
                now=now,
            )
            return appointment_transition(
                acting_user=acting_user, appointment=appointment, to_status=S.CHECKED_IN, now=now
            )

    return run_with_retries(run)


def appointment_allocate_resources(
    *,
    acting_user,
    appointment: Appointment,
    room: Room | None = None,
    therapist: Staff | None = None,
    approve: bool = False,
) -> Appointment:
    """Seed 4.8.3: give an appointment its room and/or therapist (replacing any it had), and approve
    it if asked. A room or person busy at that time is a 409 listing the free ones."""
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    if room is None and therapist is None and not approve:
        raise ValidationError({"room": ["Choose a room or a therapist to allocate."]})

    def run() -> Appointment:
        with transaction.atomic():
            current = appointment_lock(appointment)
            if current.status not in ALLOCATABLE:
                raise Conflict(
                    f"Resources cannot be allocated to a {current.get_status_display().lower()} appointment.",
                    code="invalid_transition",
                )
            need = booking_need(
                service=current.service, package=current.package, appointment_type=current.appointment_type
            )
            errors = {}
            if room is not None:
                if room.branch_id != current.branch_id:
                    errors["room"] = [f"{room} is not at {current.branch}."]
                elif not room.is_active or room.is_deleted:
                    errors["room"] = [f"{room} is out of use."]
                elif need.requires_room and room.room_type not in need.room_types:
                    kind = room.get_room_type_display().lower()
                    errors["room"] = [f"{room} is a {kind}; this needs a {need.room_type_label}."]
            if therapist is not None:
                if therapist.staff_type not in THERAPIST_TYPES:
                    errors["therapist"] = [f"{therapist} is not a therapist or nurse."]
                elif not therapist.is_active or not therapist.branches.filter(pk=current.branch_id).exists():
                    errors["therapist"] = [f"{therapist} does not work at {current.branch}."]
            if errors:
                raise ValidationError(errors)
            status = "confirmed" if current.status != S.REQUESTED else "reserved"
            rows = []
            active = ResourceAllocation.objects.filter(
                appointment=current, status__in=ACTIVE_ALLOCATION_STATUSES
            )
            if room is not None and room.pk != current.room_id:
                active.filter(resource_type=ResourceType.ROOM).update(status="cancelled")
                rows += allocation_rows(
                    appointment=current,
                    need=replace(need, requires_doctor=False),
                    slots=[],
                    room=room,
                    therapist=None,
                    acting_user=actor,
                    status=status,
                    now=timezone.now(),
                )
                current.room = room
            if therapist is not None and therapist.pk != current.therapist_id:
                active.filter(resource_type__in=[ResourceType.THERAPIST, ResourceType.NURSE]).update(
                    status="cancelled"
                )
                rows += allocation_rows(
                    appointment=current,
                    need=replace(need, requires_doctor=False),
                    slots=[],
                    room=None,
                    therapist=therapist,
                    acting_user=actor,
                    status=status,
                    now=timezone.now(),
                )
                current.therapist = therapist
            try:
                with transaction.atomic():
                    ResourceAllocation.objects.bulk_create(rows)
            except IntegrityError as exc:
                busy = busy_from_integrity_error(exc, doctor=None, room=room, therapist=therapist)
                if busy is None:
                    raise
                raise _resource_conflict(current, need, busy, room=room) from None
            current.resource_allocation_status = _allocation_status(need, current.room, current.therapist)
            current.updated_by = actor
            current._history_user = actor
            current._change_reason = "resources allocated"
            current.save(
                update_fields=["room", "therapist", "resource_allocation_status", "updated_by", "updated_at"]
            )
            if approve and current.status == S.REQUESTED:
                current = appointment_transition(
                    acting_user=acting_user,
                    appointment=current,
                    to_status=S.CONFIRMED,
                    reason="Approved with resources",
                )
            return current

    return run_with_retries(run)


def _resource_conflict(
    appointment: Appointment, need: BookingNeed, busy: ResourceBusy, *, room: Room | None
) -> Conflict:
    """A room or therapist lost: the alternatives are the ones free for that time (rooms of the type
    the service needs, or else of the type asked for)."""
    if busy.resource == "room":
        options = rooms_available(
            branch=appointment.branch,
            start=appointment.starts_at,
            end=appointment.ends_at,
            room_type=None if need.requires_room or room is None else room.room_type,
            service=appointment.service,
            package=appointment.package,
        )
    else:
        options = therapists_available(
            branch=appointment.branch,
            start=appointment.starts_at,
            end=appointment.ends_at,
            service=appointment.service,
            package=appointment.package,
        )
    free = [{"id": str(o.resource.pk), "name": str(o.resource)} for o in options if o.available]
    return Conflict(
        busy.message, code="booking_conflict", extra={"resource": busy.resource, "alternatives": free}
    )


def appointment_update(*, acting_user, appointment: Appointment, data: dict) -> Appointment:
    """Edit what the desk may change without moving the appointment: notes, complaint, priority."""
    allowed = {"chief_complaint", "patient_notes", "internal_notes", "priority"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {name: ["This cannot be changed here; reschedule or cancel instead."] for name in unknown}
        )
    if "priority" in data and data["priority"] not in Priority.values:
        raise ValidationError({"priority": [f"Unknown priority {data['priority']!r}."]})
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    with transaction.atomic():
        current = appointment_lock(appointment)
        if current.status in (S.CANCELLED, S.RESCHEDULED, S.NO_SHOW) and set(data) - {"internal_notes"}:
            raise Conflict(
                f"A {current.get_status_display().lower()} appointment can only get internal notes."
            )
        for name, value in data.items():
            setattr(current, name, value)
        current.updated_by = actor
        current._history_user = actor
        current.save(update_fields=[*data, "updated_by", "updated_at"])
    return current


__all__ = [
    "BookingRequest",
    "appointment_allocate_resources",
    "appointment_book",
    "appointment_reschedule",
    "appointment_update",
    "appointment_walk_in",
    "run_with_retries",
]
