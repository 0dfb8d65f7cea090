"""Who may read and record a patient's history and allergies (named `can_*` checks).

A clinician sees the patients registered at their branches. A higher app that knows of other care
relationships (consultations: "this doctor is seeing this patient today at another branch") adds a
check with `register_care_relationship` in its AppConfig.ready; emr never imports it.
"""

from collections.abc import Callable

from clinic.models import Patient
from clinic.permissions import branch_ids_for, in_group

CLINICAL_ROLES = ("Doctor", "Therapist/Nurse")
ALLERGY_RECORDING_ROLES = (*CLINICAL_ROLES, "Front desk")

_care_relationships: list[Callable[..., bool]] = []


def register_care_relationship(check: Callable[..., bool]) -> None:
    """`check(user, patient_id) -> bool`: True when the user is caring for the patient right now."""
    if check not in _care_relationships:
        _care_relationships.append(check)


def _can_reach(user, patient: Patient) -> bool:
    allowed = branch_ids_for(user)
    if allowed is None or patient.registered_branch_id in allowed:
        return True
    return any(check(user, patient.pk) for check in _care_relationships)


def can_view_allergies(user, patient: Patient) -> bool:
    """Allergies are safety information: every clinician and the front desk of the patient's branch."""
    return in_group(user, *ALLERGY_RECORDING_ROLES) and _can_reach(user, patient)


def can_record_allergies(user, patient: Patient) -> bool:
    return in_group(user, *ALLERGY_RECORDING_ROLES) and _can_reach(user, patient)


def can_view_medical_history(user, patient: Patient) -> bool:
    return in_group(user, *CLINICAL_ROLES) and _can_reach(user, patient)


def can_record_medical_history(user, patient: Patient) -> bool:
    return in_group(user, *CLINICAL_ROLES) and _can_reach(user, patient)
