"""Medicines and their stock batches. Stock enters through clinic.services.stock.stock_receive and
leaves through stock_issue (dispensing, billing); the admin never edits quantities."""

import datetime

from django.contrib import admin
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clinic.admin.base import BranchScopedMixin, ServiceFormMixin, inr, request_branch_ids
from clinic.models import Medicine, StockBatch
from clinic.services.stock import stock_receive

NEAR_EXPIRY_DAYS = 90


def _today() -> datetime.date:
    return timezone.localdate()


class StockBatchInline(BranchScopedMixin, admin.TabularInline):
    """The batches of one medicine, for reading: receiving stock has its own form."""

    model = StockBatch
    fields = [
        "branch",
        "batch_number",
        "expiry_date",
        "quantity_available",
        "quantity_received",
        "mrp",
        "received_on",
    ]
    readonly_fields = fields
    ordering = ["expiry_date", "received_on"]
    show_change_link = True
    extra = 0
    can_delete = False
    verbose_name = "batch"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch", "medicine")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StockLevelFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request, model_admin):
        return [("low", "At or below reorder level"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(stock_available__lte=F("reorder_level"))
        if self.value() == "out":
            return queryset.filter(stock_available=0)
        return queryset


@admin.register(Medicine)
class MedicineAdmin(admin.ModelAdmin):
    inlines = [StockBatchInline]
    list_display = [
        "generic_name",
        "brand_name",
        "strength",
        "form",
        "in_stock",
        "reorder_level",
        "is_prescription_only",
        "is_active",
    ]
    list_filter = [StockLevelFilter, "form", "is_prescription_only", "is_active"]
    search_fields = ["generic_name", "brand_name", "manufacturer", "drug_class"]
    readonly_fields = ["receive_stock", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "hospital",
                    "generic_name",
                    "brand_name",
                    ("form", "strength"),
                    "unit",
                    "drug_class",
                    "manufacturer",
                    "is_prescription_only",
                    "is_active",
                ]
            },
        ),
        ("Tax", {"fields": [("hsn_code", "gst_rate")]}),
        ("Stock", {"fields": ["reorder_level", "receive_stock"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        """Annotated with the units that can be issued today (unexpired), at the person's branches."""
        usable = Q(batches__expiry_date__gt=_today())
        branch_ids = request_branch_ids(request)
        if branch_ids is not None:
            usable &= Q(batches__branch_id__in=branch_ids)
        total = Coalesce(Sum("batches__quantity_available", filter=usable), Value(0))
        return super().get_queryset(request).annotate(stock_available=total)

    @admin.display(description="In stock (unexpired)", ordering="stock_available")
    def in_stock(self, obj):
        count = f"{obj.stock_available} {obj.unit}"
        if obj.stock_available <= obj.reorder_level:
            return format_html('{} <strong style="color:#b00020">· reorder</strong>', count)
        return count

    @admin.display(description="Receive stock")
    def receive_stock(self, obj):
        if obj is None or obj.pk is None:
            return "Save the medicine first; then receive its batches."
        url = reverse("admin:clinic_stockbatch_add") + f"?medicine={obj.pk}"
        return format_html('<a class="button" href="{}">Receive a batch of this medicine</a>', url)


class ExpiryFilter(admin.SimpleListFilter):
    """Expired (on or after the expiry day: it can no longer be issued) or expiring within 90 days."""

    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", "Expired"),
            ("near", f"Near expiry (within {NEAR_EXPIRY_DAYS} days)"),
            ("ok", "More than 90 days left"),
        ]

    def queryset(self, request, queryset):
        today = _today()
        horizon = today + datetime.timedelta(days=NEAR_EXPIRY_DAYS)
        if self.value() == "expired":
            return queryset.filter(expiry_date__lte=today)
        if self.value() == "near":
            return queryset.filter(expiry_date__gt=today, expiry_date__lte=horizon)
        if self.value() == "ok":
            return queryset.filter(expiry_date__gt=horizon)
        return queryset


class InStockFilter(admin.SimpleListFilter):
    title = "on the shelf"
    parameter_name = "on_shelf"

    def lookups(self, request, model_admin):
        return [("yes", "Units left"), ("no", "Used up")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(quantity_available__gt=0)
        if self.value() == "no":
            return queryset.filter(quantity_available=0)
        return queryset


@admin.register(StockBatch)
class StockBatchAdmin(ServiceFormMixin, BranchScopedMixin, admin.ModelAdmin):
    list_display = [
        "medicine",
        "branch",
        "batch_number",
        "expiry_date",
        "expiry_state",
        "quantity_available",
        "quantity_received",
        "mrp_inr",
        "received_on",
    ]
    list_filter = [ExpiryFilter, InStockFilter, ("branch", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["medicine", "branch"]
    search_fields = ["batch_number", "medicine__generic_name", "medicine__brand_name"]
    search_help_text = "Batch number, or the medicine's generic or brand name."
    autocomplete_fields = ["medicine"]
    ordering = ["expiry_date", "received_on"]
    add_fields = [
        "medicine",
        "branch",
        "batch_number",
        "expiry_date",
        "quantity_received",
        "mrp",
        "cost_price",
        "received_on",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return [
            *self.add_fields[:4],
            "quantity_received",
            "quantity_available",
            "mrp",
            "cost_price",
            "received_on",
            "created_at",
            "updated_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Quantities move only through stock_issue; what a batch is and where it sits does not change.
        return [
            "medicine",
            "branch",
            "quantity_received",
            "quantity_available",
            "received_on",
            "created_at",
            "updated_at",
        ]

    def get_changeform_initial_data(self, request):
        return {"received_on": _today(), **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        batch = stock_receive(
            acting_user=request.user,
            medicine=data["medicine"],
            branch=data["branch"],
            batch_number=data["batch_number"],
            expiry_date=data["expiry_date"],
            quantity=data["quantity_received"],
            mrp=data["mrp"],
            cost_price=data["cost_price"],
            received_on=data["received_on"],
        )
        self.adopt(obj, batch)
        return None

    def has_delete_permission(self, request, obj=None):
        return False  # invoices and dispensing records point at batches

    @admin.display(description="Expiry", ordering="expiry_date")
    def expiry_state(self, obj):
        days = (obj.expiry_date - _today()).days
        if days <= 0:
            return format_html('<strong style="color:#b00020">{}</strong>', "Expired")
        if days <= NEAR_EXPIRY_DAYS:
            return format_html('<strong style="color:#8a5300">Expires in {} days</strong>', days)
        return "OK"

    @admin.display(description="MRP per unit", ordering="mrp")
    def mrp_inr(self, obj):
        return inr(obj.mrp)
