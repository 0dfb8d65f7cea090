"""What happened to an appointment, for whoever needs to react (notifications, live queue).

Services call these through `transaction.on_commit`, so listeners see only committed rows.
Listeners register in their AppConfig.ready with `listen(event, fn)`; each receives the
appointment id (never PII) and must be quick: real work goes to a Celery task.
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
    """Call every listener; one failing listener is logged and does not stop the others."""
    for fn in list(_listeners[event]):
        try:
            fn(appointment_id, **details)
        except Exception:
            logger.exception("listener %s failed for %s of appointment %s", fn.__name__, event, appointment_id)
