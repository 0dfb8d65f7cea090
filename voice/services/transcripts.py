"""Transcripts: final live results appended as numbered utterances; the pre-recorded API's result
for uploads, re-processing and streams that were interrupted; verification of the draft."""

import json
import logging
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from clinic.models import AccessType
from clinic.services.access_log import access_log_record
from voice import conf
from voice.audio import wav_header
from voice.errors import RecordingClosed
from voice.models import (
    AudioFormat,
    ConsultationRecording,
    ConsultationTranscript,
    DraftStatus,
    RecordingStatus,
    TranscriptStatus,
    UsageService,
    UsageStatus,
)
from voice.privacy.egress import egress_log_audio
from voice.providers import ProviderError, get_stt
from voice.providers.base import BatchTranscript, SttOptions, SttSegment
from voice.services.common import save_with_history
from voice.services.identity import recording_known_identifiers, stt_keyterms
from voice.services.recordings import recording_audio_bytes
from voice.services.usage import usage_record

logger = logging.getLogger(__name__)


def utterances_of(transcript: ConsultationTranscript) -> list[dict]:
    return json.loads(transcript.utterances or "[]")


def _utterance(number: int, segment: SttSegment, offset: float) -> dict:
    return {
        "id": f"u{number}",
        "speaker": segment.speaker,
        "start": round(segment.start + offset, 2),
        "end": round(segment.end + offset, 2),
        "text": segment.text,
        "confidence": None if segment.confidence is None else round(float(segment.confidence), 3),
    }


def _set_utterances(transcript: ConsultationTranscript, utterances: list[dict]) -> list[str]:
    transcript.utterances = json.dumps(utterances, ensure_ascii=False)
    transcript.utterance_count = len(utterances)
    transcript.word_count = sum(len(u["text"].split()) for u in utterances)
    transcript.transcribed_seconds = Decimal(str(max((u["end"] for u in utterances), default=0))).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    return ["utterances", "utterance_count", "word_count", "transcribed_seconds"]


def stt_options(recording: ConsultationRecording, *, keyterms: tuple[str, ...] = ()) -> SttOptions:
    mode = conf.language_mode(recording.language_mode)
    flags = conf.stt_options()
    pcm = recording.audio_format == AudioFormat.PCM16
    return SttOptions(
        model=mode["model"],
        language=mode["language"],
        diarize=flags.get("diarize", True),
        smart_format=flags.get("smart_format", True),
        punctuate=flags.get("punctuate", True),
        utterances=flags.get("utterances", True),
        keyterms=keyterms,
        encoding="linear16" if pcm else None,
        sample_rate=recording.sample_rate if pcm else None,
        channels=recording.channels,
    )


def live_options(recording: ConsultationRecording, *, provider: str) -> SttOptions:
    """The live stream's options; keyterms only go to a cloud provider, through the egress guard."""
    keyterms: tuple[str, ...] = ()
    if provider == "deepgram":
        keyterms = stt_keyterms(recording, known=recording_known_identifiers(recording), provider=provider)
    return stt_options(recording, keyterms=keyterms)


def transcript_append_final(
    *, recording_id: uuid.UUID, segment: SttSegment, offset_seconds: float = 0.0
) -> dict:
    """A final live result becomes the next numbered utterance (u1, u2, ...), times from the
    recording's start. Interim results are never stored."""
    with transaction.atomic():
        transcript = (
            ConsultationTranscript.objects.select_for_update(of=("self",))
            .select_related("transcript_key")
            .get(recording_id=recording_id)
        )
        utterances = utterances_of(transcript)
        utterance = _utterance(len(utterances) + 1, segment, offset_seconds)
        utterances.append(utterance)
        fields = _set_utterances(transcript, utterances)
        transcript.skip_history_when_saving = True  # one history row per state, not per utterance
        transcript.save(update_fields=[*fields, "updated_at"])
    return utterance


def transcript_mark_interrupted(*, recording_id: uuid.UUID, message: str) -> None:
    """The live stream failed: the audio keeps arriving and is stored; at finalize the whole
    recording goes through the pre-recorded API instead."""
    ConsultationTranscript.objects.filter(recording_id=recording_id, status=TranscriptStatus.LIVE).update(
        status=TranscriptStatus.INCOMPLETE, error_message=message[:300], updated_at=timezone.now()
    )


def transcript_replace_from_batch(
    *, recording: ConsultationRecording, batch: BatchTranscript
) -> ConsultationTranscript:
    with transaction.atomic():
        transcript = (
            ConsultationTranscript.objects.select_for_update(of=("self",))
            .select_related("transcript_key")
            .get(recording=recording)
        )
        utterances = [_utterance(i + 1, segment, 0.0) for i, segment in enumerate(batch.segments)]
        fields = _set_utterances(transcript, utterances)
        transcript.status = TranscriptStatus.COMPLETE
        transcript.error_message = ""
        transcript.deepgram_model_used = batch.model[:50]
        save_with_history(
            transcript,
            acting_user=None,
            reason="transcribed (pre-recorded)",
            fields=[*fields, "status", "error_message", "deepgram_model_used"],
        )
    return transcript


def live_usage_record(
    *,
    recording_id: uuid.UUID,
    provider: str,
    model: str,
    seconds: float,
    audio_bytes: int,
    sha256: str,
    started_at,
    error: str = "",
) -> None:
    """After a live stream: the ledger row for the audio that left (if it left) and the usage row."""
    recording = ConsultationRecording.objects.get(pk=recording_id)
    if provider == "deepgram" and audio_bytes:
        egress_log_audio(
            provider=provider,
            purpose="stt_live_audio",
            consultation_id=recording.consultation_id,
            size=audio_bytes,
            sha256=sha256,
        )
    usage_record(
        recording=recording,
        service=UsageService.STT_LIVE,
        provider=provider,
        model=model,
        started_at=started_at,
        status=UsageStatus.FAILED if error else UsageStatus.COMPLETED,
        audio_seconds=seconds,
        error=error,
    )


def transcribe_recording(*, recording_id: uuid.UUID, force: bool = False) -> ConsultationTranscript | None:
    """The whole recording through the pre-recorded API (uploads, interrupted live streams,
    re-processing). A transient provider failure is raised for the task to retry; a permanent one
    marks the transcript failed. Nothing is lost either way: the audio stays."""
    recording = ConsultationRecording.objects.select_related("patient", "branch", "staff", "audio_key").get(
        pk=recording_id
    )
    transcript = ConsultationTranscript.objects.get(recording=recording)
    if recording.status != RecordingStatus.FINALIZED:
        raise RecordingClosed("Only a finalized recording with its audio can be transcribed.")
    if transcript.status == TranscriptStatus.COMPLETE and not force:
        return transcript
    if transcript.doctor_verified:
        raise RecordingClosed("The notes from this transcript are verified; it is not transcribed again.")
    provider = get_stt(recording.stt_provider)
    started = timezone.now()
    access_log_record(
        user=None,
        actor="system:voice_transcribe",
        record_type="voice_recording",
        record_id=recording.pk,
        patient_id=recording.patient_id,
        access_type=AccessType.VIEW,
        reason="speech-to-text of the recording",
    )
    audio = recording_audio_bytes(recording)
    keyterms = ()
    if provider.name == "deepgram":
        keyterms = stt_keyterms(
            recording, known=recording_known_identifiers(recording), provider=provider.name
        )
    options = stt_options(recording, keyterms=keyterms)
    if recording.audio_format == AudioFormat.PCM16:
        audio = (
            wav_header(data_bytes=len(audio), sample_rate=recording.sample_rate, channels=recording.channels)
            + audio
        )
        options = SttOptions(**{**options.__dict__, "encoding": None, "sample_rate": None})
    if provider.name == "deepgram":
        import hashlib

        egress_log_audio(
            provider=provider.name,
            purpose="stt_batch_audio",
            consultation_id=recording.consultation_id,
            size=len(audio),
            sha256=hashlib.sha256(audio).hexdigest(),
        )
    seconds = float(recording.audio_duration_seconds or 0)
    try:
        batch = provider.transcribe(audio, options=options)
    except ProviderError as exc:
        usage_record(
            recording=recording,
            service=UsageService.STT_BATCH,
            provider=provider.name,
            model=options.model,
            started_at=started,
            status=UsageStatus.FAILED,
            error=f"{exc.code}: {exc.message}",
        )
        if not exc.transient:
            transcript_mark_failed(recording_id=recording.pk, message=exc.message)
        raise
    transcript = transcript_replace_from_batch(recording=recording, batch=batch)
    if not recording.audio_duration_seconds and batch.duration_seconds:
        ConsultationRecording.objects.filter(pk=recording.pk).update(
            audio_duration_seconds=Decimal(str(batch.duration_seconds)).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
        )
    usage_record(
        recording=recording,
        service=UsageService.STT_BATCH,
        provider=provider.name,
        model=batch.model,
        started_at=started,
        audio_seconds=batch.duration_seconds or seconds,
        words=transcript.word_count,
    )
    return transcript


def transcript_mark_failed(*, recording_id: uuid.UUID, message: str) -> None:
    ConsultationTranscript.objects.filter(recording_id=recording_id).exclude(
        status=TranscriptStatus.COMPLETE
    ).update(status=TranscriptStatus.FAILED, error_message=message[:300], updated_at=timezone.now())


@transaction.atomic
def transcript_verify(
    *, acting_user, recording: ConsultationRecording, notes: str = ""
) -> ConsultationTranscript:
    """The doctor has reviewed the draft (and taken what they kept into the consultation's note)."""
    transcript = (
        ConsultationTranscript.objects.select_for_update(of=("self",))
        .select_related("transcript_key")
        .get(recording=recording)
    )
    if transcript.draft_status != DraftStatus.READY:
        from voice.errors import DraftNotReady

        raise DraftNotReady(
            "There is no draft ready to verify.", extra={"draft_status": transcript.draft_status}
        )
    if transcript.doctor_verified:
        return transcript
    transcript.doctor_verified = True
    transcript.verified_at = timezone.now()
    transcript.verified_by = acting_user
    transcript.verification_notes = (notes or "").strip()[:5000]
    save_with_history(
        transcript,
        acting_user=acting_user,
        reason="draft verified",
        fields=["doctor_verified", "verified_at", "verified_by", "verification_notes"],
    )
    return transcript
