"""Reads of doctors' weekly schedules."""

from django.db.models import QuerySet

from appointments.models import DoctorSchedule


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
