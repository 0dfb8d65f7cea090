"""Scheduling settings with their defaults; any of them may be set in config/settings.py."""

from django.conf import settings


def slot_weeks_ahead() -> int:
    return getattr(settings, "APPOINTMENT_SLOT_WEEKS_AHEAD", 4)


def min_notice_minutes(*, self_service: bool = False) -> int:
    """How far ahead a booking must start: none at the desk, two hours through self-service."""
    if self_service:
        return getattr(settings, "APPOINTMENT_SELF_SERVICE_MIN_NOTICE_MINUTES", 120)
    return getattr(settings, "APPOINTMENT_MIN_NOTICE_MINUTES", 0)


def no_show_grace_minutes() -> int:
    return getattr(settings, "APPOINTMENT_NO_SHOW_GRACE_MINUTES", 30)


def walk_in_grace_minutes() -> int:
    """A walk-in may take a slot that began up to this many minutes ago."""
    return getattr(settings, "APPOINTMENT_WALK_IN_GRACE_MINUTES", 10)


def idempotency_keep_hours() -> int:
    """Idempotency keys are kept at least this long (never less than 24 hours)."""
    return max(24, getattr(settings, "APPOINTMENT_IDEMPOTENCY_KEEP_HOURS", 48))


def booking_retries() -> int:
    """How often a booking is retried after a serialization failure or deadlock."""
    return getattr(settings, "APPOINTMENT_BOOKING_RETRIES", 3)
