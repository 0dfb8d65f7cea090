"""Rooms are retired, never deleted: bookings and procedure records keep pointing at them."""

from django.db import transaction
from django.utils import timezone

from clinic.models import Room


@transaction.atomic
def room_retire(*, acting_user, room: Room) -> Room:
    """Take a room out of use for good: not bookable, hidden from pickers, kept for history."""
    if room.is_deleted:
        return room
    room.is_active = False
    room.is_deleted = True
    room.deleted_at = timezone.now()
    room.updated_by = acting_user
    room._history_user = acting_user
    room._change_reason = "retired"
    room.save(update_fields=["is_active", "is_deleted", "deleted_at", "updated_by", "updated_at"])
    return room
