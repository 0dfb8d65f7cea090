"""Back-office entry of allergies and medical history. Writes go through emr.services; opening a
record is a read of clinical data and is access-logged."""

from django.contrib import admin

from clinic.admin.base import BranchScopedMixin, ServiceFormMixin, run_for_each
from clinic.services.access_log import access_log_for_request
from emr.models import AllergyStatus, PatientAllergy, PatientMedicalHistory
from emr.services import (
    ALLERGY_EDITABLE,
    HISTORY_EDITABLE,
    allergy_record,
    allergy_set_status,
    allergy_update,
    medical_history_record,
    medical_history_update,
)


class _PatientRecordAdmin(BranchScopedMixin, ServiceFormMixin, admin.ModelAdmin):
    branch_lookup = "patient__registered_branch"
    raw_id_fields = ["patient"]
    record_type = ""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient__pii_key", "recorded_by")

    @admin.display(description="patient", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                access_log_for_request(
                    request,
                    record_type=self.record_type,
                    record_id=obj.pk,
                    patient_id=obj.patient_id,
                    reason="back office",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PatientAllergy)
class PatientAllergyAdmin(_PatientRecordAdmin):
    record_type = "allergy"
    list_display = [
        "allergen_name",
        "allergen_type",
        "drug_class",
        "severity",
        "status",
        "patient_mrn",
        "recorded_at",
    ]
    list_filter = ["status", "allergen_type", "severity"]
    search_fields = ["allergen_name", "drug_class", "patient__mrn"]
    fields = ["patient", "allergen_type", *ALLERGY_EDITABLE, "status"]
    actions = ["mark_inactive"]

    def get_readonly_fields(self, request, obj=None):
        return ["patient", "allergen_type", "status"] if obj else ["status"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in ALLERGY_EDITABLE}
            saved = allergy_update(acting_user=request.user, allergy=obj, data=data)
        else:
            data = {name: form.cleaned_data.get(name) for name in ALLERGY_EDITABLE}
            saved = allergy_record(
                acting_user=request.user,
                patient=form.cleaned_data["patient"],
                allergen_type=form.cleaned_data["allergen_type"],
                **data,
            )
        self.adopt(obj, saved)

    @admin.action(description="Mark selected allergies inactive")
    def mark_inactive(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset.filter(status=AllergyStatus.ACTIVE),
            lambda allergy: allergy_set_status(
                acting_user=request.user, allergy=allergy, status=AllergyStatus.INACTIVE, reason="back office"
            ),
            done="{count} allergies marked inactive.",
        )


@admin.register(PatientMedicalHistory)
class PatientMedicalHistoryAdmin(_PatientRecordAdmin):
    record_type = "medical_history"
    list_display = [
        "condition_name",
        "condition_type",
        "is_current",
        "severity",
        "patient_mrn",
        "recorded_at",
    ]
    list_filter = ["condition_type", "is_current", "source"]
    search_fields = ["condition_name", "condition_code", "patient__mrn"]
    fields = ["patient", "condition_type", *HISTORY_EDITABLE, "source"]

    def get_readonly_fields(self, request, obj=None):
        return ["patient", "condition_type", "source"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            data = {name: form.cleaned_data[name] for name in form.changed_data if name in HISTORY_EDITABLE}
            saved = medical_history_update(acting_user=request.user, entry=obj, data=data)
        else:
            saved = medical_history_record(
                acting_user=request.user,
                patient=form.cleaned_data["patient"],
                condition_type=form.cleaned_data["condition_type"],
                source=form.cleaned_data["source"],
                **{name: form.cleaned_data.get(name) for name in HISTORY_EDITABLE},
            )
        self.adopt(obj, saved)
