"""A patient's medical history and allergies (seed 9.2). Consultations read them; prescriptions are
checked against the active drug allergies. Every change keeps history (decision 7)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.models import Patient
from clinic.models.base import TimeStampedModel


class AllergenType(models.TextChoices):
    DRUG = "drug", "Drug"
    FOOD = "food", "Food"
    ENVIRONMENTAL = "environmental", "Environmental"
    LATEX = "latex", "Latex"
    OTHER = "other", "Other"


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"
    LIFE_THREATENING = "life_threatening", "Life-threatening"


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class PatientAllergy(TimeStampedModel):
    """One allergy or intolerance. A drug allergy names the drug (generic name) and, where known,
    its class, so that a prescription of another member of the class is warned too."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    allergen_type = models.CharField(max_length=20, choices=AllergenType.choices)
    allergen_name = models.CharField(
        max_length=200, help_text="For drugs, the generic name, e.g. 'amoxicillin'."
    )
    allergen_code = models.CharField(
        max_length=50, blank=True, help_text="RxNorm code for drugs, when known."
    )
    drug_class = models.CharField(
        max_length=100,
        blank=True,
        help_text="For drugs: the class to avoid as a whole, e.g. 'penicillin', 'sulfonamide'.",
    )
    reaction = models.CharField(max_length=200, blank=True, help_text="e.g. urticaria, angioedema, rash")
    severity = models.CharField(
        max_length=20, choices=AllergySeverity.choices, default=AllergySeverity.MODERATE
    )
    status = models.CharField(max_length=10, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE)
    onset_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "-recorded_at"]
        verbose_name_plural = "patient allergies"
        indexes = [models.Index(fields=["patient", "status"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(allergen_name=""), name="allergy_names_its_allergen"),
            models.CheckConstraint(
                condition=models.Q(allergen_type="drug") | models.Q(drug_class=""),
                name="allergy_drug_class_only_for_drugs",
                violation_error_message="Only a drug allergy has a drug class.",
            ),
            models.UniqueConstraint(
                "patient",
                "allergen_type",
                Lower("allergen_name"),
                condition=models.Q(status="active"),
                name="allergy_active_once_per_patient",
                violation_error_message="This allergy is already on the patient's list.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allergen_name} ({self.get_allergen_type_display().lower()})"


class ConditionType(models.TextChoices):
    CHRONIC = "chronic", "Chronic condition"
    PAST_ILLNESS = "past_illness", "Past illness"
    SURGERY = "surgery", "Surgery"
    MEDICATION = "medication", "Current medication"
    FAMILY_HISTORY = "family_history", "Family history"
    SOCIAL_HISTORY = "social_history", "Social history"


class ConditionSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class HistorySource(models.TextChoices):
    SELF_REPORTED = "self_reported", "Self-reported"
    CONSULTATION = "consultation", "Consultation"
    EXTERNAL = "external", "External record"


class PatientMedicalHistory(TimeStampedModel):
    """One entry of the patient's history. Allergies live in PatientAllergy, not here (the seed's
    condition_type 'allergy'); 'medication' entries are the medicines the patient already takes,
    which prescriptions are checked against for interactions (condition_name = generic name)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medical_history")
    condition_type = models.CharField(max_length=20, choices=ConditionType.choices)
    condition_name = models.CharField(max_length=200)
    condition_code = models.CharField(max_length=20, blank=True, help_text="ICD-10 code, e.g. E11.9.")
    onset_date = models.DateField(null=True, blank=True)
    resolution_date = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=True)
    severity = models.CharField(max_length=10, choices=ConditionSeverity.choices, blank=True)
    notes = models.TextField(blank=True)
    source = models.CharField(
        max_length=20, choices=HistorySource.choices, default=HistorySource.SELF_REPORTED
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_current", "condition_type", "-recorded_at"]
        verbose_name_plural = "patient medical history"
        indexes = [models.Index(fields=["patient", "condition_type", "is_current"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(condition_name=""), name="history_names_its_condition"
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_date__isnull=True)
                | models.Q(onset_date__isnull=True)
                | models.Q(resolution_date__gte=models.F("onset_date")),
                name="history_resolves_after_onset",
                violation_error_message="The resolution date cannot be before the onset date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_condition_type_display()}: {self.condition_name}"
