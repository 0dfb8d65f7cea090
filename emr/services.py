"""Every write of a patient's allergies and medical history. Each save keeps a history row (who, why)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from clinic.api_errors import ApplicationError, Conflict
from clinic.models import Patient
from emr.models import AllergenType, AllergyStatus, PatientAllergy, PatientMedicalHistory

ALLERGY_EDITABLE = (
    "allergen_name",
    "allergen_code",
    "drug_class",
    "reaction",
    "severity",
    "onset_date",
    "notes",
)
HISTORY_EDITABLE = (
    "condition_name",
    "condition_code",
    "onset_date",
    "resolution_date",
    "is_current",
    "severity",
    "notes",
)


class StaleEdit(Conflict):
    code = "stale"


def _text(value) -> str:
    return " ".join(str(value or "").split())


def _require_live(patient: Patient) -> None:
    if patient.is_deleted:
        raise ApplicationError(f"Patient {patient.mrn}'s record is closed.", code="patient_deleted")


def _not_in_future(value: datetime.date | None, field: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: ["The date cannot be in the future."]})


def _check_fresh(row, expected_updated_at: datetime.datetime | None, what: str) -> None:
    """Optimistic concurrency for save-as-you-go clients: refuse an edit based on an old copy."""
    if expected_updated_at is not None and row.updated_at != expected_updated_at:
        raise StaleEdit(
            f"This {what} was changed by someone else since you opened it; reload to see their change.",
            extra={"updated_at": row.updated_at.isoformat()},
        )


def _save(row, *, acting_user, reason: str, fields: list[str] | None = None) -> None:
    row.updated_by = acting_user
    row._history_user = acting_user
    row._change_reason = reason[:100]
    if fields is None:
        row.save(force_insert=True)
    else:
        row.save(update_fields=[*fields, "updated_by", "updated_at"])


def _same_active_allergy(patient: Patient, allergen_type: str, allergen_name: str):
    return (
        PatientAllergy.objects.annotate(name_lower=Lower("allergen_name"))
        .filter(
            patient=patient,
            allergen_type=allergen_type,
            name_lower=allergen_name.lower(),
            status=AllergyStatus.ACTIVE,
        )
        .first()
    )


@transaction.atomic
def allergy_record(
    *,
    acting_user,
    patient: Patient,
    allergen_type: str,
    allergen_name: str,
    drug_class: str = "",
    reaction: str = "",
    severity: str = "moderate",
    onset_date: datetime.date | None = None,
    notes: str = "",
    allergen_code: str = "",
) -> PatientAllergy:
    """Add an active allergy. Recording one that is already active returns the existing row
    unchanged, so a retried request adds nothing twice."""
    _require_live(patient)
    allergen_name = _text(allergen_name)
    drug_class = _text(drug_class).lower()
    if not allergen_name:
        raise ValidationError({"allergen_name": ["Name what the patient is allergic to."]})
    if allergen_type == AllergenType.DRUG:
        allergen_name = allergen_name.lower()
    elif drug_class:
        raise ValidationError({"drug_class": ["Only a drug allergy has a drug class."]})
    _not_in_future(onset_date, "onset_date")
    existing = _same_active_allergy(patient, allergen_type, allergen_name)
    if existing:
        return existing
    allergy = PatientAllergy(
        patient=patient,
        allergen_type=allergen_type,
        allergen_name=allergen_name,
        allergen_code=_text(allergen_code),
        drug_class=drug_class,
        reaction=_text(reaction),
        severity=severity,
        onset_date=onset_date,
        notes=(notes or "").strip(),
        recorded_by=acting_user,
        created_by=acting_user,
    )
    allergy.full_clean(exclude=["patient"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():  # the partial unique index decides a race between two taps
            _save(allergy, acting_user=acting_user, reason="recorded")
    except IntegrityError:
        existing = _same_active_allergy(patient, allergen_type, allergen_name)
        if existing is None:
            raise
        return existing
    return allergy


def _lock(model, row):
    return model.objects.select_for_update().get(pk=row.pk)


def _apply(row, data: dict[str, Any], editable: tuple[str, ...]) -> list[str]:
    unknown = sorted(set(data) - set(editable))
    if unknown:
        raise ValidationError({name: ["This field cannot be changed here."] for name in unknown})
    changed = []
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip() if name == "notes" else _text(value)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def allergy_update(
    *, acting_user, allergy: PatientAllergy, data: dict[str, Any], expected_updated_at=None
) -> PatientAllergy:
    """Correct an allergy's details. Saving the same values again changes nothing."""
    locked = _lock(PatientAllergy, allergy)
    _check_fresh(locked, expected_updated_at, "allergy")
    if "drug_class" in data:
        data = {**data, "drug_class": _text(data["drug_class"]).lower()}
    if locked.allergen_type == AllergenType.DRUG and "allergen_name" in data:
        data = {**data, "allergen_name": _text(data["allergen_name"]).lower()}
    changed = _apply(locked, data, ALLERGY_EDITABLE)
    if not changed:
        return locked
    _not_in_future(locked.onset_date, "onset_date")
    if not locked.allergen_name:
        raise ValidationError({"allergen_name": ["Name what the patient is allergic to."]})
    locked.full_clean(exclude=["patient"], validate_unique=False)
    _save(locked, acting_user=acting_user, reason=f"changed {', '.join(changed)}", fields=changed)
    return locked


@transaction.atomic
def allergy_set_status(*, acting_user, allergy: PatientAllergy, status: str, reason: str) -> PatientAllergy:
    """Mark an allergy inactive (outgrown, disproved by challenge) or active again; a reason is kept."""
    if status not in AllergyStatus.values:
        raise ValidationError({"status": [f"Status must be one of {', '.join(AllergyStatus.values)}."]})
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": ["Say why the allergy's status is changing."]})
    locked = _lock(PatientAllergy, allergy)
    if locked.status == status:
        return locked
    if status == AllergyStatus.ACTIVE and _same_active_allergy(
        locked.patient, locked.allergen_type, locked.allergen_name
    ):
        raise Conflict(f"{locked.allergen_name} is already an active allergy of this patient.")
    locked.status = status
    _save(locked, acting_user=acting_user, reason=f"{status}: {reason}", fields=["status"])
    return locked


@transaction.atomic
def medical_history_record(
    *,
    acting_user,
    patient: Patient,
    condition_type: str,
    condition_name: str,
    condition_code: str = "",
    onset_date: datetime.date | None = None,
    resolution_date: datetime.date | None = None,
    is_current: bool = True,
    severity: str = "",
    notes: str = "",
    source: str = "self_reported",
) -> PatientMedicalHistory:
    """Add one history entry (a chronic condition, a surgery, a medicine the patient takes ...)."""
    _require_live(patient)
    condition_name = _text(condition_name)
    if not condition_name:
        raise ValidationError({"condition_name": ["Name the condition, surgery or medicine."]})
    _not_in_future(onset_date, "onset_date")
    _not_in_future(resolution_date, "resolution_date")
    entry = PatientMedicalHistory(
        patient=patient,
        condition_type=condition_type,
        condition_name=condition_name,
        condition_code=_text(condition_code).upper(),
        onset_date=onset_date,
        resolution_date=resolution_date,
        is_current=is_current and resolution_date is None,
        severity=severity or "",
        notes=(notes or "").strip(),
        source=source,
        recorded_by=acting_user,
        created_by=acting_user,
    )
    entry.full_clean(exclude=["patient"], validate_unique=False)
    _save(entry, acting_user=acting_user, reason="recorded")
    return entry


@transaction.atomic
def medical_history_update(
    *, acting_user, entry: PatientMedicalHistory, data: dict[str, Any], expected_updated_at=None
) -> PatientMedicalHistory:
    locked = _lock(PatientMedicalHistory, entry)
    _check_fresh(locked, expected_updated_at, "history entry")
    if "condition_code" in data:
        data = {**data, "condition_code": _text(data["condition_code"]).upper()}
    changed = _apply(locked, data, HISTORY_EDITABLE)
    if not changed:
        return locked
    _not_in_future(locked.onset_date, "onset_date")
    _not_in_future(locked.resolution_date, "resolution_date")
    if locked.resolution_date and locked.is_current:
        locked.is_current = False
        changed.append("is_current")
    if not locked.condition_name:
        raise ValidationError({"condition_name": ["Name the condition, surgery or medicine."]})
    locked.full_clean(exclude=["patient"], validate_unique=False)
    _save(locked, acting_user=acting_user, reason=f"changed {', '.join(changed)}", fields=changed)
    return locked
