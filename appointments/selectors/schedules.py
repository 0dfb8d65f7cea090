"""Reads of doctors' weekly schedules, and of the appointments a leave or holiday falls on."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from appointments.models import ACTIVE_APPOINTMENT_STATUSES, Appointment, DoctorSchedule, Holiday, StaffLeave
from appointments.selectors.appointments import appointment_base_queryset
from clinic.models import Branch


def doctor_schedule_list(
    *, branch_ids: list | None, staff_id=None, branch_id=None
) -> QuerySet[DoctorSchedule]:
    """Schedules (with their breaks) at the given branches (None: all), by doctor and/or branch."""
    qs = DoctorSchedule.objects.select_related("staff", "branch").prefetch_related("breaks")
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    return qs.order_by("staff__first_name", "staff__last_name", "branch__name", "day_of_week")


def leave_window_q(leave: StaffLeave, branches: list[Branch]) -> Q:
    """Appointments of the person on leave whose time falls (partly) inside it, at the branches it
    covers; the window is wall-clock, so each branch's zone turns it into instants."""
    match = Q()
    for branch in branches:
        if leave.branch_id not in (None, branch.pk):
            continue
        start, end = leave.window(branch.zone)
        match |= Q(branch_id=branch.pk, starts_at__lt=end, ends_at__gt=start)
    if not match:
        return Q(pk__in=[])
    return match & (Q(doctor_id=leave.staff_id) | Q(therapist_id=leave.staff_id))


def holiday_window_q(holiday: Holiday, branch: Branch) -> Q:
    start, end = holiday_window(holiday, branch)
    return Q(branch_id=branch.pk, starts_at__lt=end, ends_at__gt=start)


def holiday_window(holiday: Holiday, branch: Branch) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(holiday.date, datetime.time(0), tzinfo=branch.zone)
    day_after = holiday.date + datetime.timedelta(days=1)
    return start, datetime.datetime.combine(day_after, datetime.time(0), tzinfo=branch.zone)


def affected_appointments(match: Q, *, now: datetime.datetime | None = None) -> QuerySet[Appointment]:
    """Active appointments (not yet over) matching a leave's or holiday's window: the ones the desk
    must move or cancel. One query, with what the list shows."""
    now = now or timezone.now()
    return (
        appointment_base_queryset()
        .filter(match, status__in=ACTIVE_APPOINTMENT_STATUSES, ends_at__gt=now)
        .order_by("starts_at")
    )


def staff_leave_list(*, branch_ids: list | None, staff_id=None, today: datetime.date | None = None):
    """Leave not yet over of the staff of the given branches (None: all): at one of them or everywhere."""
    today = today or timezone.localdate()
    qs = StaffLeave.objects.filter(end_date__gte=today).select_related("staff", "branch")
    if branch_ids is not None:
        qs = qs.filter(Q(branch_id__in=branch_ids) | Q(branch__isnull=True, staff__branches__in=branch_ids))
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    return qs.distinct().order_by("start_date", "start_time")


def holiday_list(*, branch_ids: list | None, today: datetime.date | None = None):
    today = today or timezone.localdate()
    qs = Holiday.objects.filter(date__gte=today).select_related("branch")
    if branch_ids is not None:
        qs = qs.filter(branch_id__in=branch_ids)
    return qs.order_by("date", "branch__name")
