"""Output shapes of the consultations API (input serializers live with their views in api.py)."""

from django.urls import reverse
from rest_framework import serializers

from consultations.models import (
    NOTE_SECTIONS,
    ConsultationDiagnosis,
    ConsultationNote,
    DiagnosisCode,
    NoteTemplate,
    PatientVitals,
    Prescription,
    PrescriptionItem,
    PrescriptionStatus,
    PrescriptionWarningOverride,
)
from consultations.services.vitals import celsius_to_fahrenheit
from emr.models import PatientAllergy, PatientMedicalHistory


class DiagnosisCodeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = DiagnosisCode
        fields = ["code", "title", "kind", "chapter", "chapter_title", "block", "block_title", "is_leaf"]


class VitalsOutputSerializer(serializers.ModelSerializer):
    temperature = serializers.SerializerMethodField(
        help_text="In the unit it was entered in (temperature_unit)."
    )

    class Meta:
        model = PatientVitals
        fields = [
            "blood_pressure_systolic",
            "blood_pressure_diastolic",
            "pulse_rate",
            "respiratory_rate",
            "temperature",
            "temperature_unit",
            "temperature_c",
            "spo2",
            "weight_kg",
            "height_cm",
            "bmi",
            "blood_glucose",
            "notes",
            "abnormal",
            "recorded_at",
            "updated_at",
        ]

    def get_temperature(self, obj) -> str | None:
        if obj.temperature_c is None:
            return None
        value = celsius_to_fahrenheit(obj.temperature_c) if obj.temperature_unit == "F" else obj.temperature_c
        return f"{value:.1f}"


class NoteOutputSerializer(serializers.ModelSerializer):
    sections = serializers.SerializerMethodField()
    verified_by = serializers.CharField(source="verified_by.username", default=None, read_only=True)

    class Meta:
        model = ConsultationNote
        fields = [
            "sections",
            "source",
            "section_sources",
            "evidence",
            "ai_draft_id",
            "ai_confidence_score",
            "template",
            "verified_by",
            "verified_at",
            "edited_after_verification",
            "updated_at",
        ]

    def get_sections(self, obj) -> dict[str, str]:
        return {name: getattr(obj, name) for name in NOTE_SECTIONS}


class DiagnosisOutputSerializer(serializers.ModelSerializer):
    code = DiagnosisCodeOutputSerializer()

    class Meta:
        model = ConsultationDiagnosis
        fields = ["id", "code", "is_primary", "notes", "diagnosed_at"]


class OverrideOutputSerializer(serializers.ModelSerializer):
    overridden_by = serializers.CharField(source="overridden_by.username", default=None, read_only=True)

    class Meta:
        model = PrescriptionWarningOverride
        fields = [
            "id",
            "item",
            "item_name",
            "warning_key",
            "kind",
            "severity",
            "message",
            "reason",
            "overridden_by",
            "overridden_at",
        ]


class PrescriptionItemOutputSerializer(serializers.ModelSerializer):
    medicine_id = serializers.UUIDField(allow_null=True, read_only=True)

    class Meta:
        model = PrescriptionItem
        fields = [
            "id",
            "medicine_id",
            "medicine_name",
            "generic_name",
            "drug_class",
            "dosage_form",
            "dosage",
            "frequency",
            "duration_value",
            "duration_unit",
            "quantity",
            "dispense_quantity",
            "timing",
            "route",
            "instructions",
            "taper_schedule",
            "is_in_house",
            "is_sos",
            "is_tapering",
            "display_order",
            "dispensed_at",
            "updated_at",
        ]


class PrescriptionHeadOutputSerializer(serializers.ModelSerializer):
    """A prescription without its items and overrides (the visit's shape adds them from lists it
    already holds: consultations.api.prescription_shape)."""

    label = serializers.CharField(read_only=True)
    finalized_by = serializers.CharField(source="finalized_by.username", default=None, read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Prescription
        fields = [
            "id",
            "number",
            "version",
            "label",
            "status",
            "amends",
            "amendment_reason",
            "general_instructions",
            "dietary_advice",
            "follow_up_instructions",
            "follow_up_date",
            "finalized_at",
            "finalized_by",
            "items_hash",
            "dispensed_at",
            "invoice",
            "pdf_url",
            "updated_at",
        ]

    def get_pdf_url(self, obj) -> str | None:
        if obj.status == PrescriptionStatus.DRAFT:
            return None
        return reverse("consultations:prescription-pdf", args=[obj.pk])


class PrescriptionOutputSerializer(PrescriptionHeadOutputSerializer):
    items = PrescriptionItemOutputSerializer(many=True, read_only=True)
    overrides = OverrideOutputSerializer(many=True, read_only=True)

    class Meta(PrescriptionHeadOutputSerializer.Meta):
        fields = [
            *PrescriptionHeadOutputSerializer.Meta.fields[:-2],
            "items",
            "overrides",
            "pdf_url",
            "updated_at",
        ]


class AllergyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientAllergy
        fields = ["id", "allergen_type", "allergen_name", "drug_class", "reaction", "severity"]


class MedicationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientMedicalHistory
        fields = ["id", "condition_name", "notes"]


class NoteTemplateOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoteTemplate
        fields = ["id", "name", "consultation_type", "sections"]
