import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models.base import SoftDeleteModel, TimeStampedModel

gstin_validator = RegexValidator(
    r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$", "Enter a 15-character GSTIN, e.g. 29ABCDE1234F1Z5."
)
pin_code_validator = RegexValidator(r"^[1-9][0-9]{5}$", "Enter a 6-digit PIN code.")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Asia/Kolkata).")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Hospital(TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(TimeStampedModel):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="branches")
    code = models.CharField(
        max_length=10, unique=True, help_text="Short code used in numbers such as APT-BLR-2026-00001."
    )
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100)
    pin_code = models.CharField(max_length=6, validators=[pin_code_validator])
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    gstin = models.CharField("GSTIN", max_length=15, blank=True, validators=[gstin_validator])
    time_zone = models.CharField(max_length=64, default="Asia/Kolkata", validators=[validate_time_zone])
    opens_at = models.TimeField(default="09:00")
    closes_at = models.TimeField(default="20:00")
    working_days = ArrayField(
        models.PositiveSmallIntegerField(choices=Weekday.choices),
        default=list,
        blank=True,
        help_text="Days open (0 = Monday ... 6 = Sunday).",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["hospital__name", "name"]
        verbose_name_plural = "branches"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="branch_opens_before_closes"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class StaffType(models.TextChoices):
    DOCTOR = "doctor", "Doctor"
    THERAPIST = "therapist", "Therapist"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    ADMIN = "admin", "Administrator"


class Staff(TimeStampedModel, SoftDeleteModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="staff")
    branches = models.ManyToManyField(Branch, related_name="staff", blank=True)
    staff_type = models.CharField(max_length=20, choices=StaffType.choices)
    title = models.CharField(max_length=10, blank=True, help_text="Dr., Ms., ...")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    specialization = models.CharField(max_length=100, blank=True)
    qualifications = models.CharField(max_length=200, blank=True, help_text="e.g. MBBS, MD (Dermatology)")
    registration_number = models.CharField(
        max_length=50, blank=True, help_text="Medical council registration."
    )
    registration_council = models.CharField(max_length=100, blank=True)
    signature = models.ImageField(upload_to="signatures/", blank=True, help_text="Printed on prescriptions.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["signature"])

    class Meta:
        ordering = ["first_name", "last_name"]
        verbose_name_plural = "staff"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(staff_type="doctor") | ~models.Q(registration_number=""),
                name="doctor_has_registration_number",
                violation_error_message="A doctor needs a medical registration number.",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


class RoomType(models.TextChoices):
    PROCEDURE = "procedure", "Procedure room"
    OT = "ot", "Operation theatre"
    CONSULTATION = "consultation", "Consultation room"
    TREATMENT = "treatment", "Treatment room"
    LASER = "laser", "Laser room"
    RECOVERY = "recovery", "Recovery room"


class Room(TimeStampedModel, SoftDeleteModel):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="rooms")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="rooms")
    room_code = models.CharField(max_length=20)
    room_name = models.CharField(max_length=100)
    room_type = models.CharField(max_length=30, choices=RoomType.choices)
    capacity = models.PositiveSmallIntegerField(default=1)
    features = models.JSONField(default=dict, blank=True, help_text='e.g. {"has_ac": true, "has_sink": true}')
    default_slot_duration_minutes = models.PositiveSmallIntegerField(default=30)
    buffer_minutes = models.PositiveSmallIntegerField(default=10, help_text="Cleanup time between bookings.")
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["branch__name", "display_order", "room_code"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "room_code"], name="room_code_unique_per_branch"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.room_name} ({self.room_code})"


class NumberSequence(models.Model):
    """Per-branch, per-year counters behind APT-/CON-/RX-/INV- numbers (decision 9)."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "prefix", "year"], name="one_sequence_per_branch_prefix_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.branch_id}-{self.year}: {self.last_value}"
