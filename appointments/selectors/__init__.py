"""Every non-trivial read of the appointments app (STYLE.md 3)."""

from appointments.selectors.appointments import (
    appointment_base_queryset,
    appointment_calendar,
    appointment_get_for_user,
    appointment_list,
    appointment_list_for_day,
    appointments_visible_to,
)
from appointments.selectors.availability import (
    BookingNeed,
    StartOption,
    booking_need,
    branch_availability,
    doctor_free_slots,
    nearest_alternatives,
    rooms_available,
    therapists_available,
)
from appointments.selectors.schedules import doctor_schedule_list, holiday_list, staff_leave_list

__all__ = [
    "BookingNeed",
    "StartOption",
    "appointment_base_queryset",
    "appointment_calendar",
    "appointment_get_for_user",
    "appointment_list",
    "appointment_list_for_day",
    "appointments_visible_to",
    "booking_need",
    "branch_availability",
    "doctor_free_slots",
    "doctor_schedule_list",
    "holiday_list",
    "nearest_alternatives",
    "rooms_available",
    "staff_leave_list",
    "therapists_available",
]
