"""Allocations of doctors, rooms and therapists, slot counters, and how a lost race is recognised.

The database is the final guard (decision 3): the exclusion constraints on ResourceAllocation and
the CHECK on AppointmentSlot.current_bookings. This module builds the rows they judge, locks slots
in one fixed order (start time, then id), and turns their refusals into a named resource.
"""

import datetime
import uuid
from collections.abc import Iterable

from django.db import IntegrityError
from django.db.models import F, QuerySet

from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    Appointment,
    AppointmentSlot,
    ResourceAllocation,
    ResourceType,
)
from appointments.selectors.availability import BookingNeed, utc_range
from clinic.models import Room, Staff

EXCLUSION_VIOLATION = "23P01"
CHECK_VIOLATION = "23514"
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected

ROOM_CONSTRAINT = "no_double_booking_of_rooms"
STAFF_CONSTRAINT = "no_double_booking_of_staff"
CAPACITY_CONSTRAINT = "slot_not_overbooked"


class ResourceBusy(Exception):
    """Raised inside a booking's transaction; the caller rolls back, then adds alternatives."""

    def __init__(self, resource: str, message: str):
        super().__init__(message)
        self.resource = resource
        self.message = message


def sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


def _diag(exc: BaseException, name: str) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return (getattr(diag, name, None) or "") if diag is not None else ""


def busy_from_integrity_error(
    exc: IntegrityError, *, doctor: Staff | None, room: Room | None, therapist: Staff | None
) -> ResourceBusy | None:
    """Which resource a refused insert or update collided on; None for any other integrity error."""
    state, constraint = sqlstate(exc), _diag(exc, "constraint_name")
    if state == CHECK_VIOLATION and constraint == CAPACITY_CONSTRAINT:
        return ResourceBusy(
            "doctor", f"{doctor} is fully booked at that time." if doctor else "That slot is full."
        )
    if state != EXCLUSION_VIOLATION:
        return None
    if constraint == ROOM_CONSTRAINT:
        name = str(room) if room else "The room"
        return ResourceBusy(
            "room", f"{name} is already booked at that time (with its preparation and cleanup)."
        )
    if constraint == STAFF_CONSTRAINT:
        new_row = _diag(exc, "message_detail").split("conflicts with")[0]
        if therapist is not None and str(therapist.id) in new_row:
            return ResourceBusy("therapist", f"{therapist} is already booked at that time.")
        name = str(doctor) if doctor else "The doctor"
        return ResourceBusy("doctor", f"{name} is already booked at that time.")
    return None


def lock_slots(ids: Iterable[uuid.UUID]) -> list[AppointmentSlot]:
    """SELECT ... FOR UPDATE in start order: every writer takes slot locks in the same order."""
    return list(
        AppointmentSlot.objects.select_for_update().filter(id__in=list(ids)).order_by("starts_at", "id")
    )


def consumed_slots(appointment: Appointment) -> QuerySet[AppointmentSlot]:
    """The doctor's base slots an appointment covers (the slots its booking counted itself in)."""
    return AppointmentSlot.objects.filter(
        staff_id=appointment.doctor_id,
        branch_id=appointment.branch_id,
        starts_at__gte=appointment.starts_at,
        ends_at__lte=appointment.ends_at,
    )


def allocations_release(appointment: Appointment) -> int:
    """Cancel every active allocation of an appointment and give its slots back. Returns rows released."""
    active = list(
        ResourceAllocation.objects.filter(
            appointment=appointment, status__in=ACTIVE_ALLOCATION_STATUSES
        ).values_list("id", "resource_type")
    )
    if not active:
        return 0
    if any(kind == ResourceType.DOCTOR for _, kind in active) and appointment.doctor_id:
        slot_ids = [s.id for s in lock_slots(consumed_slots(appointment).values_list("id", flat=True))]
        AppointmentSlot.objects.filter(id__in=slot_ids, current_bookings__gt=0).update(
            current_bookings=F("current_bookings") - 1
        )
    return ResourceAllocation.objects.filter(id__in=[pk for pk, _ in active]).update(status="cancelled")


def allocations_set_status(appointment: Appointment, status: str, *, acting_user=None, now=None) -> int:
    """Move the appointment's active allocations on (confirmed, in use, completed)."""
    fields: dict = {"status": status}
    if status == "confirmed":
        fields.update(confirmed_at=now, confirmed_by=acting_user)
    return ResourceAllocation.objects.filter(
        appointment=appointment, status__in=ACTIVE_ALLOCATION_STATUSES
    ).update(**fields)


def room_period(need: BookingNeed, room: Room, start: datetime.datetime, end: datetime.datetime):
    return utc_range(
        start - datetime.timedelta(minutes=need.preparation_minutes),
        end + datetime.timedelta(minutes=need.cleanup_minutes + room.buffer_minutes),
    )


def therapist_period(need: BookingNeed, start: datetime.datetime, end: datetime.datetime):
    return utc_range(
        start - datetime.timedelta(minutes=need.preparation_minutes),
        end + datetime.timedelta(minutes=need.cleanup_minutes),
    )


def allocation_rows(
    *,
    appointment: Appointment,
    need: BookingNeed,
    slots: list[AppointmentSlot],
    room: Room | None,
    therapist: Staff | None,
    acting_user,
    status: str,
    now: datetime.datetime,
) -> list[ResourceAllocation]:
    """The allocations of a new booking. The doctor's row carries the slot as its share key only when
    the booking is one slot of capacity > 1: then exactly the patients of that slot may overlap."""
    rows = []
    confirmed = {"confirmed_at": now, "confirmed_by": acting_user} if status == "confirmed" else {}

    def row(**kwargs) -> ResourceAllocation:
        own = uuid.uuid4()
        kwargs.setdefault("share_key", own)
        return ResourceAllocation(
            id=own, appointment=appointment, status=status, allocated_by=acting_user, **confirmed, **kwargs
        )

    start, end = appointment.starts_at, appointment.ends_at
    if need.requires_doctor and appointment.doctor_id:
        shared = {"share_key": slots[0].id} if len(slots) == 1 and slots[0].max_bookings > 1 else {}
        rows.append(
            row(
                resource_type=ResourceType.DOCTOR,
                staff_id=appointment.doctor_id,
                period=utc_range(start, end),
                **shared,
            )
        )
    if room is not None:
        rows.append(
            row(resource_type=ResourceType.ROOM, room=room, period=room_period(need, room, start, end))
        )
    if therapist is not None:
        kind = ResourceType.NURSE if therapist.staff_type == "nurse" else ResourceType.THERAPIST
        rows.append(row(resource_type=kind, staff=therapist, period=therapist_period(need, start, end)))
    return rows
