"""Every write of the appointments app (STYLE.md 1). Import from here or from the module."""

from appointments.services.absences import (
    AbsenceOutcome,
    holiday_cancel,
    holiday_record,
    staff_leave_cancel,
    staff_leave_record,
    staff_leave_update,
)
from appointments.services.blocks import resource_block, resource_block_lift
from appointments.services.booking import (
    appointment_allocate_resources,
    appointment_book,
    appointment_reschedule,
    appointment_update,
    appointment_walk_in,
)
from appointments.services.idempotency import idempotency_keys_purge, idempotent_reply
from appointments.services.schedules import (
    doctor_schedule_create,
    doctor_schedule_delete,
    doctor_schedule_update,
)
from appointments.services.slots import slot_block, slot_generate, slot_regenerate, slot_unblock
from appointments.services.workflow import (
    appointment_approve,
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
    appointment_start,
    appointment_transition,
    appointments_mark_no_shows,
)

__all__ = [
    "AbsenceOutcome",
    "appointment_allocate_resources",
    "appointment_approve",
    "appointment_book",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_complete",
    "appointment_mark_no_show",
    "appointment_reschedule",
    "appointment_start",
    "appointment_transition",
    "appointment_update",
    "appointment_walk_in",
    "appointments_mark_no_shows",
    "doctor_schedule_create",
    "doctor_schedule_delete",
    "doctor_schedule_update",
    "holiday_cancel",
    "holiday_record",
    "idempotency_keys_purge",
    "idempotent_reply",
    "resource_block",
    "resource_block_lift",
    "slot_block",
    "slot_generate",
    "slot_regenerate",
    "slot_unblock",
    "staff_leave_cancel",
    "staff_leave_record",
    "staff_leave_update",
]
