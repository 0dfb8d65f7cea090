"""Reads of a patient's allergies and history. The API logs each read (emr.api); prescription checks
call `allergy_active_drug_list` and `medication_current_list` directly."""

import uuid

from django.db.models import QuerySet

from emr.models import AllergenType, AllergyStatus, ConditionType, PatientAllergy, PatientMedicalHistory


def allergy_list(*, patient_id: uuid.UUID, include_inactive: bool = False) -> QuerySet[PatientAllergy]:
    qs = PatientAllergy.objects.filter(patient_id=patient_id).select_related("recorded_by")
    if not include_inactive:
        qs = qs.filter(status=AllergyStatus.ACTIVE)
    return qs.order_by("status", "-recorded_at", "id")


def allergy_active_drug_list(*, patient_id: uuid.UUID) -> list[PatientAllergy]:
    return list(
        PatientAllergy.objects.filter(
            patient_id=patient_id, status=AllergyStatus.ACTIVE, allergen_type=AllergenType.DRUG
        ).order_by("recorded_at", "id")
    )


def medical_history_list(
    *, patient_id: uuid.UUID, current_only: bool = False
) -> QuerySet[PatientMedicalHistory]:
    qs = PatientMedicalHistory.objects.filter(patient_id=patient_id).select_related("recorded_by")
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.order_by("-is_current", "condition_type", "-recorded_at", "id")


def medication_current_list(*, patient_id: uuid.UUID) -> list[PatientMedicalHistory]:
    """Medicines the patient already takes (from elsewhere), for interaction checks."""
    return list(
        PatientMedicalHistory.objects.filter(
            patient_id=patient_id, condition_type=ConditionType.MEDICATION, is_current=True
        ).order_by("recorded_at", "id")
    )
