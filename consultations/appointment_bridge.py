"""The one place consultations calls the appointments services. If their names or arguments change,
this file changes and nothing else. Imports are lazy so a missing service fails loudly at the call,
with the name that is missing, rather than when Django starts."""

import datetime

from appointments.models import Appointment, AppointmentStatus
from clinic.models import Branch, Patient, Staff


def _missing(name: str, exc: Exception) -> ImportError:
    return ImportError(
        f"consultations needs {name} from the appointments app, and it is not available ({exc}). "
        "Update consultations/appointment_bridge.py to the appointments services' current names."
    )


def _transition(*, acting_user, appointment: Appointment, to_status: str, reason: str = "") -> Appointment:
    try:
        from appointments.services.workflow import appointment_transition
    except ImportError as exc:
        raise _missing("appointments.services.workflow.appointment_transition", exc) from exc
    return appointment_transition(
        acting_user=acting_user, appointment=appointment, to_status=to_status, reason=reason
    )


def appointment_mark_in_progress(*, acting_user, appointment: Appointment) -> Appointment:
    """checked_in -> in_progress (a no-op when it already is)."""
    return _transition(
        acting_user=acting_user,
        appointment=appointment,
        to_status=AppointmentStatus.IN_PROGRESS,
        reason="consultation started",
    )


def appointment_mark_completed(*, acting_user, appointment: Appointment) -> Appointment:
    return _transition(
        acting_user=acting_user,
        appointment=appointment,
        to_status=AppointmentStatus.COMPLETED,
        reason="consultation completed",
    )


def appointment_create_walk_in(
    *,
    acting_user,
    patient: Patient,
    branch: Branch,
    doctor: Staff,
    chief_complaint: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """An appointment for a patient who walked in: the doctor's next free time today, approved and
    checked in."""
    try:
        from appointments.services.booking import appointment_walk_in
    except ImportError as exc:
        raise _missing("appointments.services.booking.appointment_walk_in", exc) from exc
    return appointment_walk_in(
        acting_user=acting_user,
        patient=patient,
        branch=branch,
        doctor=doctor,
        chief_complaint=chief_complaint,
        now=now,
    )


def appointment_book_follow_up(
    *,
    acting_user,
    parent: Appointment,
    start: datetime.datetime,
    chief_complaint: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """A follow-up with the same doctor at the same branch, pointing at the visit it follows
    (`start` must be one of the doctor's slot starts; a taken time is a 409 with alternatives)."""
    try:
        from appointments.services.booking import appointment_book
    except ImportError as exc:
        raise _missing("appointments.services.booking.appointment_book", exc) from exc
    service = parent.service if parent.service_id and parent.service.category == "consultation" else None
    return appointment_book(
        acting_user=acting_user,
        patient=parent.patient,
        branch=parent.branch,
        doctor=parent.doctor,
        start=start,
        service=service,
        appointment_type=parent.appointment_type,
        parent_appointment=parent,
        chief_complaint=chief_complaint,
        now=now,
    )


def appointment_reschedule_follow_up(
    *, acting_user, appointment: Appointment, start: datetime.datetime, reason: str = ""
) -> Appointment:
    """Move a booked follow-up to another of the doctor's slot starts: a new appointment linked by
    `rescheduled_from`; the old one becomes rescheduled (a taken time is a 409 with alternatives)."""
    try:
        from appointments.services.booking import appointment_reschedule
    except ImportError as exc:
        raise _missing("appointments.services.booking.appointment_reschedule", exc) from exc
    return appointment_reschedule(
        acting_user=acting_user, appointment=appointment, start=start, reason=reason
    )
