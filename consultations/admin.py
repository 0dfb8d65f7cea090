"""Back office for the consultations' reference data: ICD-10 codes (keywords, switching off),
drug-interaction rules and SOAP templates. Clinical records are read on the tablet (access-logged),
not here."""

from django.contrib import admin

from consultations.models import DiagnosisCode, InteractionRule, NoteTemplate


@admin.register(DiagnosisCode)
class DiagnosisCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "chapter", "block", "keywords", "is_active"]
    list_filter = ["kind", "is_active", "chapter"]
    search_fields = ["code", "title", "keywords"]
    readonly_fields = [
        "code",
        "title",
        "kind",
        "chapter",
        "chapter_title",
        "block",
        "block_title",
        "parent_code",
        "is_leaf",
    ]
    fields = [*readonly_fields, "keywords", "is_active"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # codes come from WHO through `manage.py load_icd10`

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InteractionRule)
class InteractionRuleAdmin(admin.ModelAdmin):
    list_display = [
        "drug_a",
        "drug_a_kind",
        "drug_b",
        "drug_b_kind",
        "severity",
        "include_topical",
        "is_active",
        "source",
    ]
    list_filter = ["severity", "is_active", "include_topical", "drug_a_kind", "drug_b_kind"]
    search_fields = ["drug_a", "drug_b", "message", "source"]
    fields = [
        "drug_a_kind",
        "drug_a",
        "drug_b_kind",
        "drug_b",
        "severity",
        "message",
        "source",
        "include_topical",
        "is_active",
    ]


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "consultation_type", "is_active", "display_order", "updated_at"]
    list_filter = ["consultation_type", "is_active"]
    search_fields = ["name"]
