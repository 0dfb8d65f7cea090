"""The consultation workflow of seed 6.3, through one door for status changes.

    started ──> vitals_captured ──> in_examination ──> prescription_done ──> completed
       │  └───────────────────────────^ (vitals may be skipped)
       └──> cancelled (only before the examination: started by mistake)

Starting moves the checked-in appointment to in_progress; completing completes it, dispenses and
bills the in-house medicines of the finalized prescription, and returns a follow-up prompt. Every
change keeps a history row; refusals are 409s with a message and change nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from clinic.api_errors import Conflict
from clinic.models import Branch, Patient
from clinic.permissions import staff_of
from clinic.selectors.stock import branch_today
from clinic.services.sequences import number_next
from consultations import appointment_bridge
from consultations.models import (
    Consultation,
    ConsultationNote,
    ConsultationStatus,
    ConsultationType,
    NoteSource,
    Prescription,
    PrescriptionStatus,
)
from consultations.permissions import can_start_consultation, can_start_walk_in
from consultations.services.chips import doctor_chips_refresh
from consultations.services.common import NotYourConsultation, lock_consultation, save_with_history

S = ConsultationStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    S.STARTED: frozenset({S.VITALS_CAPTURED, S.IN_EXAMINATION, S.CANCELLED}),
    S.VITALS_CAPTURED: frozenset({S.IN_EXAMINATION, S.CANCELLED}),
    S.IN_EXAMINATION: frozenset({S.PRESCRIPTION_DONE}),
    S.PRESCRIPTION_DONE: frozenset({S.COMPLETED, S.IN_EXAMINATION}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
_NEXT_STEP = {
    S.STARTED: "record vitals or start the examination",
    S.VITALS_CAPTURED: "start the examination",
    S.IN_EXAMINATION: "finish the prescription",
    S.PRESCRIPTION_DONE: "complete the consultation",
}


class InvalidTransition(Conflict):
    code = "invalid_transition"


@dataclass
class TransitionResult:
    consultation: Consultation
    invoice_id: object = None
    follow_up_prompt: dict | None = None
    dispensed_items: list = field(default_factory=list)


def _illegal(consultation: Consultation, to_status: str) -> InvalidTransition:
    current = consultation.get_status_display().lower()
    target = S(to_status).label.lower()
    hint = f" Next: {_NEXT_STEP[consultation.status]}." if consultation.status in _NEXT_STEP else ""
    return InvalidTransition(
        f"Consultation {consultation.number} is {current}; it cannot move to '{target}'.{hint}",
        extra={"status": consultation.status, "allowed": sorted(TRANSITIONS[consultation.status])},
    )


def _live_consultation(appointment: Appointment) -> Consultation | None:
    return (
        Consultation.objects.filter(appointment=appointment)
        .exclude(status=S.CANCELLED)
        .select_related("patient", "doctor", "branch", "appointment")
        .first()
    )


@transaction.atomic
def consultation_start(
    *,
    acting_user,
    appointment: Appointment,
    consultation_type: str | None = None,
    voice_assisted: bool = False,
) -> Consultation:
    """Start the consultation of a checked-in appointment of this doctor; the appointment moves to
    in_progress. Starting again returns the consultation already started (a double tap is harmless)."""
    if not can_start_consultation(acting_user, appointment):
        doctor = appointment.doctor.display_name if appointment.doctor_id else "no doctor"
        raise NotYourConsultation(
            f"Appointment {appointment.number} is with {doctor}; only that doctor can start the consultation."
        )
    existing = _live_consultation(appointment)
    if existing is not None:
        return existing
    appointment.refresh_from_db(fields=["status"])
    if appointment.status not in (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_PROGRESS):
        hint = {
            AppointmentStatus.REQUESTED: "approve it and check the patient in first",
            AppointmentStatus.CONFIRMED: "check the patient in first",
        }.get(appointment.status, "it is over")
        raise Conflict(
            f"Appointment {appointment.number} is {appointment.get_status_display().lower()}; {hint}.",
            code="appointment_not_checked_in",
            extra={"appointment_status": appointment.status},
        )
    appointment = appointment_bridge.appointment_mark_in_progress(
        acting_user=acting_user, appointment=appointment
    )
    if consultation_type is None:
        consultation_type = (
            ConsultationType.FOLLOW_UP if appointment.is_follow_up else ConsultationType.INITIAL
        )
    consultation = Consultation(
        number=number_next(
            branch=appointment.branch, prefix="CON", year=branch_today(appointment.branch).year
        ),
        appointment=appointment,
        patient_id=appointment.patient_id,
        doctor_id=appointment.doctor_id,
        branch_id=appointment.branch_id,
        consultation_type=ConsultationType(consultation_type),
        status=S.STARTED,
        started_at=timezone.now(),
        voice_assisted=voice_assisted,
        created_by=acting_user,
    )
    try:
        with transaction.atomic():  # the partial unique index decides between two taps
            save_with_history(consultation, acting_user=acting_user, reason="started")
    except IntegrityError:
        existing = _live_consultation(appointment)
        if existing is None:
            raise
        return existing
    return consultation


@transaction.atomic
def consultation_start_walk_in(
    *,
    acting_user,
    patient: Patient,
    branch: Branch,
    consultation_type: str = ConsultationType.INITIAL,
    chief_complaint: str = "",
    now: datetime.datetime | None = None,
) -> Consultation:
    """A patient seen without a booking: the appointment is created (checked in) through the
    appointments services, then the consultation starts as usual."""
    if not can_start_walk_in(acting_user, branch):
        raise NotYourConsultation(f"Only a doctor working at {branch.name} can see a walk-in patient there.")
    appointment = appointment_bridge.appointment_create_walk_in(
        acting_user=acting_user,
        patient=patient,
        branch=branch,
        doctor=staff_of(acting_user),
        chief_complaint=chief_complaint,
        now=now,
    )
    return consultation_start(
        acting_user=acting_user, appointment=appointment, consultation_type=consultation_type
    )


def _require_transition(consultation: Consultation, to_status: str) -> None:
    if to_status not in TRANSITIONS[consultation.status]:
        raise _illegal(consultation, to_status)


def _draft_with_items(consultation: Consultation) -> Prescription | None:
    return (
        Prescription.objects.filter(
            consultation=consultation, status=PrescriptionStatus.DRAFT, items__isnull=False
        )
        .distinct()
        .first()
    )


def _check_prescription_done(consultation: Consultation) -> None:
    draft = _draft_with_items(consultation)
    if draft is not None:
        raise InvalidTransition(
            f"Prescription {draft.label} is still a draft; finalize it (or remove its medicines) first.",
            extra={"prescription_id": str(draft.pk)},
        )


def _settle_note(consultation: Consultation, acting_user, now: datetime.datetime) -> None:
    """An AI draft must be verified by the doctor; a note the doctor wrote is verified on completion."""
    note = ConsultationNote.objects.select_for_update().filter(consultation=consultation).first()
    if note is None or note.is_verified or not note.has_text():
        return
    if note.source == NoteSource.AI_DRAFT:
        raise InvalidTransition(
            "The notes came from an AI draft and have not been verified; review and verify them first.",
            code="note_not_verified",
        )
    note.verified_by, note.verified_at = acting_user, now
    save_with_history(
        note, acting_user=acting_user, reason="verified on completion", fields=["verified_by", "verified_at"]
    )


def follow_up_prompt(consultation: Consultation, prescription: Prescription | None) -> dict:
    """What the tablet asks after completing: book the follow-up the prescription mentions?"""
    suggested = prescription.follow_up_date if prescription else None
    if consultation.follow_up_appointment_id:
        return {"needed": False, "suggested_date": None, "message": "A follow-up is already booked."}
    message = f"Book the follow-up for {suggested:%d %b %Y}?" if suggested else "Book a follow-up visit?"
    return {"needed": True, "suggested_date": suggested, "message": message}


def _complete(consultation: Consultation, acting_user, now: datetime.datetime) -> TransitionResult:
    from consultations.services.prescriptions import prescription_dispense

    _settle_note(consultation, acting_user, now)
    prescription = (
        Prescription.objects.filter(consultation=consultation, status=PrescriptionStatus.FINALIZED)
        .order_by("-version")
        .first()
    )
    result = TransitionResult(consultation=consultation)
    if prescription is not None:
        dispensed = prescription_dispense(acting_user=acting_user, prescription=prescription)
        result.dispensed_items = dispensed.items
        result.invoice_id = dispensed.invoice.pk if dispensed.invoice else None
    appointment_bridge.appointment_mark_completed(
        acting_user=acting_user, appointment=consultation.appointment
    )
    consultation.refresh_from_db(fields=["invoice"])
    consultation.completed_at = now
    consultation.duration_minutes = max(0, int((now - consultation.started_at).total_seconds() // 60))
    result.follow_up_prompt = follow_up_prompt(consultation, prescription)
    result.invoice_id = result.invoice_id or consultation.invoice_id
    return result


@transaction.atomic
def consultation_transition(
    *,
    acting_user,
    consultation: Consultation,
    to_status: str,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> TransitionResult:
    """Move the consultation one step along the workflow. Moving to the status it already has
    changes nothing; a step off the diagram, or one whose preconditions are not met, is a 409."""
    now = now or timezone.now()
    to_status = S(to_status)
    locked = lock_consultation(consultation)
    if locked.status == to_status:
        return TransitionResult(consultation=locked)
    _require_transition(locked, to_status)
    old = locked.status
    fields = ["status"]
    result = TransitionResult(consultation=locked)
    if to_status == S.VITALS_CAPTURED and not hasattr(locked, "vitals"):
        raise InvalidTransition("Record at least one vital sign first.", code="vitals_missing")
    if to_status == S.PRESCRIPTION_DONE:
        _check_prescription_done(locked)
    if to_status == S.CANCELLED:
        reason = " ".join((reason or "").split())
        if not reason:
            raise InvalidTransition("Say why the consultation is being cancelled.", code="reason_required")
        locked.cancellation_reason = reason
        fields.append("cancellation_reason")
    if to_status == S.COMPLETED:
        result = _complete(locked, acting_user, now)
        fields += ["completed_at", "duration_minutes"]
    locked.status = to_status
    save_with_history(locked, acting_user=acting_user, reason=reason or f"{old} → {to_status}", fields=fields)
    if to_status == S.COMPLETED:
        doctor_chips_refresh(doctor_id=locked.doctor_id)  # this visit counts from now on
    if consultation is not locked:
        consultation.__dict__.update({k: v for k, v in locked.__dict__.items() if k != "_state"})
    return result


def consultation_advance_to(*, acting_user, consultation: Consultation, to_status: str) -> None:
    """Move forward to `to_status` if the consultation is at an earlier step that may go there
    (vitals saved while still 'started' -> 'vitals_captured'); otherwise leave it where it is."""
    if to_status in TRANSITIONS[consultation.status]:
        consultation_transition(acting_user=acting_user, consultation=consultation, to_status=to_status)
