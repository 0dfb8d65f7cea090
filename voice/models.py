"""Voice AI data (seed 5.3): session tokens for anonymization, the PII patterns, the egress ledger,
recordings (encrypted audio chunks, consent, retention), transcripts (encrypted utterances and AI
draft, verification) and the usage/cost log.

A consultation is referred to by its id only: the consultations app, a layer above, holds the
foreign key to the recording (docs/ARCHITECTURE.md, Layout).
"""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.fields import EncryptedTextField
from clinic.models import Branch, DataKey, Patient, Staff
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


# ------------------------------------------------------------------ recordings


class RecordingStatus(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", "Awaiting consent"
    CONSENTED = "consented", "Consent recorded"
    RECORDING = "recording", "Recording"
    FINALIZED = "finalized", "Finalized"
    WITHDRAWN = "withdrawn", "Consent withdrawn"
    DELETED = "deleted", "Audio deleted"


# Statuses in which audio may exist or arrive only because the patient agreed.
CONSENT_REQUIRED_STATUSES = (RecordingStatus.CONSENTED, RecordingStatus.RECORDING, RecordingStatus.FINALIZED)


class ConsentMethod(models.TextChoices):
    VERBAL_RECORDED = "verbal_recorded", "Verbal, recorded"
    OTP = "otp", "OTP to the patient's phone"
    SIGNATURE = "signature", "Signature"


class LanguageMode(models.TextChoices):
    ENGLISH = "en", "English (Indian)"
    HINDI_ENGLISH = "hi_en", "Hindi-English"


class AudioFormat(models.TextChoices):
    PCM16 = "pcm16", "PCM 16-bit little-endian, mono (live)"
    WAV = "wav", "WAV"
    WEBM = "webm", "WebM/Opus"
    OGG = "ogg", "Ogg/Opus"
    MP3 = "mp3", "MP3"
    M4A = "m4a", "M4A/AAC"


class ConsultationRecording(models.Model):
    """The audio of one consultation (seed 5.3 consultation_recordings), kept as encrypted chunks.

    Audio exists only with consent (the CHECKs below); it is deleted when consent is withdrawn on
    request, or `retention_days` after it was finalized. The row itself stays, with who deleted the
    audio, when and why (history keeps every change).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation_id = models.UUIDField(db_index=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="voice_recordings")
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="voice_recordings"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="voice_recordings")

    stt_provider = models.CharField(max_length=20)
    language_mode = models.CharField(
        max_length=10, choices=LanguageMode.choices, default=LanguageMode.ENGLISH
    )
    stt_model = models.CharField(max_length=50, blank=True)
    stt_language = models.CharField(max_length=20, blank=True)
    audio_format = models.CharField(max_length=10, choices=AudioFormat.choices, default=AudioFormat.PCM16)
    sample_rate = models.PositiveIntegerField(null=True, blank=True, help_text="Hz, for PCM audio.")
    channels = models.PositiveSmallIntegerField(default=1)

    audio_key = models.ForeignKey(
        DataKey, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    encryption_algorithm = models.CharField(max_length=20, default="AES-256-GCM", editable=False)
    chunk_count = models.PositiveIntegerField(default=0)
    audio_size_bytes = models.PositiveBigIntegerField(default=0)
    audio_duration_seconds = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    audio_sha256 = models.CharField(max_length=64, blank=True, help_text="Of the joined audio, at finalize.")

    status = models.CharField(
        max_length=20, choices=RecordingStatus.choices, default=RecordingStatus.AWAITING_CONSENT
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)

    consent_given = models.BooleanField(default=False)
    consent_timestamp = models.DateTimeField(null=True, blank=True)
    consent_method = models.CharField(max_length=20, choices=ConsentMethod.choices, blank=True)
    consent_ip_address = models.GenericIPAddressField(null=True, blank=True)
    consent_reference = models.CharField(
        max_length=100, blank=True, help_text="The OTP verification or signed form that proves consent."
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawal_reason = models.CharField(max_length=200, blank=True)

    retention_days = models.PositiveIntegerField(default=365)
    auto_delete_at = models.DateTimeField(null=True, blank=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deletion_reason = models.CharField(max_length=100, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="voice_rec_patient")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_given=False)
                | (models.Q(consent_timestamp__isnull=False) & ~models.Q(consent_method="")),
                name="voice_recording_valid_consent",
                violation_error_message="Consent needs its time and method.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=CONSENT_REQUIRED_STATUSES) | models.Q(consent_given=True),
                name="voice_recording_requires_consent",
                violation_error_message="Audio is recorded only with the patient's consent.",
            ),
            models.CheckConstraint(
                condition=models.Q(consent_given=False) | models.Q(consent_withdrawn_at__isnull=True),
                name="voice_recording_consent_not_withdrawn",
            ),
            models.CheckConstraint(
                condition=models.Q(chunk_count=0) | models.Q(consent_timestamp__isnull=False),
                name="voice_recording_audio_only_after_consent",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=RecordingStatus.DELETED)
                | (models.Q(deleted_at__isnull=False) & models.Q(chunk_count=0)),
                name="voice_recording_deleted_has_no_audio",
            ),
            models.CheckConstraint(
                condition=models.Q(retention_days__gte=1), name="voice_recording_retention_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Recording {self.id} ({self.get_status_display()})"

    @property
    def next_chunk_index(self) -> int:
        return self.chunk_count

    @property
    def bytes_per_second(self) -> int | None:
        if self.audio_format == AudioFormat.PCM16 and self.sample_rate:
            return 2 * self.sample_rate * (self.channels or 1)
        return None


class RecordingChunk(models.Model):
    """One piece of audio as it arrived, encrypted on its own. The associated data names the
    recording and the index, so a chunk cannot be moved to another place or another recording."""

    id = models.BigAutoField(primary_key=True)
    recording = models.ForeignKey(ConsultationRecording, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    data = models.BinaryField(help_text="AES-256-GCM ciphertext under the patient's audio key.")
    size_bytes = models.PositiveIntegerField(help_text="Of the plaintext.")
    sha256 = models.CharField(max_length=64, help_text="Of the plaintext: a resent chunk is recognised.")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recording", "index"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "index"], name="voice_chunk_once_per_index"),
            models.CheckConstraint(condition=models.Q(size_bytes__gt=0), name="voice_chunk_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.recording_id}#{self.index}"

    @staticmethod
    def aad_context(recording_id, index: int) -> str:
        return f"voice_recordingchunk:{recording_id}:{index}:data"


# ------------------------------------------------------------------ transcripts


class TranscriptStatus(models.TextChoices):
    LIVE = "live", "Being transcribed"
    INCOMPLETE = "incomplete", "Waiting for the full transcription"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Transcription failed"


class DraftStatus(models.TextChoices):
    NONE = "none", "Not requested"
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Generating"
    READY = "ready", "Ready for review"
    FAILED = "failed", "Failed"


class ConsultationTranscript(models.Model):
    """What was said (utterances) and the AI's draft notes, both encrypted under the patient's
    transcript key (seed 5.3 consultation_transcripts). The draft is stored as the doctor sees it:
    names put back, each item with its evidence and the local checks' flags."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation_id = models.UUIDField(db_index=True)
    recording = models.OneToOneField(
        ConsultationRecording, on_delete=models.PROTECT, related_name="transcript"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="voice_transcripts")
    transcript_key = models.ForeignKey(
        DataKey, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    utterances = EncryptedTextField(
        key_field="transcript_key",
        editable=False,
        help_text='JSON: [{"id": "u1", "speaker": 0, "start": 0.0, "end": 2.1, "text", "confidence"}].',
    )
    utterance_count = models.PositiveIntegerField(default=0)
    word_count = models.PositiveIntegerField(default=0)
    transcribed_seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    status = models.CharField(max_length=10, choices=TranscriptStatus.choices, default=TranscriptStatus.LIVE)
    error_message = models.CharField(max_length=300, blank=True)
    stt_provider = models.CharField(max_length=20, blank=True)
    deepgram_model_used = models.CharField("speech-to-text model", max_length=50, blank=True)

    draft = EncryptedTextField(key_field="transcript_key", editable=False, help_text="JSON: the AI draft.")
    draft_status = models.CharField(max_length=12, choices=DraftStatus.choices, default=DraftStatus.NONE)
    draft_generation = models.PositiveIntegerField(
        default=0, help_text="Raised by each request; a task for an older one does nothing."
    )
    draft_attempts = models.PositiveSmallIntegerField(default=0)
    draft_error_code = models.CharField(max_length=40, blank=True)
    draft_error_message = models.CharField(max_length=300, blank=True)
    draft_requested_at = models.DateTimeField(null=True, blank=True)
    draft_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    draft_started_at = models.DateTimeField(null=True, blank=True)
    draft_completed_at = models.DateTimeField(null=True, blank=True)
    ai_model_used = models.CharField(max_length=50, blank=True)
    confidence_score = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    processing_time_ms = models.PositiveIntegerField(null=True, blank=True)
    unsupported_items = models.PositiveSmallIntegerField(default=0)
    possible_omissions = models.PositiveSmallIntegerField(default=0)
    session_token = models.ForeignKey(
        VoiceSessionToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    doctor_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verification_notes = EncryptedTextField(key_field="transcript_key", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the text was removed at the end of its retention."
    )
    history = HistoricalRecords(excluded_fields=["utterances", "draft", "verification_notes"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doctor_verified=False) | models.Q(verified_at__isnull=False),
                name="voice_transcript_verified_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence_score__isnull=True)
                | models.Q(confidence_score__gte=0, confidence_score__lte=1),
                name="voice_transcript_confidence_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"Transcript {self.id}"


# ------------------------------------------------------------------ usage and cost


class UsageService(models.TextChoices):
    STT_LIVE = "stt_live", "Speech-to-text, live"
    STT_BATCH = "stt_batch", "Speech-to-text, pre-recorded"
    NOTES = "notes", "Notes draft"


class UsageStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class VoiceAIUsageLog(models.Model):
    """One row per provider call (a live stream, a pre-recorded transcription, a notes draft) with
    what it used and cost, in USD at the prices in settings and in INR at the configured rate."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation_id = models.UUIDField(null=True, blank=True, db_index=True)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recording = models.ForeignKey(
        ConsultationRecording, null=True, blank=True, on_delete=models.SET_NULL, related_name="usage"
    )
    service = models.CharField(max_length=12, choices=UsageService.choices)
    provider = models.CharField(max_length=20)
    model = models.CharField(max_length=50, blank=True)

    audio_duration_seconds = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    transcript_word_count = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    deepgram_cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    claude_cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    total_cost_usd = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    usd_inr_rate = models.DecimalField(max_digits=8, decimal_places=4)
    total_cost_inr = models.DecimalField(max_digits=12, decimal_places=4, default=0)

    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    processing_status = models.CharField(max_length=12, choices=UsageStatus.choices)
    error_message = models.CharField(max_length=300, blank=True, help_text="A code and message; never text.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "voice AI usage log"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_cost_usd__gte=0, total_cost_inr__gte=0),
                name="voice_usage_cost_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.provider} ${self.total_cost_usd}"
