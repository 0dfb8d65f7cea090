"""The appointment status workflow of seed 4.3, through one door: `appointment_transition`.

    requested ──> confirmed ──> checked_in ──> in_progress ──> completed
        │             │ └──> no_show
        └──> cancelled <┘
    requested | confirmed ──> rescheduled (only by appointment_reschedule, which books the new time)

Every change writes an AppointmentStatusHistory row (who, when, why) in the same transaction;
listeners hear of it after commit. Moving to the status an appointment already has changes nothing
(a double tap at the counter is harmless); any other move off the diagram is a 409.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from appointments import events
from appointments.conf import no_show_grace_minutes
from appointments.models import Appointment, AppointmentStatus, AppointmentStatusHistory
from appointments.services.resources import allocations_release, allocations_set_status
from clinic.api_errors import Conflict

logger = logging.getLogger(__name__)

S = AppointmentStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.CONFIRMED, S.CANCELLED, S.RESCHEDULED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW, S.RESCHEDULED}),
    S.CHECKED_IN: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.RESCHEDULED: frozenset(),
}
RELEASING = frozenset({S.CANCELLED, S.NO_SHOW, S.RESCHEDULED})

_STATE_WORD = {
    S.REQUESTED: "requested",
    S.CONFIRMED: "confirmed",
    S.CHECKED_IN: "checked-in",
    S.IN_PROGRESS: "in-progress",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.NO_SHOW: "no-show",
    S.RESCHEDULED: "rescheduled",
}
_ACTION_WORD = {
    S.CONFIRMED: "confirmed",
    S.CHECKED_IN: "checked in",
    S.IN_PROGRESS: "started",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.NO_SHOW: "marked as a no-show",
    S.RESCHEDULED: "rescheduled",
    S.REQUESTED: "sent back to requested",
}
_HINTS = {
    (S.REQUESTED, S.CHECKED_IN): " Approve it first.",
    (S.CHECKED_IN, S.CANCELLED): " The patient is already here.",
    (S.CONFIRMED, S.IN_PROGRESS): " Check the patient in first.",
    (S.CONFIRMED, S.COMPLETED): " Check the patient in first.",
}


def illegal_transition_message(old: str, new: str) -> str:
    word = _STATE_WORD[old]
    article = "An" if word[0] in "aeiou" else "A"
    return f"{article} {word} appointment cannot be {_ACTION_WORD[new]}.{_HINTS.get((old, new), '')}"


def appointment_lock(appointment: Appointment) -> Appointment:
    """The appointment row, locked and re-read: status checks happen on what is current."""
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("branch", "doctor")
        .get(pk=appointment.pk)
    )


def history_record(
    *, appointment: Appointment, old: str, new: str, acting_user, reason: str
) -> AppointmentStatusHistory:
    return AppointmentStatusHistory.objects.create(
        appointment=appointment, old_status=old, new_status=new, changed_by=acting_user, change_reason=reason
    )


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def appointment_transition(
    *,
    acting_user,
    appointment: Appointment,
    to_status: str,
    reason: str = "",
    replacement: Appointment | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move an appointment along the workflow; refuse (409) a move the diagram does not have."""
    to_status = S(to_status)
    acting_user = _actor(acting_user)
    now = now or timezone.now()
    with transaction.atomic():
        current = appointment_lock(appointment)
        old = current.status
        if old == to_status:
            return current
        if to_status not in TRANSITIONS[old]:
            raise Conflict(illegal_transition_message(old, to_status), code="invalid_transition")
        if to_status == S.RESCHEDULED and replacement is None:
            raise Conflict(
                "Reschedule books the new time first: use appointment_reschedule.", code="invalid_transition"
            )

        fields = ["status", "updated_at", "updated_by"]
        current.status = to_status
        current.updated_by = acting_user
        if to_status == S.CONFIRMED:
            current.confirmed_by, current.confirmed_at = acting_user, now
            fields += ["confirmed_by", "confirmed_at"]
            if current.requires_approval and current.approved_at is None:
                current.approved_by, current.approved_at = acting_user, now
                fields += ["approved_by", "approved_at"]
            allocations_set_status(current, "confirmed", acting_user=acting_user, now=now)
        elif to_status == S.CHECKED_IN:
            current.checked_in_by, current.checked_in_at = acting_user, now
            fields += ["checked_in_by", "checked_in_at"]
        elif to_status == S.IN_PROGRESS:
            current.actual_start_time = now
            fields.append("actual_start_time")
            allocations_set_status(current, "in_use")
        elif to_status == S.COMPLETED:
            current.actual_end_time = now
            fields.append("actual_end_time")
            allocations_set_status(current, "completed")
        elif to_status == S.CANCELLED:
            current.cancellation_reason = reason
            fields.append("cancellation_reason")
        if to_status in RELEASING:
            allocations_release(current)

        current._history_user = acting_user
        current._change_reason = reason or f"{old} → {to_status}"
        current.save(update_fields=fields)
        history_record(appointment=current, old=old, new=to_status, acting_user=acting_user, reason=reason)

        transaction.on_commit(lambda: events.appointment_status_changed(current, old, to_status))
        if to_status == S.CHECKED_IN:
            transaction.on_commit(lambda: events.appointment_checked_in(current))
    return current


def appointment_approve(*, acting_user, appointment: Appointment, reason: str = "") -> Appointment:
    """Front-desk approval of a requested booking (seed 4.8.1): requested → confirmed."""
    return appointment_transition(
        acting_user=acting_user, appointment=appointment, to_status=S.CONFIRMED, reason=reason
    )


def appointment_check_in(*, acting_user, appointment: Appointment) -> Appointment:
    return appointment_transition(acting_user=acting_user, appointment=appointment, to_status=S.CHECKED_IN)


def appointment_start(*, acting_user, appointment: Appointment) -> Appointment:
    return appointment_transition(acting_user=acting_user, appointment=appointment, to_status=S.IN_PROGRESS)


def appointment_complete(*, acting_user, appointment: Appointment) -> Appointment:
    return appointment_transition(acting_user=acting_user, appointment=appointment, to_status=S.COMPLETED)


def appointment_cancel(*, acting_user, appointment: Appointment, reason: str) -> Appointment:
    return appointment_transition(
        acting_user=acting_user, appointment=appointment, to_status=S.CANCELLED, reason=reason
    )


def appointment_mark_no_show(*, acting_user, appointment: Appointment, reason: str = "") -> Appointment:
    return appointment_transition(
        acting_user=acting_user, appointment=appointment, to_status=S.NO_SHOW, reason=reason
    )


def appointments_mark_no_shows(*, now: datetime.datetime | None = None) -> int:
    """The no-show job: confirmed appointments not checked in `grace` minutes after their start.
    Safe to run twice or in two workers at once (each row is re-checked under its lock)."""
    now = now or timezone.now()
    grace = no_show_grace_minutes()
    cutoff = now - datetime.timedelta(minutes=grace)
    marked = 0
    due = Appointment.objects.filter(status=S.CONFIRMED, starts_at__lt=cutoff).order_by("starts_at")
    for appointment in due.only("id"):
        try:
            result = appointment_transition(
                acting_user=None,
                appointment=appointment,
                to_status=S.NO_SHOW,
                reason=f"Not checked in within {grace} minutes of the start (marked automatically).",
                now=now,
            )
        except Conflict:  # checked in meanwhile
            continue
        marked += result.status == S.NO_SHOW
    return marked
