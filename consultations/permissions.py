"""Who may do what with a consultation and its prescriptions (named `can_*` checks).

Reading: the consultation's doctor, and the doctors and nurses of its branch (the care team).
Changing: only the consultation's doctor; nurses of the branch may record vitals. The front desk
of the branch sees prescriptions (to dispense them), never notes. Callers use the doors in
consultations.selectors, which ask these checks and write the access log.
"""

from appointments.models import Appointment
from clinic.models import Branch, StaffType
from clinic.permissions import branch_ids_for, in_group, staff_of
from consultations.models import OPEN_CONSULTATION_STATUSES, Consultation, Prescription


def _in_branch(user, branch_id) -> bool:
    allowed = branch_ids_for(user)
    return allowed is None or branch_id in allowed


def _is_doctor_of(user, consultation: Consultation) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.pk == consultation.doctor_id


def is_seeing_patient(user, patient_id) -> bool:
    """The user is the doctor of an open consultation of this patient (any branch)."""
    staff = staff_of(user)
    return (
        staff is not None
        and Consultation.objects.filter(
            patient_id=patient_id, doctor_id=staff.pk, status__in=OPEN_CONSULTATION_STATUSES
        ).exists()
    )


def can_view_consultation(user, consultation: Consultation) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or _is_doctor_of(user, consultation):
        return True
    return in_group(user, "Doctor", "Therapist/Nurse") and _in_branch(user, consultation.branch_id)


def can_edit_consultation(user, consultation: Consultation) -> bool:
    return user.is_authenticated and _is_doctor_of(user, consultation)


def can_record_vitals(user, consultation: Consultation) -> bool:
    if can_edit_consultation(user, consultation):
        return True
    return in_group(user, "Therapist/Nurse") and _in_branch(user, consultation.branch_id)


def can_view_prescription(user, prescription: Prescription) -> bool:
    if can_view_consultation(user, prescription.consultation):
        return True
    return in_group(user, "Front desk") and _in_branch(user, prescription.branch_id)


def can_edit_prescription(user, prescription: Prescription) -> bool:
    return can_edit_consultation(user, prescription.consultation)


def can_dispense_prescription(user, prescription: Prescription) -> bool:
    if can_edit_consultation(user, prescription.consultation):
        return True
    return in_group(user, "Front desk") and _in_branch(user, prescription.branch_id)


def can_start_consultation(user, appointment: Appointment) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.staff_type == StaffType.DOCTOR and staff.pk == appointment.doctor_id


def can_start_walk_in(user, branch: Branch) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.staff_type == StaffType.DOCTOR and _in_branch(user, branch.pk)
