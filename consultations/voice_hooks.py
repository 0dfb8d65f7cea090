"""What the voice app learns from consultations (decision 0019), registered in ConsultationsConfig.ready:
who may record and read a consultation's voice data, and which consultation a recording belongs to.

voice sits below consultations and knows a consultation only by its id; these functions answer its
questions with the consultation's own rules (consultations.permissions), so the voice console follows
the visit page: the consultation's doctor records; the care team (doctors and nurses of the branch)
reads; nobody starts a recording on a visit that is closed, of another patient or of another branch.
"""

import uuid

from consultations.models import OPEN_CONSULTATION_STATUSES, Consultation
from consultations.permissions import can_edit_consultation, can_view_consultation


def _consultation(consultation_id) -> Consultation | None:
    try:
        return Consultation.objects.filter(pk=consultation_id).first()
    except (ValueError, TypeError):  # not a UUID
        return None


def can_record(user, recording) -> bool:
    """Only the consultation's own doctor speaks into it, consents for it, withdraws or drafts.
    Not tied to the visit being open: withdrawing consent or deleting audio must stay possible
    after the visit was completed."""
    if not getattr(user, "is_authenticated", False):
        return False
    consultation = _consultation(recording.consultation_id)
    return consultation is not None and can_edit_consultation(user, consultation)


def can_view(user, recording) -> bool:
    """Whoever may read the visit (its doctor, the branch's doctors and nurses, superusers) may read
    its transcript and draft and listen to it."""
    if not getattr(user, "is_authenticated", False):
        return False
    consultation = _consultation(recording.consultation_id)
    return consultation is not None and can_view_consultation(user, consultation)


def can_start(user, *, branch_id, patient_id=None, consultation_id=None) -> bool:
    """The consultation's doctor, for that consultation's patient and branch. Whether the visit is
    still open is the resolver's answer (a closed visit is a 409, not a 403)."""
    if not getattr(user, "is_authenticated", False) or consultation_id is None:
        return False
    consultation = _consultation(consultation_id)
    return (
        consultation is not None
        and consultation.branch_id == branch_id
        and (patient_id is None or consultation.patient_id == patient_id)
        and can_edit_consultation(user, consultation)
    )


def resolve_consultation(consultation_id: uuid.UUID):
    """voice.hooks.ConsultationInfo for the id, or None for an unknown consultation."""
    from voice.hooks import ConsultationInfo

    row = (
        Consultation.objects.filter(pk=consultation_id)
        .values("patient_id", "branch_id", "doctor_id", "status", "number")
        .first()
    )
    if row is None:
        return None
    return ConsultationInfo(
        patient_id=row["patient_id"],
        branch_id=row["branch_id"],
        doctor_staff_id=row["doctor_id"],
        is_open=row["status"] in OPEN_CONSULTATION_STATUSES,
        number=row["number"],
    )


def register() -> None:
    """Fill voice's hooks. No identifier source is registered: the clinic holds no identifiers of a
    patient beyond the patient record (which voice already reads), and the consultation's doctor is
    the recording's own staff member."""
    from voice import hooks, permissions

    permissions.register(can_record=can_record, can_view=can_view, can_start=can_start)
    hooks.register_consultation_resolver(resolve_consultation)
