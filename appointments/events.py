"""What happened to an appointment, for whoever needs to react (notifications, the live queue).

Services call the three announcers below through `transaction.on_commit`, so a listener never sees
a booking that is later rolled back. Listeners register once, in their app's `AppConfig.ready`,
with `listen(event, fn)`; each receives the appointment id (never PII) and keyword details, and
must be quick: real work goes to a Celery task. A failing listener is logged and does not stop the
others (the booking has already committed).
"""

import logging
from collections import defaultdict
from collections.abc import Callable

logger = logging.getLogger(__name__)

BOOKED = "booked"
CONFIRMED = "confirmed"
CHECKED_IN = "checked_in"
STATUS_CHANGED = "status_changed"
EVENTS = (BOOKED, CONFIRMED, CHECKED_IN, STATUS_CHANGED)

_listeners: dict[str, list[Callable[..., None]]] = defaultdict(list)


def listen(event: str, fn: Callable[..., None]) -> None:
    if event not in EVENTS:
        raise ValueError(f"unknown appointment event {event!r}")
    if fn not in _listeners[event]:
        _listeners[event].append(fn)


def emit(event: str, appointment_id, **details) -> None:
    for fn in list(_listeners[event]):
        try:
            fn(appointment_id, **details)
        except Exception:
            logger.exception(
                "listener %s failed for %s of appointment %s", fn.__name__, event, appointment_id
            )


def booking_created(appointment) -> None:
    emit(BOOKED, appointment.id)
    if appointment.status == CONFIRMED:
        emit(CONFIRMED, appointment.id)


def appointment_checked_in(appointment) -> None:
    emit(CHECKED_IN, appointment.id)


def appointment_status_changed(appointment, old: str, new: str) -> None:
    emit(STATUS_CHANGED, appointment.id, old=old, new=new)
    if new == CONFIRMED:
        emit(CONFIRMED, appointment.id)
