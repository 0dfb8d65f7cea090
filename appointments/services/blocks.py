"""Blocks on rooms and therapists/nurses: a room closed for maintenance or cleaning, a therapist at
a training (seed 4.8.2 room_slots; issue 3). Doctors' time is blocked on their slots instead
(services/slots.py slot_block), because a doctor's slots carry the block too.

A block is a ResourceAllocation with no appointment, holding who (allocated_by), when (allocated_at)
and why (block_reason). The exclusion constraints that keep two bookings apart keep bookings out of
a block and a block off a booking, and availability reads every active allocation as busy, so
nothing else needs to know about blocks. Lifting a block cancels its row (kept, for the record).
"""

import datetime
import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.models import ACTIVE_ALLOCATION_STATUSES, ResourceAllocation, ResourceType
from appointments.selectors.availability import utc_range
from appointments.selectors.blocks import allocations_in_the_way
from appointments.services.resources import EXCLUSION_VIOLATION, sqlstate
from clinic.api_errors import Conflict
from clinic.models import Branch, Room, Staff, StaffType

logger = logging.getLogger(__name__)

BLOCKABLE_STAFF = (StaffType.THERAPIST, StaffType.NURSE)
# A maintenance closure or a course can run for weeks; beyond this it is more likely a typo in a
# date, and a room out of use for good is marked inactive instead.
MAX_BLOCK = datetime.timedelta(days=92)


def _local(value: datetime.datetime, zone) -> str:
    local = value.astimezone(zone)
    return f"{local.day} {local:%b} {local.hour % 12 or 12}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def resource_block_validate(
    *,
    branch: Branch,
    room: Room | None,
    staff: Staff | None,
    start: datetime.datetime,
    end: datetime.datetime,
    reason: str,
    now: datetime.datetime,
) -> None:
    errors: dict[str, list[str]] = {}
    if (room is None) == (staff is None):
        errors["room_id"] = ["Choose either a room or a therapist/nurse to block."]
    elif room is not None:
        if room.branch_id != branch.pk:
            errors["room_id"] = [f"{room} is not at {branch}."]
        elif room.is_deleted:
            errors["room_id"] = [f"{room} no longer exists."]
    elif staff is not None:
        if staff.staff_type == StaffType.DOCTOR:
            errors["staff_id"] = ["Block a doctor's time on their slots (block slots on the schedule)."]
        elif staff.staff_type not in BLOCKABLE_STAFF:
            errors["staff_id"] = ["Only therapists and nurses can be blocked here."]
        elif not staff.is_active or staff.is_deleted:
            errors["staff_id"] = [f"{staff} no longer works here."]
        elif not staff.branches.filter(pk=branch.pk).exists():
            errors["staff_id"] = [f"{staff} does not work at {branch}."]
    if not reason:
        errors["reason"] = ["Say why (e.g. 'AC maintenance', 'Laser training')."]
    elif len(reason) > 255:
        errors["reason"] = ["Keep the reason under 255 characters."]
    if start.tzinfo is None or end.tzinfo is None:
        errors["start"] = ["Give the times with their time zone offset."]
    elif end <= start:
        errors["end"] = ["The end must be after the start."]
    elif end <= now:
        errors["end"] = ["That time is already over."]
    elif end - start > MAX_BLOCK:
        errors["end"] = ["A block can be at most 92 days long; mark a room out of use instead."]
    if errors:
        raise ValidationError(errors)


def _refusal(*, branch: Branch, room, staff, start, end) -> Conflict:
    """The 409 naming what is in the way: appointments (number and time) and other blocks."""
    zone = branch.zone
    name = str(room or staff)
    appointments, blocks = allocations_in_the_way(room=room, staff=staff, start=start, end=end)
    listed = [
        {
            "id": str(a.appointment_id),
            "number": a.appointment.number,
            "starts_at": a.appointment.starts_at.astimezone(zone).isoformat(),
            "ends_at": a.appointment.ends_at.astimezone(zone).isoformat(),
            "status": a.appointment.status,
        }
        for a in appointments
    ]
    blocked = [
        {
            "id": str(b.pk),
            "reason": b.block_reason,
            "starts_at": b.period.lower.astimezone(zone).isoformat(),
            "ends_at": b.period.upper.astimezone(zone).isoformat(),
        }
        for b in blocks
    ]
    if listed:
        numbers = ", ".join(
            f"{a.appointment.number} at {_local(a.appointment.starts_at, zone)}" for a in appointments[:5]
        )
        more = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
        message = f"{name} is booked in that time ({numbers}{more}); move or cancel them first."
    elif blocked:
        first = blocks[0]
        message = (
            f"{name} is already blocked from {_local(first.period.lower, zone)} to "
            f"{_local(first.period.upper, zone)} ({first.block_reason or 'no reason given'})."
        )
    else:  # what was in the way went meanwhile (a cancellation): trying again will do
        message = f"{name} was busy in that time a moment ago; try again."
    return Conflict(message, code="resource_busy", extra={"appointments": listed, "blocks": blocked})


def resource_block(
    *,
    acting_user,
    branch: Branch,
    start: datetime.datetime,
    end: datetime.datetime,
    reason: str,
    room: Room | None = None,
    staff: Staff | None = None,
    now: datetime.datetime | None = None,
) -> ResourceAllocation:
    """Block a room, or a therapist or nurse, at `branch` for [start, end) with a reason; records who.

    All or nothing: when an appointment (with its preparation, cleanup and the room's buffer) or
    another block is in that time, nothing is written and a 409 lists them. The exclusion
    constraint decides a race with a booking made at the same moment; the loser gets the same 409.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    resource_block_validate(
        branch=branch, room=room, staff=staff, start=start, end=end, reason=reason, now=now
    )
    user = (
        acting_user if acting_user is not None and getattr(acting_user, "is_authenticated", False) else None
    )
    own = uuid.uuid4()
    if room is not None:
        kind = ResourceType.ROOM
    else:
        kind = ResourceType.NURSE if staff.staff_type == StaffType.NURSE else ResourceType.THERAPIST
    block = ResourceAllocation(
        id=own,
        share_key=own,
        appointment=None,
        resource_type=kind,
        room=room,
        staff=staff,
        period=utc_range(start, end),
        status="confirmed",
        block_reason=reason,
        allocated_by=user,
        confirmed_by=user,
        confirmed_at=now,
    )
    try:
        with transaction.atomic():
            block.save(force_insert=True)
    except IntegrityError as exc:
        if sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        # After the rollback: read what is in the way, for the desk to act on.
        raise _refusal(branch=branch, room=room, staff=staff, start=start, end=end) from None
    logger.info("resource block %s added (%s) by user %s", block.pk, kind, getattr(user, "pk", None))
    return block


def resource_block_lift(*, acting_user, block: ResourceAllocation, now: datetime.datetime | None = None):
    """Give the room or person back: the block is cancelled, not deleted (who and why stay on record).
    Refused (409) when it is already lifted or over."""
    now = now or timezone.now()
    with transaction.atomic():
        current = ResourceAllocation.objects.select_for_update().get(pk=block.pk)
        if current.appointment_id is not None or current.resource_type == ResourceType.DOCTOR:
            raise ValidationError({"block": ["This is not a room or therapist block."]})
        if current.status not in ACTIVE_ALLOCATION_STATUSES:
            raise Conflict("This block has already been lifted.", code="block_lifted")
        if current.period.upper <= now:
            raise Conflict("This block is already over.", code="block_over")
        current.status = "cancelled"
        current.save(update_fields=["status"])
    # The row has no "lifted by" column yet; the log keeps who (an id, no personal data).
    logger.info("resource block %s lifted by user %s", current.pk, getattr(acting_user, "pk", None))
    return current
