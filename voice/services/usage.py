"""Usage and cost of every provider call (seed 5.3 voice_ai_usage_log), priced from settings."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from voice import conf
from voice.models import ConsultationRecording, UsageService, UsageStatus, VoiceAIUsageLog

SIX = Decimal("0.000001")
FOUR = Decimal("0.0001")


def stt_cost_usd(*, seconds: Decimal | float, kind: str, provider: str) -> Decimal:
    if provider != "deepgram":
        return Decimal(0)  # local and demo transcription cost nothing per minute
    minutes = Decimal(str(seconds)) / Decimal(60)
    return (minutes * conf.stt_price_per_minute(kind)).quantize(SIX, ROUND_HALF_UP)


def llm_cost_usd(*, model: str, input_tokens: int, output_tokens: int) -> Decimal:
    price_in, price_out = conf.llm_prices(model)
    million = Decimal(1_000_000)
    cost = Decimal(input_tokens) * price_in / million + Decimal(output_tokens) * price_out / million
    return cost.quantize(SIX, ROUND_HALF_UP)


def usage_record(
    *,
    recording: ConsultationRecording,
    service: str,
    provider: str,
    model: str = "",
    started_at: datetime.datetime,
    status: str = UsageStatus.COMPLETED,
    audio_seconds: Decimal | float = 0,
    words: int = 0,
    input_tokens: int = 0,
    output_tokens: int = 0,
    error: str = "",
) -> VoiceAIUsageLog:
    """One row per call, costed now at the configured prices and rate (failed calls count too:
    a provider bills what it processed)."""
    audio = Decimal(str(audio_seconds)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    stt = Decimal(0)
    llm = Decimal(0)
    if service in (UsageService.STT_LIVE, UsageService.STT_BATCH):
        stt = stt_cost_usd(
            seconds=audio, kind="live" if service == UsageService.STT_LIVE else "batch", provider=provider
        )
    else:
        llm = llm_cost_usd(model=model, input_tokens=input_tokens, output_tokens=output_tokens)
    total = stt + llm
    rate = conf.usd_inr_rate()
    return VoiceAIUsageLog.objects.create(
        consultation_id=recording.consultation_id,
        patient_id=recording.patient_id,
        staff_id=recording.staff_id,
        branch_id=recording.branch_id,
        recording=recording,
        service=service,
        provider=provider,
        model=model[:50],
        audio_duration_seconds=audio,
        transcript_word_count=words,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        deepgram_cost_usd=stt,
        claude_cost_usd=llm,
        total_cost_usd=total,
        usd_inr_rate=rate,
        total_cost_inr=(total * rate).quantize(FOUR, ROUND_HALF_UP),
        started_at=started_at,
        completed_at=timezone.now(),
        processing_status=status,
        error_message=error[:300],
    )
