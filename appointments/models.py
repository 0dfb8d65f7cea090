"""Schedules, generated slots, appointments and their resource allocations (seed 4.2, 4.8.2).

No double booking by construction (decision 3): every use of a doctor, therapist, nurse or room
for a time range is a ResourceAllocation row, and PostgreSQL exclusion constraints forbid two
active rows of one resource whose periods overlap. Several patients may share one doctor slot
(capacity > 1): their doctor allocations carry the slot as `share_key`, which lets exactly those
rows overlap, while AppointmentSlot.current_bookings (locked, with a CHECK) caps how many.
"""

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import Branch, Package, Patient, Room, RoomType, Service, Staff, Weekday
from clinic.models.base import TimeStampedModel

ACTIVE_ALLOCATION_STATUSES = ("reserved", "confirmed", "in_use")


class AppointmentType(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    default_duration_minutes = models.PositiveSmallIntegerField(default=30)
    requires_doctor = models.BooleanField(default=True)
    allow_self_booking = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class SlotLength(models.IntegerChoices):
    MIN_15 = 15, "15 minutes"
    MIN_30 = 30, "30 minutes"
    MIN_45 = 45, "45 minutes"
    MIN_60 = 60, "60 minutes"


class DoctorSchedule(TimeStampedModel):
    """A doctor's weekly template at one branch: local wall-clock times in the branch's zone."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="schedules")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="doctor_schedules")
    day_of_week = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_duration_minutes = models.PositiveSmallIntegerField(
        choices=SlotLength.choices, default=SlotLength.MIN_30
    )
    max_patients_per_slot = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["staff__first_name", "day_of_week", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "branch", "day_of_week"], name="one_schedule_per_doctor_branch_day"
            ),
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")),
                name="schedule_starts_before_it_ends",
                violation_error_message="The schedule must end after it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(max_patients_per_slot__gte=1), name="schedule_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.staff} · {self.get_day_of_week_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
        )


class ScheduleBreak(models.Model):
    schedule = models.ForeignKey(DoctorSchedule, on_delete=models.CASCADE, related_name="breaks")
    start_time = models.TimeField()
    end_time = models.TimeField()
    label = models.CharField(max_length=50, default="Lunch")

    class Meta:
        ordering = ["start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")),
                name="break_starts_before_it_ends",
                violation_error_message="A break must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class StaffLeave(TimeStampedModel):
    """A doctor's or therapist's leave; with no branch it applies at every branch.

    Wall-clock times in the branch's zone: from `start_time` on the first day (none: its start) to
    `end_time` on the last day (none: its end), so "Tuesday 2 pm to Thursday noon" is one row.
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="leaves")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    start_date = models.DateField()
    end_date = models.DateField()
    start_time = models.TimeField(null=True, blank=True, help_text="Empty: from the start of the first day.")
    end_time = models.TimeField(null=True, blank=True, help_text="Empty: to the end of the last day.")
    reason = models.CharField(max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("end_date")),
                name="leave_starts_before_it_ends",
                violation_error_message="Leave must end on or after its first day.",
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__lt=models.F("end_date"))
                | models.Q(start_time__isnull=True)
                | models.Q(end_time__isnull=True)
                | models.Q(start_time__lt=models.F("end_time")),
                name="leave_times_in_order",
                violation_error_message="Leave must end after it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} on leave {self.start_date} to {self.end_date}"

    @property
    def is_whole_days(self) -> bool:
        return self.start_time is None and self.end_time is None

    def window(self, zone) -> tuple[datetime.datetime, datetime.datetime]:
        """The leave as aware instants in `zone` (a branch's): [start, end)."""
        start = datetime.datetime.combine(self.start_date, self.start_time or datetime.time(0), tzinfo=zone)
        if self.end_time is None:
            end = datetime.datetime.combine(
                self.end_date + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
            )
        else:
            end = datetime.datetime.combine(self.end_date, self.end_time, tzinfo=zone)
        return start, end


class Holiday(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["branch", "date"], name="one_holiday_per_branch_day")]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class AppointmentSlot(models.Model):
    """A generated bookable slot of a doctor. Its period is also stored in UTC for overlap queries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="slots")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="slots")
    schedule = models.ForeignKey(
        DoctorSchedule, null=True, blank=True, on_delete=models.SET_NULL, related_name="slots"
    )
    slot_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    max_bookings = models.PositiveSmallIntegerField(default=1)
    current_bookings = models.PositiveSmallIntegerField(default=0)
    is_blocked = models.BooleanField(default=False)
    block_reason = models.CharField(max_length=255, blank=True)
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    blocked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot_date", "start_time"]
        indexes = [models.Index(fields=["branch", "slot_date", "staff"])]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "branch", "slot_date", "start_time"], name="one_slot_per_start"
            ),
            models.CheckConstraint(
                condition=models.Q(current_bookings__lte=models.F("max_bookings")),
                name="slot_not_overbooked",
                violation_error_message="This slot is full.",
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="slot_has_length"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.slot_date} {self.start_time:%H:%M}"

    @property
    def is_full(self) -> bool:
        return self.current_bookings >= self.max_bookings


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    IN_PROGRESS = "in_progress", "In consultation"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"


ACTIVE_APPOINTMENT_STATUSES = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.IN_PROGRESS,
)


class BookingSource(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    SELF_SERVICE = "self_service", "Self-service"
    WHATSAPP = "whatsapp", "WhatsApp"
    PHONE = "phone", "Phone"
    WALK_IN = "walk_in", "Walk-in"


class Priority(models.TextChoices):
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


class AllocationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ALLOCATED = "allocated", "Allocated"
    NOT_NEEDED = "not_needed", "Not needed"


class Appointment(TimeStampedModel):
    """Seed 4.2 appointments with the 4.8.2 resource additions. Times: UTC instants plus the
    branch-local date and wall-clock times the clinic talks about."""

    number = models.CharField(max_length=30, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    doctor = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(
        AppointmentSlot, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )

    appointment_date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    actual_start_time = models.DateTimeField(null=True, blank=True)
    actual_end_time = models.DateTimeField(null=True, blank=True)

    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.REQUESTED
    )
    booking_source = models.CharField(
        max_length=20, choices=BookingSource.choices, default=BookingSource.FRONT_DESK
    )
    chief_complaint = models.TextField(blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)

    parent_appointment = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    is_follow_up = models.BooleanField(default=False)
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )

    patient_notes = models.TextField(blank=True)
    internal_notes = models.TextField(blank=True)
    cancellation_reason = models.TextField(blank=True)

    reminder_sent = models.BooleanField(default=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_in_at = models.DateTimeField(null=True, blank=True)

    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    therapist = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="therapy_appointments"
    )
    resource_allocation_status = models.CharField(
        max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.PENDING
    )
    requires_approval = models.BooleanField(default=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_fully_paid = models.BooleanField(
        default=False, help_text="Paid in full through self-service (auto-approval)."
    )

    history = HistoricalRecords(excluded_fields=["chief_complaint", "patient_notes", "internal_notes"])

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["branch", "appointment_date", "status"]),
            models.Index(fields=["doctor", "appointment_date"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="appointment_ends_after_start",
                violation_error_message="An appointment must end after it starts.",
            ),
            models.CheckConstraint(
                condition=~(models.Q(service__isnull=False) & models.Q(package__isnull=False)),
                name="appointment_service_or_package",
                violation_error_message="Book a service or a package, not both.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_follow_up=False) | models.Q(parent_appointment__isnull=False),
                name="follow_up_has_parent",
                violation_error_message="A follow-up must point at the appointment it follows.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AppointmentStatusHistory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="status_history")
    old_status = models.CharField(max_length=20, choices=AppointmentStatus.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=AppointmentStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change_reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at"]
        verbose_name_plural = "appointment status history"

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.old_status or '—'} → {self.new_status}"


class ResourceType(models.TextChoices):
    ROOM = "room", "Room"
    DOCTOR = "doctor", "Doctor"
    THERAPIST = "therapist", "Therapist"
    NURSE = "nurse", "Nurse"


class ResourceAllocation(models.Model):
    """Seed 4.8.2 appointment_resources, also used for blocks (meetings, maintenance) with no
    appointment. `period` includes preparation, cleanup and the room's buffer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.CASCADE, related_name="allocations"
    )
    resource_type = models.CharField(max_length=20, choices=ResourceType.choices)
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    period = DateTimeRangeField()
    share_key = models.UUIDField(
        help_text="Rows with the same key may overlap (patients sharing one slot); "
        "by default the row's own id."
    )
    status = models.CharField(
        max_length=20,
        choices=[
            (s, s.replace("_", " ").capitalize())
            for s in (*ACTIVE_ALLOCATION_STATUSES, "completed", "cancelled")
        ],
        default="reserved",
    )
    block_reason = models.CharField(max_length=255, blank=True)
    allocated_at = models.DateTimeField(auto_now_add=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["appointment"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(resource_type="room", room__isnull=False, staff__isnull=True))
                | (
                    models.Q(
                        resource_type__in=["doctor", "therapist", "nurse"],
                        staff__isnull=False,
                        room__isnull=True,
                    )
                ),
                name="allocation_names_its_resource",
            ),
            ExclusionConstraint(
                name="no_double_booking_of_staff",
                expressions=[
                    ("staff", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                    ("share_key", RangeOperators.NOT_EQUAL),
                ],
                condition=models.Q(status__in=ACTIVE_ALLOCATION_STATUSES, staff__isnull=False),
                violation_error_message="This person is already booked at that time.",
            ),
            ExclusionConstraint(
                name="no_double_booking_of_rooms",
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                    ("share_key", RangeOperators.NOT_EQUAL),
                ],
                condition=models.Q(status__in=ACTIVE_ALLOCATION_STATUSES, room__isnull=False),
                violation_error_message="This room is already booked at that time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.room or self.staff} {self.period}"


class ServiceResourceRequirement(models.Model):
    """Seed 4.8.2: what a service or package needs besides the doctor's slot."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.OneToOneField(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="requirement"
    )
    package = models.OneToOneField(
        Package, null=True, blank=True, on_delete=models.CASCADE, related_name="requirement"
    )
    requires_room = models.BooleanField(default=False)
    room_type = models.CharField(max_length=30, choices=RoomType.choices, blank=True)
    requires_doctor = models.BooleanField(default=True)
    requires_therapist = models.BooleanField(default=False)
    requires_nurse = models.BooleanField(default=False)
    staff_count = models.PositiveSmallIntegerField(default=1)
    preparation_time_minutes = models.PositiveSmallIntegerField(default=0)
    cleanup_time_minutes = models.PositiveSmallIntegerField(default=0)
    special_requirements = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(service__isnull=False, package__isnull=True))
                | (models.Q(service__isnull=True, package__isnull=False)),
                name="requirement_for_service_or_package",
            ),
            models.CheckConstraint(
                condition=models.Q(requires_room=False) | ~models.Q(room_type=""),
                name="room_requirement_names_a_type",
                violation_error_message="Choose the room type the service needs.",
            ),
        ]

    def __str__(self) -> str:
        return f"Requirements of {self.service or self.package}"


class IdempotencyKey(models.Model):
    """A booking request's Idempotency-Key and the first reply, replayed for retries (kept 24 h+)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
