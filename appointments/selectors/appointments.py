"""Reads of appointments for the API and pages: who may see which, lists, the day's queue, calendars."""

import datetime
import uuid

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from psycopg.types.range import Range

from appointments.clock import branch_today, day_bounds
from appointments.models import (
    ACTIVE_ALLOCATION_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentStatusHistory,
    ResourceAllocation,
)
from appointments.permissions import access_of
from clinic.models import Branch, Room, Staff

CLOSED = (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)


def appointment_base_queryset() -> QuerySet[Appointment]:
    """Appointments with everything a list row shows, in the same query (patient names decrypt
    with the patient's key, so the key comes along)."""
    return Appointment.objects.select_related(
        "patient",
        "patient__pii_key",
        "doctor",
        "branch",
        "room",
        "therapist",
        "service",
        "package",
        "appointment_type",
    )


def appointment_scope(user) -> Q | None:
    """Which appointments a user may see: None for all (superusers); front desk and admins their
    branches'; doctors and therapists their own. A Q that matches nothing for anyone else."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    access = access_of(user)
    scope = Q(pk__in=[])
    if access.in_group("Admin", "Front desk"):
        scope |= Q(branch_id__in=access.branch_ids or [])
    if access.staff_id is not None and access.in_group("Doctor", "Therapist/Nurse"):
        scope |= Q(doctor_id=access.staff_id) | Q(therapist_id=access.staff_id)
    return scope


def appointments_visible_to(user) -> QuerySet[Appointment]:
    scope = appointment_scope(user)
    qs = appointment_base_queryset()
    return qs if scope is None else qs.filter(scope)


def appointment_get_for_user(*, user, appointment_id: uuid.UUID, with_history: bool = True) -> Appointment:
    """One appointment the user may see, with its history and allocations; 404 otherwise (also for
    appointments of other branches, so their existence is not revealed)."""
    qs = appointments_visible_to(user)
    if with_history:
        qs = qs.prefetch_related(
            Prefetch(
                "status_history", queryset=AppointmentStatusHistory.objects.select_related("changed_by")
            ),
            Prefetch(
                "allocations",
                queryset=ResourceAllocation.objects.select_related("room", "staff").order_by("period"),
            ),
        ).select_related("parent_appointment", "rescheduled_from", "rescheduled_to")
    appointment = qs.filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("No such appointment.")
    return appointment


def appointment_list(
    *,
    user,
    branch_id=None,
    doctor_id=None,
    room_id=None,
    patient_id=None,
    status: list[str] | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    source: str | None = None,
) -> QuerySet[Appointment]:
    qs = appointments_visible_to(user)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if doctor_id:
        qs = qs.filter(doctor_id=doctor_id)
    if room_id:
        qs = qs.filter(room_id=room_id)
    if patient_id:
        qs = qs.filter(patient_id=patient_id)
    if status:
        qs = qs.filter(status__in=status)
    if source:
        qs = qs.filter(booking_source=source)
    if date_from:
        qs = qs.filter(appointment_date__gte=date_from)
    if date_to:
        qs = qs.filter(appointment_date__lte=date_to)
    return qs.order_by("starts_at", "number")


def appointment_list_for_day(
    *,
    user,
    branch: Branch,
    day: datetime.date | None = None,
    doctor: Staff | None = None,
    include_closed: bool = False,
) -> QuerySet[Appointment]:
    """The day's queue at a branch (today on the branch's clock unless told), in time order."""
    qs = appointments_visible_to(user).filter(branch=branch, appointment_date=day or branch_today(branch))
    if doctor is not None:
        qs = qs.filter(doctor=doctor)
    if not include_closed:
        qs = qs.exclude(status__in=CLOSED)
    return qs.order_by("starts_at", "number")


def appointment_calendar(
    *,
    user,
    start_date: datetime.date,
    end_date: datetime.date,
    branch: Branch | None = None,
    doctor: Staff | None = None,
    room: Room | None = None,
) -> tuple[QuerySet[Appointment], QuerySet[ResourceAllocation]]:
    """Appointments between two local dates (inclusive) by doctor, room or branch, with the
    blocks (meetings, time off) of that doctor or room. Two queries when evaluated."""
    qs = (
        appointments_visible_to(user)
        .filter(appointment_date__range=(start_date, end_date))
        .exclude(status__in=CLOSED)
    )
    blocks = ResourceAllocation.objects.filter(
        appointment__isnull=True, status__in=ACTIVE_ALLOCATION_STATUSES
    )
    if branch is not None:
        qs = qs.filter(branch=branch)
    if doctor is not None:
        qs = qs.filter(doctor=doctor)
        blocks = blocks.filter(staff=doctor)
    if room is not None:
        qs = qs.filter(Q(room=room))
        blocks = blocks.filter(room=room)
    if doctor is None and room is None:
        blocks = blocks.none()
    zone = (branch or (room.branch if room is not None else None) or _any_branch_of(doctor)).zone
    start, end = day_bounds(zone, start_date, (end_date - start_date).days + 1)
    blocks = (
        blocks.filter(period__overlap=Range(start, end)).select_related("staff", "room").order_by("period")
    )
    return qs.order_by("starts_at", "number"), blocks


def _any_branch_of(doctor: Staff | None) -> Branch:
    branch = doctor.branches.first() if doctor is not None else None
    if branch is None:
        raise ValueError("A calendar needs a branch, a doctor or a room.")
    return branch
