"""Back office for the privacy service: the PII patterns (editable) and the egress ledger (read-only)."""

from django.contrib import admin

from voice.models import EgressLog, PIIRedactionPattern
from voice.privacy import patterns


@admin.register(PIIRedactionPattern)
class PIIRedactionPatternAdmin(admin.ModelAdmin):
    list_display = ["pattern_name", "pattern_type", "kind", "replacement_template", "priority", "is_active"]
    list_filter = ["is_active", "pattern_type"]
    list_editable = ["is_active"]
    search_fields = ["pattern_name", "pattern_type", "description"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "pattern_name",
        "pattern_type",
        "detector",
        "regex_pattern",
        "replacement_template",
        "description",
        "priority",
        "is_active",
        "created_at",
        "updated_at",
    ]

    @admin.display(description="Kind")
    def kind(self, obj):
        return "built-in detector" if obj.detector else "regular expression"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.detector:
            # A built-in detector can be switched off or re-ranked, not turned into something else.
            readonly += ["detector", "regex_pattern", "pattern_type"]
        elif obj is None or not obj.detector:
            readonly += ["detector"]
        return readonly

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.detector:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        patterns.clear_cache()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        patterns.clear_cache()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.filter(detector=""))
        patterns.clear_cache()


@admin.register(EgressLog)
class EgressLogAdmin(admin.ModelAdmin):
    """What left the building: provider, purpose, size, hash and counts. Nobody edits this."""

    list_display = ["created_at", "provider", "purpose", "outcome", "payload_bytes", "consultation_id"]
    list_filter = ["outcome", "provider", "purpose", "created_at"]
    search_fields = ["=consultation_id", "=payload_sha256"]
    search_help_text = "The exact consultation id or payload hash."
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "provider",
        "purpose",
        "outcome",
        "consultation_id",
        "payload_bytes",
        "payload_sha256",
        "redaction_counts",
        "refusal_counts",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
