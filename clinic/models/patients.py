from django.contrib.postgres.fields import ArrayField
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.fields import EncryptedDateField, EncryptedTextField
from clinic.models.base import SoftDeleteModel, TimeStampedModel
from clinic.models.keystore import DataKey
from clinic.models.organisation import Branch


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "O", "Other"
    UNKNOWN = "U", "Not stated"


class SpecialGroup(models.TextChoices):
    SENIOR_CITIZEN = "senior_citizen", "Senior citizen"
    PREGNANT = "pregnant", "Pregnant"
    CHILD = "child", "Child"
    DIFFERENTLY_ABLED = "differently_abled", "Differently abled"
    STAFF = "staff", "Staff / family"
    VIP = "vip", "VIP"


class Patient(TimeStampedModel, SoftDeleteModel):
    """A patient. Every identifying field is encrypted under the patient's own PII data key.

    Search goes through HMAC blind indexes (PatientSearchToken rows) kept by
    clinic.services.patients; never query the encrypted columns by value.
    """

    mrn = models.CharField("MRN", max_length=20, unique=True, help_text="Medical record number.")
    registered_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="registered_patients"
    )
    pii_key = models.ForeignKey(
        DataKey, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    first_name = EncryptedTextField(max_length=100, blank=False)
    last_name = EncryptedTextField(max_length=100)
    date_of_birth = EncryptedDateField()
    phone = EncryptedTextField(
        max_length=20, blank=False, help_text="Stored in E.164 form, e.g. +919845012345."
    )
    alternate_phone = EncryptedTextField(max_length=20)
    email = EncryptedTextField(max_length=254)
    address = EncryptedTextField(max_length=500)
    pin_code = EncryptedTextField("PIN code", max_length=6)
    abha_number = EncryptedTextField("ABHA number", max_length=17)
    abha_address = EncryptedTextField("ABHA address", max_length=100)
    emergency_contact_name = EncryptedTextField(max_length=100)
    emergency_contact_relation = models.CharField(max_length=30, blank=True)
    emergency_contact_phone = EncryptedTextField(max_length=20)

    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    special_groups = ArrayField(
        models.CharField(max_length=30, choices=SpecialGroup.choices), default=list, blank=True
    )
    preferred_language = models.CharField(
        max_length=5, default="en", choices=[("en", "English"), ("hi", "Hindi")]
    )

    history = HistoricalRecords(
        excluded_fields=[
            "first_name",
            "last_name",
            "date_of_birth",
            "phone",
            "alternate_phone",
            "email",
            "address",
            "pin_code",
            "abha_number",
            "abha_address",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.mrn})" if self.pii_key_id else f"[erased] ({self.mrn})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def is_erased(self) -> bool:
        return self.pii_key_id is None


class PatientSearchToken(models.Model):
    """One HMAC blind-index token of a patient: a phone, an email, an ABHA number, or a name-word prefix.

    The kind is inside the HMAC input, so one narrow btree answers every look-up by equality.
    """

    id = models.BigAutoField(primary_key=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="search_tokens", db_index=False
    )
    token = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["token", "id"], name="patient_token_lookup")]
        constraints = [models.UniqueConstraint(fields=["patient", "token"], name="patient_token_once")]

    def __str__(self) -> str:
        return self.token
