"""Voice AI data (seed 5.3): session tokens for anonymization, the PII patterns, the egress ledger.

Recordings, transcripts and usage come with the later parts of issue 5.
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from clinic.fields import EncryptedTextField
from clinic.models import DataKey, Patient, Staff
from voice.privacy.detectors import DETECTOR_NAMES

SESSION_TOKEN_REGEX = r"^PATIENT_[A-Z0-9]{6}$"  # noqa: S105 (a format, not a secret)


class VoiceSessionToken(models.Model):
    """The pseudonym a patient carries in everything sent out for one consultation (PATIENT_A7X9K2).

    `mapping` (placeholder -> name: the token and the [PERSON_n] placeholders of the people named in
    the visit) is encrypted under the patient's transcript key; it is what puts names back into the
    LLM's draft, and it never leaves the building.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session_token = models.CharField(max_length=50, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="voice_session_tokens")
    consultation_id = models.UUIDField(null=True, blank=True, db_index=True)
    staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    mapping_key = models.ForeignKey(
        DataKey, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    mapping = EncryptedTextField(key_field="mapping_key", editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(session_token__regex=SESSION_TOKEN_REGEX),
                name="voice_session_token_format",
                violation_error_message="A session token is PATIENT_ and 6 capital letters or digits.",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="voice_token_expires_later"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "expires_at"], name="voice_token_active")]

    def __str__(self) -> str:
        return self.session_token


class PIIRedactionPattern(models.Model):
    """One way of finding identifiers: a regex the back office maintains, or a code detector
    (voice.privacy.detectors.DETECTOR_NAMES) that can be switched off here. Either, never both."""

    DETECTOR_CHOICES = [(name, name.replace("_", " ")) for name in DETECTOR_NAMES]

    pattern_name = models.CharField(max_length=50, unique=True)
    pattern_type = models.CharField(max_length=30, help_text="aadhaar, phone, email, name, address, ...")
    detector = models.CharField(
        max_length=30, blank=True, choices=DETECTOR_CHOICES, help_text="Set on built-in detectors only."
    )
    regex_pattern = models.TextField(
        blank=True, help_text="A Python regular expression (for added patterns)."
    )
    replacement_template = models.CharField(max_length=50, blank=True, help_text="e.g. [AADHAAR_REDACTED]")
    description = models.CharField(max_length=200, blank=True)
    priority = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "pattern_name"]
        verbose_name = "PII redaction pattern"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(detector="") & ~models.Q(regex_pattern=""))
                | (~models.Q(detector="") & models.Q(regex_pattern="")),
                name="pii_pattern_regex_or_detector",
                violation_error_message="A pattern is either a regular expression or a built-in detector.",
            ),
            models.UniqueConstraint(
                fields=["detector"], condition=~models.Q(detector=""), name="pii_pattern_one_row_per_detector"
            ),
        ]

    def __str__(self) -> str:
        return self.pattern_name

    def clean(self) -> None:
        if self.regex_pattern:
            try:
                re.compile(self.regex_pattern)
            except re.error as exc:
                raise ValidationError({"regex_pattern": f"Not a valid regular expression: {exc}"}) from exc


class EgressOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    REFUSED = "refused", "Refused"


class EgressLog(models.Model):
    """One row per payload offered to an outside service: what left (or was stopped), never the text.

    Append-only in the database (migration 0003).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    provider = models.CharField(max_length=40)
    purpose = models.CharField(max_length=60)
    consultation_id = models.UUIDField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=10, choices=EgressOutcome.choices)
    payload_bytes = models.PositiveIntegerField()
    payload_sha256 = models.CharField(
        max_length=64,
        blank=True,
        help_text="Of what was sent; empty for a refusal (a hash of a short identifier can be reversed).",
    )
    redaction_counts = models.JSONField(
        default=dict, blank=True, help_text="Placeholders in the payload, by type."
    )
    refusal_counts = models.JSONField(
        default=dict, blank=True, help_text="Identifiers the guard found, by type."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(outcome="sent") & ~models.Q(payload_sha256=""))
                | (models.Q(outcome="refused") & models.Q(payload_sha256="")),
                name="egress_hash_only_when_sent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.purpose} {self.outcome} {self.payload_bytes} B"
