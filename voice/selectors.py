"""Reads of voice data. Transcripts, drafts and audio are clinical records: they are read only
through the `*_for_user` doors here, which ask the named checks (voice.permissions) and write the
access-log row. Status reads carry no clinical text and are not logged."""

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest

from clinic.models import AccessType
from clinic.services.access_log import access_log_record
from voice import drafting, permissions
from voice.audio import CONTENT_TYPES, wav_header
from voice.errors import DraftNotReady, NotAllowed
from voice.models import (
    AudioFormat,
    ConsultationRecording,
    ConsultationTranscript,
    DraftStatus,
    RecordingStatus,
    VoiceAIUsageLog,
)


def recording_queryset() -> QuerySet[ConsultationRecording]:
    return ConsultationRecording.objects.select_related(
        "patient", "branch", "staff", "audio_key", "transcript"
    )


def recording_get(recording_id) -> ConsultationRecording:
    try:
        return recording_queryset().get(pk=recording_id)
    except (ConsultationRecording.DoesNotExist, ValueError, TypeError):
        raise Http404("No such recording.") from None


def recording_get_for_user(*, user, recording_id, action: str = "view") -> ConsultationRecording:
    """The recording, if this user may `view` (read, listen) or `record` it; 404 / 403 otherwise."""
    recording = recording_get(recording_id)
    check = permissions.can_record if action == "record" else permissions.can_view
    if not check(user, recording):
        raise NotAllowed("You are not allowed this consultation's recording.")
    return recording


def recordings_for_consultation(consultation_id: uuid.UUID) -> QuerySet[ConsultationRecording]:
    return recording_queryset().filter(consultation_id=consultation_id).order_by("-created_at")


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def recording_status(recording: ConsultationRecording) -> dict:
    """What the console polls: states, counts and errors; no clinical text."""
    from voice.providers import demo_mode

    transcript: ConsultationTranscript | None = getattr(recording, "transcript", None)
    return {
        "id": str(recording.pk),
        "consultation_id": str(recording.consultation_id),
        "status": recording.status,
        "consent": {
            "given": recording.consent_given,
            "method": recording.consent_method,
            "at": _iso(recording.consent_timestamp),
            "withdrawn_at": _iso(recording.consent_withdrawn_at),
        },
        "audio": {
            "format": recording.audio_format,
            "sample_rate": recording.sample_rate,
            "chunks": recording.chunk_count,
            "last_index": recording.chunk_count - 1,
            "bytes": recording.audio_size_bytes,
            "seconds": float(recording.audio_duration_seconds) if recording.audio_duration_seconds else None,
            "deleted_at": _iso(recording.deleted_at),
            "auto_delete_at": _iso(recording.auto_delete_at),
        },
        "provider": {"stt": recording.stt_provider, "model": recording.stt_model, "demo": demo_mode()},
        "transcript": None
        if transcript is None
        else {
            "status": transcript.status,
            "utterances": transcript.utterance_count,
            "words": transcript.word_count,
            "error": transcript.error_message,
        },
        "draft": None
        if transcript is None
        else {
            "status": transcript.draft_status,
            "attempts": transcript.draft_attempts,
            "error_code": transcript.draft_error_code,
            "error": transcript.draft_error_message,
            "confidence": float(transcript.confidence_score)
            if transcript.confidence_score is not None
            else None,
            "unsupported_items": transcript.unsupported_items,
            "possible_omissions": transcript.possible_omissions,
            "verified": transcript.doctor_verified,
            "verified_at": _iso(transcript.verified_at),
        },
    }


def _transcript(recording: ConsultationRecording) -> ConsultationTranscript:
    transcript = (
        ConsultationTranscript.objects.select_related("transcript_key")
        .filter(recording_id=recording.pk)
        .first()
    )
    if transcript is None:
        raise Http404("This recording has no transcript.")
    return transcript


def transcript_get_for_user(
    *, user, recording_id, request: HttpRequest | None = None, reason: str = ""
) -> tuple[ConsultationTranscript, list[dict]]:
    """The utterances, decrypted; writes the access-log row."""
    recording = recording_get_for_user(user=user, recording_id=recording_id)
    transcript = _transcript(recording)
    access_log_record(
        user=user,
        record_type="voice_transcript",
        record_id=transcript.pk,
        patient_id=recording.patient_id,
        reason=reason or "consultation transcript",
        request=request,
    )
    return transcript, json.loads(transcript.utterances or "[]")


def draft_get_for_user(
    *, user, recording_id, request: HttpRequest | None = None, reason: str = ""
) -> tuple[ConsultationTranscript, dict | None]:
    """The draft as the doctor sees it (names restored, evidence and flags), or None while there
    is none; writes the access-log row when there is one."""
    recording = recording_get_for_user(user=user, recording_id=recording_id)
    transcript = _transcript(recording)
    if transcript.draft_status != DraftStatus.READY:
        return transcript, None
    access_log_record(
        user=user,
        record_type="voice_draft",
        record_id=transcript.pk,
        patient_id=recording.patient_id,
        reason=reason or "AI draft review",
        request=request,
    )
    return transcript, json.loads(transcript.draft or "null")


def draft_for_note(*, user, recording_id, request: HttpRequest | None = None) -> dict:
    """The ready draft in the shape consultations.services.notes.note_accept_ai_draft takes:
    {"draft_id", "confidence", "sections": {section: [{"text", "evidence"}]}}."""
    transcript, document = draft_get_for_user(
        user=user, recording_id=recording_id, request=request, reason="AI draft into the note"
    )
    if document is None:
        raise DraftNotReady("There is no draft ready.", extra={"draft_status": transcript.draft_status})
    return {
        "draft_id": document["draft_id"],
        "confidence": document.get("confidence"),
        "sections": drafting.note_sections(document["notes"]),
        "prescriptions": document["notes"].get("prescriptions", []),
        "allergies_mentioned": document["notes"].get("allergies_mentioned", []),
        "follow_up": document["notes"].get("follow_up"),
        "possible_omissions": document.get("possible_omissions", []),
    }


@dataclass
class AudioStream:
    content_type: str
    size: int
    chunks: Iterator[bytes]
    filename: str


def recording_audio_for_user(
    *, user, recording_id, request: HttpRequest | None = None, download: bool = False
) -> AudioStream:
    """The decrypted audio for playback, chunk by chunk (raw PCM is wrapped in a WAV header);
    writes the access-log row first."""
    from voice.services.recordings import recording_audio_iter

    recording = recording_get_for_user(user=user, recording_id=recording_id)
    if recording.status == RecordingStatus.DELETED or recording.chunk_count == 0:
        raise Http404("This recording has no audio (never recorded, or deleted).")
    access_log_record(
        user=user,
        record_type="voice_recording",
        record_id=recording.pk,
        patient_id=recording.patient_id,
        access_type=AccessType.DOWNLOAD if download else AccessType.VIEW,
        reason="recording download" if download else "recording playback",
        request=request,
    )

    def chunks() -> Iterator[bytes]:
        if recording.audio_format == AudioFormat.PCM16:
            yield wav_header(
                data_bytes=recording.audio_size_bytes,
                sample_rate=recording.sample_rate,
                channels=recording.channels,
            )
        yield from recording_audio_iter(recording)

    size = recording.audio_size_bytes + (44 if recording.audio_format == AudioFormat.PCM16 else 0)
    extension = "wav" if recording.audio_format == AudioFormat.PCM16 else recording.audio_format
    return AudioStream(
        content_type=CONTENT_TYPES[recording.audio_format],
        size=size,
        chunks=chunks(),
        filename=f"consultation-{recording.consultation_id}.{extension}",
    )


# ------------------------------------------------------------------ usage and cost

_SUMS = {
    "audio_seconds": Sum("audio_duration_seconds"),
    "input_tokens": Sum("input_tokens"),
    "output_tokens": Sum("output_tokens"),
    "cost_usd": Sum("total_cost_usd"),
    "cost_inr": Sum("total_cost_inr"),
    "calls": Count("id"),
}


def _clean(row: dict) -> dict:
    return {k: (v if v is not None else (Decimal(0) if k != "calls" else 0)) for k, v in row.items()}


def usage_for_consultation(consultation_id: uuid.UUID) -> dict:
    rows = VoiceAIUsageLog.objects.filter(consultation_id=consultation_id)
    by_service = {
        row["service"]: _clean(row) for row in rows.values("service").annotate(**_SUMS).order_by("service")
    }
    return {"total": _clean(rows.aggregate(**_SUMS)), "by_service": by_service}


def usage_monthly_report(*, year: int, month: int) -> dict:
    """Per branch and service for one calendar month (UTC), with totals, in INR and USD."""
    start = datetime.datetime(year, month, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=datetime.UTC)
    rows = VoiceAIUsageLog.objects.filter(started_at__gte=start, started_at__lt=end)
    lines = [
        _clean(row)
        for row in rows.values("branch__code", "branch__name", "service")
        .annotate(**_SUMS, consultations=Count("consultation_id", distinct=True))
        .order_by("branch__code", "service")
    ]
    total = _clean(rows.aggregate(**_SUMS, consultations=Count("consultation_id", distinct=True)))
    per_consultation = (
        (total["cost_inr"] / total["consultations"]).quantize(Decimal("0.01"))
        if total["consultations"]
        else Decimal(0)
    )
    return {
        "year": year,
        "month": month,
        "lines": lines,
        "total": total,
        "inr_per_consultation": per_consultation,
    }


def console_info() -> dict:
    """What the visit page's voice console needs from settings (no query: the console reads its
    recordings with one API call after the page has loaded). demo: a demo provider is active, so
    the console must say nothing is sent anywhere. cloud_stt: the audio goes to an outside
    speech-to-text service, which the patient is told."""
    from voice import conf
    from voice.providers import demo_mode

    return {"demo": demo_mode(), "cloud_stt": conf.stt_provider_name() == "deepgram"}
