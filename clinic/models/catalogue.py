from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models.base import TimeStampedModel
from clinic.models.organisation import Hospital

GST_RATES = [(Decimal(r), f"{r}%") for r in ("0", "5", "12", "18", "28")]


class BookableMixin(models.Model):
    """Scheduling flags of seed 4.8.2, shared by services and packages."""

    duration_minutes = models.PositiveSmallIntegerField(default=30)
    auto_approval_eligible = models.BooleanField(
        default=False, help_text="Bookings made and fully paid through self-service need no approval."
    )
    requires_room_allocation = models.BooleanField(default=False)
    requires_staff_allocation = models.BooleanField(default=True)
    allow_self_booking = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        abstract = True


class ServiceCategory(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    PROCEDURE = "procedure", "Procedure"
    LASER = "laser", "Laser"
    FACIAL = "facial", "Facial / skin care"
    INJECTABLE = "injectable", "Injectable"
    HAIR = "hair", "Hair"
    DIAGNOSTIC = "diagnostic", "Diagnostic"


class Service(TimeStampedModel, BookableMixin):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="services")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    description = models.TextField(blank=True)
    sac_code = models.CharField("SAC code", max_length=8, blank=True, default="999312")
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2, choices=GST_RATES, default=Decimal("18"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "code"], name="service_code_unique_per_hospital"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="service_price_not_negative"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Package(TimeStampedModel, BookableMixin):
    """A course of sessions sold together (e.g. six laser hair-reduction sessions)."""

    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="packages")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sessions = models.PositiveSmallIntegerField(default=1)
    session_gap_days = models.PositiveSmallIntegerField(
        default=0, help_text="Recommended days between sessions."
    )
    validity_days = models.PositiveSmallIntegerField(default=365)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2, choices=GST_RATES, default=Decimal("18"))
    services = models.ManyToManyField(Service, through="PackageItem", related_name="packages")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "code"], name="package_code_unique_per_hospital"),
            models.CheckConstraint(condition=models.Q(sessions__gte=1), name="package_has_sessions"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="package_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    sessions = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["package", "service"], name="package_service_once")]

    def __str__(self) -> str:
        return f"{self.service} x{self.sessions}"
