"""Celery tasks for patient messages, and the appointment-event listeners that enqueue them.

Tasks take an appointment id (never a name or a number), call one service of
appointments.notifications and are safe to run twice: the service sends each message at most once.
A send deferred for a passing reason (MessageDeferred) is retried with exponential backoff.
"""

import logging

from celery import shared_task
from django.db import OperationalError

from appointments import events
from appointments.notifications import (
    MessageDeferred,
    notify_booking_confirmation,
    notify_checked_in,
    reminders_send_due,
)

logger = logging.getLogger(__name__)

SEND_RETRY = {
    "autoretry_for": (MessageDeferred, OperationalError),
    "retry_backoff": 60,  # 1, 2, 4, ... minutes
    "retry_backoff_max": 30 * 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**SEND_RETRY)
def booking_confirmation_send_task(appointment_id: str) -> str:
    log = notify_booking_confirmation(appointment_id)
    return log.status if log else "skipped"


@shared_task(**SEND_RETRY)
def checked_in_notice_send_task(appointment_id: str) -> str:
    log = notify_checked_in(appointment_id)
    return log.status if log else "skipped"


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def reminders_send_due_task() -> int:
    """Every 15 minutes (CELERY_BEAT_SCHEDULE): the 24-hour reminders that are due."""
    return reminders_send_due()


# --- Listeners (appointments.events, called after commit with the appointment's id) ---------------
def on_confirmed(appointment_id, **details) -> None:
    """Booked as confirmed, or approved later. A booking still awaiting approval (BOOKED alone)
    gets no message yet: its confirmation goes out when it is confirmed."""
    booking_confirmation_send_task.delay(str(appointment_id))


def on_checked_in(appointment_id, **details) -> None:
    checked_in_notice_send_task.delay(str(appointment_id))


def listeners_register() -> None:
    """Called once from AppointmentsConfig.ready."""
    events.listen(events.CONFIRMED, on_confirmed)
    events.listen(events.CHECKED_IN, on_checked_in)
