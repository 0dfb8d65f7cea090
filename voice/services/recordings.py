"""Recordings: start, consent, encrypted chunks as they arrive, finalize, upload, deletion of audio
(on withdrawal of consent, on request, at the end of retention)."""

import datetime
import hashlib
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import keystore
from clinic.models import Branch, DataKeyPurpose, Patient, Staff
from clinic.permissions import staff_of
from voice import conf, hooks
from voice.audio import PCM_SAMPLE_RATES, chunk_problem
from voice.errors import ChunkRefused, ConsentRequired, RecordingClosed
from voice.models import (
    AudioFormat,
    ConsentMethod,
    ConsultationRecording,
    ConsultationTranscript,
    LanguageMode,
    RecordingChunk,
    RecordingStatus,
    TranscriptStatus,
)
from voice.services.common import notify_recording, save_with_history

logger = logging.getLogger(__name__)

OPEN_STATUSES = (RecordingStatus.AWAITING_CONSENT, RecordingStatus.CONSENTED, RecordingStatus.RECORDING)
ACCEPTING_AUDIO = (RecordingStatus.CONSENTED, RecordingStatus.RECORDING)


def _lock(recording: ConsultationRecording | uuid.UUID) -> ConsultationRecording:
    pk = recording.pk if isinstance(recording, ConsultationRecording) else recording
    return (
        ConsultationRecording.objects.select_for_update(of=("self",))
        .select_related("audio_key", "patient", "branch", "staff")
        .get(pk=pk)
    )


# ------------------------------------------------------------------ start and consent


@transaction.atomic
def recording_start(
    *,
    acting_user,
    consultation_id: uuid.UUID,
    patient: Patient,
    branch: Branch,
    language_mode: str = LanguageMode.ENGLISH,
    audio_format: str = AudioFormat.PCM16,
    sample_rate: int | None = 16000,
    staff: Staff | None = None,
    retention_days: int | None = None,
) -> ConsultationRecording:
    """A recording for the consultation, awaiting consent. Asking again while one is still open
    returns that one (a second tablet, a reload)."""
    if language_mode not in LanguageMode.values:
        raise ValidationError({"language_mode": [f"One of {', '.join(LanguageMode.values)}."]})
    if audio_format not in AudioFormat.values:
        raise ValidationError({"audio_format": [f"One of {', '.join(AudioFormat.values)}."]})
    if audio_format == AudioFormat.PCM16:
        if sample_rate not in PCM_SAMPLE_RATES:
            raise ValidationError(
                {"sample_rate": [f"PCM audio at one of {', '.join(map(str, PCM_SAMPLE_RATES))} Hz."]}
            )
    else:
        sample_rate = None
    resolver = hooks.consultation_resolver()
    if resolver is not None:
        info = resolver(consultation_id)
        if info is None:
            raise ValidationError({"consultation_id": ["No such consultation."]})
        if info.patient_id != patient.pk or info.branch_id != branch.pk:
            raise ValidationError({"consultation_id": ["This consultation is of another patient or branch."]})
        if not info.is_open:
            raise RecordingClosed("The consultation is closed; it can no longer be recorded.")
    existing = (
        ConsultationRecording.objects.select_for_update(of=("self",))
        .filter(consultation_id=consultation_id, status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    from voice.providers import get_stt

    mode = conf.language_mode(language_mode)
    provider = get_stt()
    recording = ConsultationRecording(
        consultation_id=consultation_id,
        patient=patient,
        branch=branch,
        staff=staff or staff_of(acting_user),
        stt_provider=provider.name,
        language_mode=language_mode,
        stt_model=mode["model"] if provider.name == "deepgram" else provider.name,
        stt_language=mode["language"],
        audio_format=audio_format,
        sample_rate=sample_rate,
        audio_key=keystore.data_key_get_or_create(subject_id=patient.pk, purpose=DataKeyPurpose.AUDIO),
        retention_days=retention_days or conf.audio_retention_days(),
        created_by=acting_user,
    )
    save_with_history(recording, acting_user=acting_user, reason="started")
    ConsultationTranscript.objects.create(
        consultation_id=consultation_id,
        recording=recording,
        patient=patient,
        transcript_key=keystore.data_key_get_or_create(
            subject_id=patient.pk, purpose=DataKeyPurpose.TRANSCRIPT
        ),
        stt_provider=provider.name,
        deepgram_model_used=recording.stt_model,
    )
    return recording


@transaction.atomic
def recording_record_consent(
    *,
    acting_user,
    recording: ConsultationRecording,
    method: str,
    ip_address: str | None = None,
    reference: str = "",
) -> ConsultationRecording:
    """The patient agreed to be recorded (seed 5.3): how, when, from where, with what proof. An OTP
    or a signature names its proof (the OTP verification, the signed form); spoken consent is
    itself on the recording."""
    if method not in ConsentMethod.values:
        raise ValidationError({"method": [f"One of {', '.join(ConsentMethod.values)}."]})
    reference = (reference or "").strip()[:100]
    if method in (ConsentMethod.OTP, ConsentMethod.SIGNATURE) and not reference:
        raise ValidationError({"reference": ["Name the OTP verification or the signed consent form."]})
    locked = _lock(recording)
    if locked.consent_given:
        return locked
    if locked.status != RecordingStatus.AWAITING_CONSENT:
        raise RecordingClosed(
            f"This recording is {locked.get_status_display().lower()}; start a new one to record again.",
            extra={"status": locked.status},
        )
    locked.consent_given = True
    locked.consent_timestamp = timezone.now()
    locked.consent_method = method
    locked.consent_ip_address = ip_address
    locked.consent_reference = reference
    locked.consent_recorded_by = acting_user
    locked.status = RecordingStatus.CONSENTED
    save_with_history(
        locked,
        acting_user=acting_user,
        reason=f"consent: {method}",
        fields=[
            "consent_given",
            "consent_timestamp",
            "consent_method",
            "consent_ip_address",
            "consent_reference",
            "consent_recorded_by",
            "status",
        ],
    )
    return locked


@transaction.atomic
def recording_withdraw_consent(
    *,
    acting_user,
    recording: ConsultationRecording,
    reason: str = "",
    delete_audio: bool = True,
    delete_transcript: bool = False,
) -> ConsultationRecording:
    """The patient withdrew consent: recording stops at once (the live socket is told to close) and,
    as asked, the audio and the transcript are deleted."""
    locked = _lock(recording)
    if locked.status in (RecordingStatus.WITHDRAWN, RecordingStatus.DELETED) and not locked.consent_given:
        if delete_audio and locked.chunk_count:
            _delete_audio(locked, acting_user=acting_user, reason="consent withdrawn")
        if delete_transcript:
            _purge_transcript(locked, reason="consent withdrawn")
        return locked
    locked.consent_given = False
    locked.consent_withdrawn_at = timezone.now()
    locked.consent_withdrawal_reason = (reason or "")[:200]
    locked.status = RecordingStatus.WITHDRAWN
    save_with_history(
        locked,
        acting_user=acting_user,
        reason="consent withdrawn",
        fields=["consent_given", "consent_withdrawn_at", "consent_withdrawal_reason", "status"],
    )
    if delete_audio:
        _delete_audio(locked, acting_user=acting_user, reason="consent withdrawn")
    if delete_transcript:
        _purge_transcript(locked, reason="consent withdrawn")
    notify_recording(locked.pk, {"type": "recording.stop", "reason": "consent_withdrawn"})
    return locked


# ------------------------------------------------------------------ audio


@dataclass(frozen=True)
class ChunkResult:
    index: int
    stored: bool  # False: a resend of a chunk already stored (same bytes)
    last_index: int  # the highest index stored, -1 for none
    audio_seconds: float | None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_chunk(recording: ConsultationRecording, index: int, data: bytes) -> None:
    if index < 0:
        raise ChunkRefused("A chunk index is 0 or more.", code="corrupt_chunk")
    if not data:
        raise ChunkRefused("The chunk is empty; nothing was stored.", code="empty_chunk")
    limit = conf.max_chunk_bytes()
    if len(data) > limit:
        raise ChunkRefused(
            f"The chunk is {len(data):,} bytes; chunks are at most {limit:,} bytes.",
            code="chunk_too_large",
            http_status=413,
        )
    problem = chunk_problem(audio_format=recording.audio_format, index=index, data=data)
    if problem:
        raise ChunkRefused(problem, code="corrupt_chunk")


def _store(recording: ConsultationRecording, index: int, data: bytes) -> None:
    """Encrypt and insert one chunk; the caller holds the recording's lock and updates its totals."""
    RecordingChunk.objects.create(
        recording=recording,
        index=index,
        data=keystore.encrypt_bytes(
            key=recording.audio_key, data=data, context=RecordingChunk.aad_context(recording.pk, index)
        ),
        size_bytes=len(data),
        sha256=_sha256(data),
    )


def _seconds(recording: ConsultationRecording, size: int) -> float | None:
    rate = recording.bytes_per_second
    return round(size / rate, 3) if rate else None


def chunk_store(*, recording_id: uuid.UUID, index: int, data: bytes) -> ChunkResult:
    """Store one chunk as it arrives (encrypted on its own, bound to the recording and the index).

    The next index is the number stored so far. A resend of a stored index with the same bytes is
    acknowledged and changes nothing; anything else out of order is refused with the index expected.
    """
    with transaction.atomic():
        recording = _lock(recording_id)
        if recording.status not in ACCEPTING_AUDIO:
            if recording.status == RecordingStatus.AWAITING_CONSENT:
                raise ConsentRequired("Record the patient's consent before any audio is accepted.")
            raise RecordingClosed(
                f"This recording is {recording.get_status_display().lower()}; no more audio is accepted.",
                extra={"status": recording.status},
            )
        _check_chunk(recording, index, data)
        if index < recording.chunk_count:
            stored = (
                RecordingChunk.objects.filter(recording=recording, index=index)
                .values_list("sha256", flat=True)
                .first()
            )
            if stored == _sha256(data):
                return ChunkResult(
                    index, False, recording.chunk_count - 1, _seconds(recording, recording.audio_size_bytes)
                )
            raise ChunkRefused(
                f"Chunk {index} is already stored with other audio.",
                code="chunk_conflict",
                http_status=409,
                extra={"next_index": recording.chunk_count},
            )
        if index > recording.chunk_count:
            raise ChunkRefused(
                f"Chunk {index} came before chunk {recording.chunk_count}; send from there.",
                code="chunk_gap",
                http_status=409,
                extra={"next_index": recording.chunk_count},
            )
        if recording.audio_size_bytes + len(data) > conf.max_recording_bytes():
            raise ChunkRefused(
                "The recording has reached its size limit; stop and start a new one.",
                code="recording_too_large",
                http_status=413,
            )
        _store(recording, index, data)
        recording.chunk_count += 1
        recording.audio_size_bytes += len(data)
        fields = ["chunk_count", "audio_size_bytes", "updated_at"]
        if recording.status != RecordingStatus.RECORDING:
            recording.status = RecordingStatus.RECORDING
            recording.started_at = recording.started_at or timezone.now()
            fields += ["status", "started_at"]
        else:
            recording.skip_history_when_saving = True  # history keeps the states, not every chunk
        recording.save(update_fields=fields)
        return ChunkResult(index, True, index, _seconds(recording, recording.audio_size_bytes))


def recording_audio_iter(recording: ConsultationRecording, *, batch: int = 32) -> Iterator[bytes]:
    """The stored audio, decrypted chunk by chunk in index order (each chunk opens only in its own
    place: a moved or reordered ciphertext raises clinic.keystore.KeyUnavailable)."""
    key = recording.audio_key
    start = 0
    while True:
        rows = list(
            RecordingChunk.objects.filter(recording_id=recording.pk, index__gte=start)
            .order_by("index")
            .values_list("index", "data")[:batch]
        )
        if not rows:
            return
        for index, blob in rows:
            if index != start:
                raise ValidationError(f"Chunk {start} of the recording is missing.")
            yield keystore.decrypt_bytes(
                blob=blob, context=RecordingChunk.aad_context(recording.pk, index), key=key
            )
            start += 1


def recording_audio_bytes(recording: ConsultationRecording) -> bytes:
    return b"".join(recording_audio_iter(recording))


@transaction.atomic
def recording_finalize(*, acting_user, recording: ConsultationRecording) -> ConsultationRecording:
    """Stop: the chunks, checked to run 0..n-1 without a gap, make the recording's audio (its size,
    duration and SHA-256 are recorded); retention starts. Finalizing again changes nothing."""
    locked = _lock(recording)
    if locked.status == RecordingStatus.FINALIZED:
        return locked
    if locked.status not in ACCEPTING_AUDIO:
        raise RecordingClosed(
            f"This recording is {locked.get_status_display().lower()}; it cannot be finalized.",
            extra={"status": locked.status},
        )
    if locked.chunk_count == 0:
        raise ValidationError("No audio was recorded; nothing to finalize.")
    digest = hashlib.sha256()
    size = 0
    for data in recording_audio_iter(locked):
        digest.update(data)
        size += len(data)
    now = timezone.now()
    locked.audio_sha256 = digest.hexdigest()
    locked.audio_size_bytes = size
    seconds = _seconds(locked, size)
    if seconds is not None:
        locked.audio_duration_seconds = Decimal(str(seconds)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    locked.status = RecordingStatus.FINALIZED
    locked.finalized_at = now
    locked.auto_delete_at = now + datetime.timedelta(days=locked.retention_days)
    save_with_history(
        locked,
        acting_user=acting_user,
        reason="finalized",
        fields=[
            "audio_sha256",
            "audio_size_bytes",
            "audio_duration_seconds",
            "status",
            "finalized_at",
            "auto_delete_at",
        ],
    )
    transcript = ConsultationTranscript.objects.select_for_update().get(recording=locked)
    if transcript.status != TranscriptStatus.COMPLETE:
        if transcript.utterance_count and transcript.status == TranscriptStatus.LIVE:
            transcript.status = TranscriptStatus.COMPLETE
            transcript.save(update_fields=["status", "updated_at"])
        else:
            # Nothing (or only part) was transcribed live: the pre-recorded API does the whole audio.
            from voice.tasks import transcribe_recording_task

            recording_id = str(locked.pk)
            transaction.on_commit(lambda: transcribe_recording_task.delay(recording_id))
    notify_recording(locked.pk, {"type": "recording.finalized"})
    return locked


@transaction.atomic
def recording_upload(
    *, acting_user, recording: ConsultationRecording, data: bytes, audio_format: str
) -> ConsultationRecording:
    """A recording made elsewhere (a phone, the tablet offline): stored as chunks, finalized, and
    transcribed by the pre-recorded API. Consent comes first, as for live audio."""
    limit = conf.max_upload_bytes()
    if len(data) > limit:
        raise ChunkRefused(
            f"The file is {len(data):,} bytes; uploads are at most {limit:,} bytes.",
            code="upload_too_large",
            http_status=413,
        )
    if audio_format not in AudioFormat.values or audio_format == AudioFormat.PCM16:
        raise ValidationError({"audio_format": ["Upload a WAV, WebM, Ogg, MP3 or M4A file."]})
    locked = _lock(recording)
    if locked.status == RecordingStatus.AWAITING_CONSENT:
        raise ConsentRequired("Record the patient's consent before any audio is accepted.")
    if locked.status not in ACCEPTING_AUDIO or locked.chunk_count:
        raise RecordingClosed("This recording already has audio; start a new one for the upload.")
    if not data:
        raise ChunkRefused("The file is empty.", code="empty_chunk")
    problem = chunk_problem(audio_format=audio_format, index=0, data=data)
    if problem:
        raise ChunkRefused(problem.replace("first chunk", "file"), code="corrupt_chunk")
    locked.audio_format = audio_format
    locked.sample_rate = None
    step = conf.max_chunk_bytes()
    for index, start in enumerate(range(0, len(data), step)):
        _store(locked, index, data[start : start + step])
    locked.chunk_count = -(-len(data) // step)
    locked.audio_size_bytes = len(data)
    locked.status = RecordingStatus.RECORDING
    locked.started_at = locked.started_at or timezone.now()
    save_with_history(
        locked,
        acting_user=acting_user,
        reason="audio uploaded",
        fields=["audio_format", "sample_rate", "chunk_count", "audio_size_bytes", "status", "started_at"],
    )
    ConsultationTranscript.objects.filter(recording=locked).update(status=TranscriptStatus.INCOMPLETE)
    return recording_finalize(acting_user=acting_user, recording=locked)


# ------------------------------------------------------------------ deletion and retention


def _delete_audio(recording: ConsultationRecording, *, acting_user, reason: str) -> int:
    deleted, _ = RecordingChunk.objects.filter(recording=recording).delete()
    recording.chunk_count = 0
    recording.status = RecordingStatus.DELETED
    recording.deleted_at = timezone.now()
    recording.deleted_by = acting_user
    recording.deletion_reason = reason[:100]
    save_with_history(
        recording,
        acting_user=acting_user,
        reason=f"audio deleted: {reason}",
        fields=["chunk_count", "status", "deleted_at", "deleted_by", "deletion_reason"],
    )
    logger.info("deleted %s audio chunks of recording %s (%s)", deleted, recording.pk, reason)
    return deleted


def _purge_transcript(recording: ConsultationRecording, *, reason: str) -> None:
    transcript = ConsultationTranscript.objects.select_for_update().filter(recording=recording).first()
    if transcript is None or transcript.purged_at:
        return
    transcript.utterances = ""
    transcript.draft = ""
    transcript.verification_notes = ""
    transcript.purged_at = timezone.now()
    transcript._change_reason = f"text removed: {reason}"[:100]
    transcript.save(update_fields=["utterances", "draft", "verification_notes", "purged_at", "updated_at"])


@transaction.atomic
def recording_delete_audio(
    *, acting_user, recording: ConsultationRecording, reason: str
) -> ConsultationRecording:
    """Delete a recording's audio now (the patient asked; a mistaken recording). The row stays,
    saying who deleted it, when and why; the transcript stays unless deleted separately."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the audio is deleted."]})
    locked = _lock(recording)
    if locked.status == RecordingStatus.DELETED:
        return locked
    if locked.status in (RecordingStatus.CONSENTED, RecordingStatus.RECORDING):
        notify_recording(locked.pk, {"type": "recording.stop", "reason": "audio_deleted"})
    _delete_audio(locked, acting_user=acting_user, reason=reason)
    return locked


def retention_purge(*, now: datetime.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """Delete audio past its recording's retention_days, and transcript text past the transcript
    retention; each deletion is recorded on its row and in history. Safe to run twice."""
    now = now or timezone.now()
    audio = 0
    while True:
        with transaction.atomic():
            due = list(
                ConsultationRecording.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(auto_delete_at__lte=now, deleted_at__isnull=True)
                .order_by("auto_delete_at")[:batch]
            )
            for recording in due:
                _delete_audio(
                    recording, acting_user=None, reason=f"retention: {recording.retention_days} days"
                )
            audio += len(due)
        if len(due) < batch:
            break
    cutoff = now - datetime.timedelta(days=conf.transcript_retention_days())
    transcripts = 0
    for recording in ConsultationRecording.objects.filter(
        transcript__created_at__lte=cutoff, transcript__purged_at__isnull=True
    ):
        with transaction.atomic():
            _purge_transcript(recording, reason="retention")
            transcripts += 1
    return {"audio_deleted": audio, "transcripts_purged": transcripts}
