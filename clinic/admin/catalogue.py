"""Services and packages: what the clinic sells."""

from django.contrib import admin
from django.db.models import Count

from clinic.admin.base import inr
from clinic.models import Package, PackageItem, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "category",
        "price_inr",
        "gst",
        "duration_minutes",
        "allow_self_booking",
        "is_active",
    ]
    list_filter = [
        "category",
        "is_active",
        "allow_self_booking",
        "requires_room_allocation",
        ("hospital", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "code"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["hospital", ("code", "name"), "category", "description", "is_active"]}),
        ("Price", {"fields": [("price", "gst_rate"), "sac_code"], "description": "Price before GST."}),
        (
            "Scheduling",
            {
                "fields": [
                    "duration_minutes",
                    "requires_room_allocation",
                    "requires_staff_allocation",
                    "allow_self_booking",
                    "auto_approval_eligible",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description="Price (before GST)", ordering="price")
    def price_inr(self, obj):
        return inr(obj.price)

    @admin.display(description="GST", ordering="gst_rate")
    def gst(self, obj):
        return f"{obj.gst_rate.normalize():f}%"


class PackageItemInline(admin.TabularInline):
    model = PackageItem
    extra = 1
    autocomplete_fields = ["service"]
    verbose_name = "service in the package"
    verbose_name_plural = "services in the package"


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    inlines = [PackageItemInline]
    list_display = [
        "name",
        "code",
        "sessions",
        "session_gap_days",
        "validity_days",
        "price_inr",
        "service_count",
        "is_active",
    ]
    list_filter = ["is_active", "allow_self_booking", ("hospital", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "code"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["hospital", ("code", "name"), "description", "is_active"]}),
        ("Course", {"fields": ["sessions", "session_gap_days", "validity_days"]}),
        (
            "Price",
            {"fields": [("price", "gst_rate")], "description": "Price of the whole package, before GST."},
        ),
        (
            "Scheduling",
            {
                "fields": [
                    "duration_minutes",
                    "requires_room_allocation",
                    "requires_staff_allocation",
                    "allow_self_booking",
                    "auto_approval_eligible",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(service_count=Count("items"))

    @admin.display(description="Price (before GST)", ordering="price")
    def price_inr(self, obj):
        return inr(obj.price)

    @admin.display(description="Services", ordering="service_count")
    def service_count(self, obj):
        return obj.service_count
