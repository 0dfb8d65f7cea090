"""Diagnoses of a consultation: ICD-10 codes, exactly one of them primary once there are any."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from consultations.models import Consultation, ConsultationDiagnosis, DiagnosisCode
from consultations.services.common import lock_consultation, require_open, save_with_history


def _usable(code: DiagnosisCode) -> None:
    if not code.is_active:
        raise ValidationError({"code": [f"{code.code} is no longer in use; choose another code."]})
    if not code.is_assignable:
        raise ValidationError(
            {
                "code": [
                    f"{code.code} ({code.title}) is a {code.get_kind_display().lower()}; "
                    "choose a code within it."
                ]
            }
        )


def _demote_primary(consultation: Consultation, acting_user, keep=None) -> None:
    for other in ConsultationDiagnosis.objects.filter(consultation=consultation, is_primary=True).exclude(
        pk=keep
    ):
        other.is_primary = False
        save_with_history(other, acting_user=acting_user, reason="no longer primary", fields=["is_primary"])


@transaction.atomic
def diagnosis_add(
    *,
    acting_user,
    consultation: Consultation,
    code: DiagnosisCode,
    is_primary: bool | None = None,
    notes: str = "",
) -> ConsultationDiagnosis:
    """Add a diagnosis. The first one is primary unless said otherwise; making one primary makes
    the previous primary secondary. Adding a code already there updates it (a retry adds nothing)."""
    _usable(code)
    locked = lock_consultation(consultation)
    require_open(locked, "changing the diagnoses")
    existing = ConsultationDiagnosis.objects.filter(consultation=locked, code=code).first()
    has_primary = (
        ConsultationDiagnosis.objects.filter(consultation=locked, is_primary=True)
        .exclude(pk=getattr(existing, "pk", None))
        .exists()
    )
    if is_primary is None:
        is_primary = existing.is_primary if existing else not has_primary
    notes = (notes or "").strip()
    if is_primary:
        _demote_primary(locked, acting_user, keep=getattr(existing, "pk", None))
    if existing is not None:
        fields = [
            name
            for name, value in (("is_primary", is_primary), ("notes", notes))
            if getattr(existing, name) != value
        ]
        if fields:
            existing.is_primary, existing.notes = is_primary, notes
            save_with_history(existing, acting_user=acting_user, reason="changed", fields=fields)
        return existing
    diagnosis = ConsultationDiagnosis(
        consultation=locked,
        code=code,
        is_primary=is_primary,
        notes=notes,
        diagnosed_at=timezone.now(),
        diagnosed_by=acting_user,
    )
    save_with_history(diagnosis, acting_user=acting_user, reason="added")
    return diagnosis


@transaction.atomic
def diagnosis_remove(*, acting_user, diagnosis: ConsultationDiagnosis) -> None:
    """Remove a diagnosis; if it was primary, the earliest remaining one becomes primary."""
    locked = lock_consultation(diagnosis.consultation)
    require_open(locked, "changing the diagnoses")
    was_primary = diagnosis.is_primary
    diagnosis._history_user = acting_user
    diagnosis._change_reason = "removed"
    diagnosis.delete()
    if was_primary:
        successor = ConsultationDiagnosis.objects.filter(consultation=locked).order_by("diagnosed_at").first()
        if successor is not None:
            successor.is_primary = True
            save_with_history(successor, acting_user=acting_user, reason="now primary", fields=["is_primary"])
