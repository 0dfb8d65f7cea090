from decimal import Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models.base import TimeStampedModel
from clinic.models.catalogue import GST_RATES
from clinic.models.organisation import Branch, Hospital


class DosageForm(models.TextChoices):
    TABLET = "tablet", "Tablet"
    CAPSULE = "capsule", "Capsule"
    SYRUP = "syrup", "Syrup"
    CREAM = "cream", "Cream"
    OINTMENT = "ointment", "Ointment"
    GEL = "gel", "Gel"
    LOTION = "lotion", "Lotion"
    SOLUTION = "solution", "Solution"
    SHAMPOO = "shampoo", "Shampoo"
    SOAP = "soap", "Soap / cleanser"
    SUNSCREEN = "sunscreen", "Sunscreen"
    INJECTION = "injection", "Injection"
    SERUM = "serum", "Serum"


class Medicine(TimeStampedModel):
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="medicines")
    generic_name = models.CharField(max_length=200, db_index=True)
    brand_name = models.CharField(max_length=200, blank=True)
    drug_class = models.CharField(
        max_length=100, blank=True, help_text="Used by allergy checks, e.g. 'tetracycline'."
    )
    form = models.CharField(max_length=20, choices=DosageForm.choices)
    strength = models.CharField(max_length=50, blank=True, help_text="e.g. 100 mg, 0.05% w/w")
    unit = models.CharField(
        max_length=20, default="unit", help_text="What one stock unit is: strip, tube, bottle ..."
    )
    manufacturer = models.CharField(max_length=200, blank=True)
    hsn_code = models.CharField("HSN code", max_length=8, blank=True)
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2, choices=GST_RATES, default=Decimal("12"))
    reorder_level = models.PositiveIntegerField(default=10)
    is_prescription_only = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["generic_name", "brand_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hospital", "generic_name", "brand_name", "form", "strength"],
                name="medicine_unique_product",
            )
        ]

    def __str__(self) -> str:
        brand = f" ({self.brand_name})" if self.brand_name else ""
        return f"{self.generic_name}{brand} {self.strength} {self.get_form_display()}".strip()


class StockBatch(TimeStampedModel):
    """One received batch of a medicine at a branch. Issued FIFO by expiry (clinic.services.stock)."""

    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="batches")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="stock_batches")
    batch_number = models.CharField(max_length=50)
    expiry_date = models.DateField()
    quantity_received = models.PositiveIntegerField()
    quantity_available = models.IntegerField()
    mrp = models.DecimalField("MRP per unit", max_digits=10, decimal_places=2)
    cost_price = models.DecimalField(max_digits=10, decimal_places=2)
    received_on = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["expiry_date", "received_on"]
        verbose_name_plural = "stock batches"
        indexes = [models.Index(fields=["medicine", "branch", "expiry_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["medicine", "branch", "batch_number"], name="batch_unique_per_branch"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_available__gte=0),
                name="stock_never_negative",
                violation_error_message="Stock cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_available__lte=models.F("quantity_received")),
                name="stock_not_above_received",
            ),
            models.CheckConstraint(
                condition=models.Q(mrp__gte=0, cost_price__gte=0), name="batch_prices_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.medicine} · batch {self.batch_number}"
