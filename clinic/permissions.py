"""Named permission checks (CARE-style `can_*`), and DRF permission classes built from them."""

from rest_framework.permissions import BasePermission

from clinic.models import StaffType

ROLE_GROUPS = {
    "Admin": StaffType.ADMIN,
    "Front desk": StaffType.FRONT_DESK,
    "Doctor": StaffType.DOCTOR,
    "Therapist/Nurse": StaffType.THERAPIST,
}


def staff_of(user):
    return getattr(user, "staff", None) if user and user.is_authenticated else None


def branch_ids_for(user) -> list | None:
    """The branches a user may see; None means all (superusers)."""
    if user.is_superuser:
        return None
    staff = staff_of(user)
    if staff is None:
        return []
    return list(staff.branches.values_list("id", flat=True))


def in_group(user, *names: str) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name__in=names).exists())


def can_manage_patients(user) -> bool:
    return in_group(user, "Admin", "Front desk", "Doctor", "Therapist/Nurse")


def can_register_patients(user) -> bool:
    return in_group(user, "Admin", "Front desk")


class CanManagePatients(BasePermission):
    message = "Only clinic staff can look up patients."

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can_manage_patients(request.user)
        return can_register_patients(request.user)
