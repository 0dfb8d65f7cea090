"""Reads of room and therapist/nurse blocks (services/blocks.py writes them)."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from appointments.models import ACTIVE_ALLOCATION_STATUSES, ResourceAllocation, ResourceType
from appointments.selectors.availability import utc_range
from clinic.models import Room, Staff

BLOCK_TYPES = (ResourceType.ROOM, ResourceType.THERAPIST, ResourceType.NURSE)


def resource_blocks() -> QuerySet[ResourceAllocation]:
    """Every room and therapist/nurse block, lifted ones too (doctors' blocks live on their slots)."""
    return ResourceAllocation.objects.filter(appointment__isnull=True, resource_type__in=BLOCK_TYPES)


def resource_block_list(
    *,
    branch_ids: list | None,
    room_id=None,
    staff_id=None,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[ResourceAllocation]:
    """Active blocks not yet over (or overlapping [start, end)) of the rooms of the given branches
    and of the therapists and nurses who work at them (None: all). One query, with names and who."""
    qs = resource_blocks().filter(status__in=ACTIVE_ALLOCATION_STATUSES)
    now = now or timezone.now()
    if start is None and end is None:
        qs = qs.filter(period__endswith__gt=now)
    else:
        low = start or now
        qs = qs.filter(period__overlap=utc_range(low, end or low + datetime.timedelta(days=1)))
    if branch_ids is not None:
        works_here = Staff.branches.through.objects.filter(
            staff_id=OuterRef("staff_id"), branch_id__in=branch_ids
        )
        qs = qs.filter(Q(room__branch_id__in=branch_ids) | Q(Exists(works_here)))
    if room_id:
        qs = qs.filter(room_id=room_id)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    return qs.select_related("room__branch", "staff", "allocated_by").order_by("period")


def resource_block_get(*, pk) -> ResourceAllocation:
    return resource_blocks().select_related("room__branch", "staff").get(pk=pk)


def allocations_in_the_way(
    *, room: Room | None, staff: Staff | None, start: datetime.datetime, end: datetime.datetime
) -> tuple[list[ResourceAllocation], list[ResourceAllocation]]:
    """The active allocations of a room or person overlapping [start, end): (appointments', blocks)."""
    mine = Q(room=room) if room is not None else Q(staff=staff)
    rows = list(
        ResourceAllocation.objects.filter(
            mine, status__in=ACTIVE_ALLOCATION_STATUSES, period__overlap=utc_range(start, end)
        )
        .select_related("appointment")
        .order_by("period")
    )
    return [r for r in rows if r.appointment_id], [r for r in rows if not r.appointment_id]
