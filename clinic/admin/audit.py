"""The keystore and the access log, for reading only: no person adds, edits or deletes these rows.

Data keys are written by clinic.keystore and access-log rows by clinic.services.access_log; the
database itself refuses changes to the log (migration 0002). Wrapped key bytes are never shown.
"""

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from clinic.admin.base import BranchScopedMixin
from clinic.models import AccessLog, DataKey, Patient


def _mrn_of(outer_field: str) -> Subquery:
    return Subquery(Patient.objects.filter(pk=OuterRef(outer_field)).values("mrn")[:1])


def _patient_link(patient_id, mrn):
    if not mrn:
        return "Unknown patient"
    return format_html('<a href="{}">{}</a>', reverse("admin:clinic_patient_change", args=[patient_id]), mrn)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View permission only, for everyone including superusers."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(BranchScopedMixin, ReadOnlyAdmin):
    list_display = ["accessed_at", "actor", "access_type", "record_type", "record_id", "patient"]
    list_filter = ["access_type", "record_type", "accessed_at"]
    search_fields = ["actor", "=record_id"]
    search_help_text = "Who (username), or the exact record id."
    date_hierarchy = "accessed_at"
    fields = [
        "accessed_at",
        "actor",
        "user_id",
        "access_type",
        "record_type",
        "record_id",
        "patient",
        "reason",
        "ip_address",
        "user_agent",
        "prev_hash",
        "row_hash",
    ]
    readonly_fields = fields

    def scope_to_branches(self, queryset, branch_ids):
        return queryset.filter(
            patient_id__in=Patient.objects.filter(registered_branch__in=branch_ids).values("pk")
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(patient_mrn=_mrn_of("patient_id"))

    @admin.display(description="Patient", ordering="patient_mrn")
    def patient(self, obj):
        return _patient_link(obj.patient_id, obj.patient_mrn)


@admin.register(DataKey)
class DataKeyAdmin(BranchScopedMixin, ReadOnlyAdmin):
    list_display = ["purpose", "subject", "kek_id", "algorithm", "created_at", "rewrapped_at"]
    list_filter = ["purpose", "kek_id", "created_at"]
    fields = ["id", "purpose", "subject", "kek_id", "algorithm", "created_at", "rewrapped_at"]
    readonly_fields = fields

    def scope_to_branches(self, queryset, branch_ids):
        return queryset.filter(
            subject_id__in=Patient.objects.filter(registered_branch__in=branch_ids).values("pk")
        )

    def get_queryset(self, request):
        # defer: the wrapped key bytes are never loaded, let alone shown.
        return super().get_queryset(request).defer("wrapped_key").annotate(subject_mrn=_mrn_of("subject_id"))

    @admin.display(description="Patient", ordering="subject_mrn")
    def subject(self, obj):
        return _patient_link(obj.subject_id, obj.subject_mrn)
