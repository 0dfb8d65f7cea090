"""Who may do what with appointments (named `can_*` checks), and the DRF permission classes built on them.

Front desk and admins book and act for anyone at their branches; doctors and therapists read their
own appointments and may start and complete them; the self-service endpoints accept only the
authenticated patient.
"""

import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Subquery
from rest_framework.permissions import BasePermission

from clinic.models import Branch, Patient, Staff

DESK_ROLES = ("Admin", "Front desk")
STAFF_ROLES = ("Admin", "Front desk", "Doctor", "Therapist/Nurse")


@dataclass(frozen=True)
class Access:
    """A user's role groups, branches (None: all) and staff record, read in one query."""

    groups: frozenset[str]
    branch_ids: list | None
    staff_id: uuid.UUID | None
    superuser: bool

    def in_group(self, *names: str) -> bool:
        return self.superuser or not self.groups.isdisjoint(names)


NOBODY = Access(frozenset(), [], None, False)


def access_of(user, *, refresh: bool = False) -> Access:
    """The same answers as clinic.permissions (in_group, branch_ids_for, staff_of), in one query and
    kept on the user object for the request (the permission classes refresh it at its start)."""
    if not user or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, "_appointments_access", None)
    if cached is not None and not refresh:
        return cached
    groups, branch_ids, staff_id = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            ArraySubquery(Group.objects.filter(user=OuterRef("pk")).values("name")),
            ArraySubquery(
                Staff.branches.through.objects.filter(staff__user=OuterRef("pk")).values("branch_id")
            ),
            Subquery(Staff.objects.filter(user=OuterRef("pk")).values("pk")[:1]),
        )
        .get()
    )
    access = Access(
        frozenset(groups), None if user.is_superuser else list(branch_ids), staff_id, user.is_superuser
    )
    user._appointments_access = access
    return access


def in_group(user, *names: str) -> bool:
    return access_of(user).in_group(*names)


def branch_ids_for(user) -> list | None:
    return access_of(user).branch_ids


def works_at(user, branch_id) -> bool:
    allowed = branch_ids_for(user)
    return allowed is None or branch_id in allowed


def can_book_at(user, branch: Branch) -> bool:
    return in_group(user, *DESK_ROLES) and works_at(user, branch.pk)


def can_manage(user, appointment) -> bool:
    """Approve, check in, cancel, reschedule, allocate, edit: the desk of the appointment's branch."""
    return can_book_at(user, appointment.branch)


def can_run_visit(user, appointment) -> bool:
    """Start and complete a visit: the desk, or the appointment's own doctor or therapist."""
    if can_manage(user, appointment):
        return True
    staff_id = access_of(user).staff_id
    return staff_id is not None and staff_id in (appointment.doctor_id, appointment.therapist_id)


def can_manage_schedules(user, branch: Branch) -> bool:
    return can_book_at(user, branch)


def portal_patient_of(user) -> Patient | None:
    """The patient a portal login belongs to. The portal's OTP login will set `user.portal_patient`;
    until it exists no user has one, so the self-service endpoints refuse everybody."""
    patient = getattr(user, "portal_patient", None) if user and user.is_authenticated else None
    if isinstance(patient, Patient) and not patient.is_deleted:
        return patient
    return None


class IsClinicStaff(BasePermission):
    message = "Only clinic staff can see the calendar."

    def has_permission(self, request, view):
        return access_of(request.user, refresh=True).in_group(*STAFF_ROLES)


class IsFrontDeskOrAdmin(BasePermission):
    message = "Only the front desk and administrators can do this."

    def has_permission(self, request, view):
        return access_of(request.user, refresh=True).in_group(*DESK_ROLES)


class IsPortalPatient(BasePermission):
    message = "Sign in to the patient portal to book."

    def has_permission(self, request, view):
        return portal_patient_of(request.user) is not None


class IsClinicStaffOrPortalPatient(BasePermission):
    message = "Sign in to see free times."

    def has_permission(self, request, view):
        return IsClinicStaff().has_permission(request, view) or IsPortalPatient().has_permission(
            request, view
        )
