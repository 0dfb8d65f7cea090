"""Booking the follow-up visit from a consultation, through the appointments services."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from appointments.models import ACTIVE_APPOINTMENT_STATUSES, Appointment
from clinic.api_errors import Conflict
from consultations import appointment_bridge
from consultations.models import Consultation, ConsultationStatus
from consultations.selectors import follow_up_current
from consultations.services.common import lock_consultation, require_open, save_with_history


@transaction.atomic
def consultation_schedule_follow_up(
    *,
    acting_user,
    consultation: Consultation,
    start: datetime.datetime,
    chief_complaint: str = "",
    now: datetime.datetime | None = None,
) -> Appointment:
    """Book a follow-up appointment (same patient, doctor and branch; `parent_appointment` = this
    visit's appointment) and remember it on the consultation. Asking again for the same time
    returns the booking already made; a different time while one is booked is refused (reschedule
    that appointment instead)."""
    if start.tzinfo is None:
        raise ValidationError({"start": ["Give the time with its time zone."]})
    locked = lock_consultation(consultation)
    if locked.status == ConsultationStatus.CANCELLED:
        require_open(locked, "booking a follow-up")
    existing = (
        Appointment.objects.filter(
            pk=locked.follow_up_appointment_id, status__in=ACTIVE_APPOINTMENT_STATUSES
        ).first()
        if locked.follow_up_appointment_id
        else None
    )
    if existing is not None:
        if existing.starts_at == start:
            return existing
        local = existing.starts_at.astimezone(locked.branch.zone)
        raise Conflict(
            f"A follow-up is already booked ({existing.number}, {local:%d %b %Y %I:%M %p}); "
            "reschedule it instead.",
            code="follow_up_exists",
            extra={"appointment_id": str(existing.pk)},
        )
    appointment = appointment_bridge.appointment_book_follow_up(
        acting_user=acting_user,
        parent=locked.appointment,
        start=start,
        chief_complaint=chief_complaint or f"Follow-up of {locked.number}",
        now=now,
    )
    locked.follow_up_appointment = appointment
    save_with_history(
        locked,
        acting_user=acting_user,
        reason=f"follow-up {appointment.number}",
        fields=["follow_up_appointment"],
    )
    consultation.follow_up_appointment = appointment
    return appointment


@transaction.atomic
def consultation_reschedule_follow_up(
    *, acting_user, consultation: Consultation, start: datetime.datetime
) -> Appointment:
    """Move the follow-up booked from this visit to another time (through the appointments
    service: a new appointment linked to the old one) and remember the new one on the
    consultation. Asking for the time it already has returns it; with none booked, this books."""
    if start.tzinfo is None:
        raise ValidationError({"start": ["Give the time with its time zone."]})
    locked = lock_consultation(consultation)
    require_open_or_completed(locked)
    current = follow_up_current(locked)
    if current is None:
        return consultation_schedule_follow_up(acting_user=acting_user, consultation=locked, start=start)
    if current.starts_at == start:
        moved = current
    else:
        moved = appointment_bridge.appointment_reschedule_follow_up(
            acting_user=acting_user, appointment=current, start=start, reason=f"moved from {locked.number}"
        )
    if locked.follow_up_appointment_id != moved.pk:
        locked.follow_up_appointment = moved
        save_with_history(
            locked,
            acting_user=acting_user,
            reason=f"follow-up moved to {moved.number}",
            fields=["follow_up_appointment"],
        )
    consultation.follow_up_appointment = moved
    return moved


def require_open_or_completed(consultation: Consultation) -> None:
    """A follow-up is booked during the visit or after it, never for a cancelled one."""
    if consultation.status == ConsultationStatus.CANCELLED:
        require_open(consultation, "booking a follow-up")
