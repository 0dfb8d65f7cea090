from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models.base import TimeStampedModel
from clinic.models.catalogue import GST_RATES, Package, Service
from clinic.models.organisation import Branch
from clinic.models.patients import Patient
from clinic.models.pharmacy import Medicine, StockBatch


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PAID = "paid", "Paid"
    CANCELLED = "cancelled", "Cancelled"


class Invoice(TimeStampedModel):
    """Totals are kept equal to the sum of the lines by clinic.services.billing, in one transaction."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="invoices")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    issued_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    taxable_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    gst_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    grand_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grand_total=models.F("taxable_total") + models.F("gst_total")),
                name="invoice_total_is_taxable_plus_gst",
            ),
            models.CheckConstraint(condition=models.Q(amount_paid__gte=0), name="invoice_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance_due(self) -> Decimal:
        return self.grand_total - self.amount_paid


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=255)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    stock_batch = models.ForeignKey(
        StockBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hsn_sac_code = models.CharField("HSN/SAC", max_length=8, blank=True)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2, help_text="Before GST.")
    gst_rate = models.DecimalField(max_digits=4, decimal_places=2, choices=GST_RATES)
    taxable_amount = models.DecimalField(max_digits=12, decimal_places=2)
    gst_amount = models.DecimalField(max_digits=12, decimal_places=2)
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="invoice_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="invoice_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(line_total=models.F("taxable_amount") + models.F("gst_amount")),
                name="invoice_line_total_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def cgst_amount(self) -> Decimal:
        """Intra-state supply: GST splits equally into CGST and SGST."""
        return (self.gst_amount / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def sgst_amount(self) -> Decimal:
        return self.gst_amount - self.cgst_amount
