"""Voice settings with their defaults (config/settings.py sets them from the environment)."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings

from clinic.api_errors import ApplicationError

DEFAULT_LANGUAGE_MODES = {
    "en": {"model": "nova-3-medical", "language": "en-IN"},
    "hi_en": {"model": "nova-3", "language": "multi"},
}


class NotConfigured(ApplicationError):
    code = "provider_not_configured"
    http_status = 503


def _get(name: str, default):
    return getattr(settings, name, default)


def stt_provider_name() -> str:
    return _get("VOICE_STT_PROVIDER", "fake")


def notes_provider_name() -> str:
    return _get("VOICE_NOTES_PROVIDER", "fake")


def secret(name: str) -> str:
    """A key from NAME or from the file NAME_FILE names; empty when neither is set."""
    value = _get(name, "")
    path = _get(f"{name}_FILE", "")
    if not value and path:
        try:
            value = Path(path).read_text().strip()
        except OSError as exc:
            raise NotConfigured(f"{name}_FILE cannot be read: {exc.strerror}") from exc
    return value


def language_mode(mode: str) -> dict[str, str]:
    modes = _get("VOICE_STT_LANGUAGE_MODES", DEFAULT_LANGUAGE_MODES)
    return modes.get(mode) or modes["en"]


def stt_options() -> dict[str, bool]:
    return dict(
        _get(
            "VOICE_STT_OPTIONS",
            {"diarize": True, "smart_format": True, "punctuate": True, "utterances": True},
        )
    )


def keyterms_max() -> int:
    return _get("VOICE_STT_KEYTERMS_MAX", 50)


def keepalive_seconds() -> float:
    return _get("VOICE_STT_KEEPALIVE_SECONDS", 4.0)


def stt_price_per_minute(kind: str) -> Decimal:
    prices = _get("VOICE_STT_PRICE_USD_PER_MINUTE", {"batch": "0.0043", "live": "0.0077"})
    return Decimal(str(prices.get(kind, prices.get("batch", "0"))))


def llm_prices(model: str) -> tuple[Decimal, Decimal]:
    """USD per million (input, output) tokens; zero for an unpriced model (the fake one)."""
    prices = _get("VOICE_LLM_PRICES_USD_PER_MILLION", {})
    pair = prices.get(model)
    if not pair:
        return Decimal(0), Decimal(0)
    return Decimal(str(pair[0])), Decimal(str(pair[1]))


def usd_inr_rate() -> Decimal:
    return Decimal(str(_get("VOICE_USD_INR_RATE", "88.00")))


def notes_model() -> str:
    return _get("VOICE_NOTES_MODEL", "claude-sonnet-5-5")


def notes_max_tokens() -> int:
    return _get("VOICE_NOTES_MAX_TOKENS", 8000)


def notes_timeout() -> float:
    return _get("VOICE_NOTES_TIMEOUT_SECONDS", 120.0)


def notes_max_attempts() -> int:
    return max(1, _get("VOICE_NOTES_MAX_ATTEMPTS", 4))


def notes_retry_backoff() -> float:
    return _get("VOICE_NOTES_RETRY_BACKOFF_SECONDS", 15.0)


def audio_retention_days() -> int:
    return _get("VOICE_AUDIO_RETENTION_DAYS", 365)


def transcript_retention_days() -> int:
    return _get("VOICE_TRANSCRIPT_RETENTION_DAYS", 7 * 365 + 2)


def max_chunk_bytes() -> int:
    return _get("VOICE_MAX_CHUNK_BYTES", 256 * 1024)


def max_recording_bytes() -> int:
    return _get("VOICE_MAX_RECORDING_BYTES", 300 * 1024 * 1024)


def max_upload_bytes() -> int:
    return _get("VOICE_MAX_UPLOAD_BYTES", 100 * 1024 * 1024)
