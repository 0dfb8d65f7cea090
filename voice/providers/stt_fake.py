"""The demo speech-to-text: a scripted dermatology consultation handed out as audio arrives (one
line per few seconds of audio), so the whole flow runs offline. The console labels it as a demo."""

import asyncio
import hashlib

from voice.providers.base import (
    BatchTranscript,
    LiveSession,
    LiveSummary,
    OnError,
    OnResult,
    SpeechToText,
    SttOptions,
    SttSegment,
    Word,
)

DEMO_SCRIPT: tuple[tuple[int, str], ...] = (
    (0, "Good morning. Please have a seat. What brings you in today?"),
    (1, "Good morning doctor. I have itchy red patches on both forearms for about three weeks."),
    (0, "Does the itching get worse at night, and has anyone at home got the same?"),
    (1, "Yes, worse at night. Nobody else at home has it."),
    (0, "Any allergies to medicines?"),
    (1, "I get a rash with sulfa drugs."),
    (0, "I see dry, scaly plaques on both forearms, no pus, no fever. This looks like eczema."),
    (0, "Start mometasone 0.1% cream twice daily for 2 weeks on the patches."),
    (0, "Take levocetirizine 5 mg once daily at night for 10 days."),
    (0, "Use a fragrance-free moisturiser after every bath."),
    (0, "Come back after 14 days so I can see how it responds."),
    (1, "Thank you doctor."),
)
DEFAULT_BYTES_PER_SECOND = 4000  # containers (opus): a rough rate; PCM uses its own


def _words(text: str, start: float, end: float, speaker: int) -> tuple[Word, ...]:
    tokens = text.split()
    step = (end - start) / max(1, len(tokens))
    return tuple(
        Word(t, start + i * step, start + (i + 1) * step, speaker, 0.99) for i, t in enumerate(tokens)
    )


def _segment(line: tuple[int, str], start: float, length: float, *, final: bool) -> SttSegment:
    speaker, text = line
    shown = text if final else " ".join(text.split()[: max(1, len(text.split()) // 2)])
    end = start + length * 0.9
    return SttSegment(shown, start, end, speaker, 0.99, final, _words(shown, start, end, speaker))


class FakeSpeechToText(SpeechToText):
    name = "fake"
    is_demo = True
    keeps_audio_local = True

    def __init__(self, script=DEMO_SCRIPT, seconds_per_line: float = 4.0):
        self.script = tuple(script)
        self.seconds_per_line = seconds_per_line

    def transcribe(self, audio: bytes, *, options: SttOptions) -> BatchTranscript:
        rate = 2 * options.sample_rate * options.channels if options.encoding == "linear16" else None
        seconds = len(audio) / (rate or DEFAULT_BYTES_PER_SECOND)
        count = max(1, min(len(self.script), int(seconds // self.seconds_per_line) or len(self.script)))
        segments = [
            _segment(line, i * self.seconds_per_line, self.seconds_per_line, final=True)
            for i, line in enumerate(self.script[:count])
        ]
        return BatchTranscript(
            segments=segments,
            duration_seconds=round(seconds, 2),
            model="demo-script",
            request_id="demo-" + hashlib.sha256(audio).hexdigest()[:12],
        )

    async def open_live(self, *, options: SttOptions, on_result: OnResult, on_error: OnError) -> LiveSession:
        rate = 2 * options.sample_rate * options.channels if options.encoding == "linear16" else None
        first_line = int(options.start_seconds // self.seconds_per_line)
        return FakeLiveSession(self, rate or DEFAULT_BYTES_PER_SECOND, on_result, first_line)


class FakeLiveSession(LiveSession):
    """Lines are taken from the script in order; a stream that starts later in the recording (a
    reconnect) carries on where the conversation had got to."""

    def __init__(
        self, provider: FakeSpeechToText, bytes_per_second: int, on_result: OnResult, first_line: int = 0
    ):
        self.provider = provider
        self.cursor = first_line
        self.bytes_per_second = bytes_per_second
        self.on_result = on_result
        self.received = 0
        self.emitted = 0
        self.pending: tuple[int, str] | None = None
        self.lock = asyncio.Lock()
        self.summary = LiveSummary()

    def _take(self) -> tuple[int, str] | None:
        if self.cursor >= len(self.provider.script):
            return None
        self.cursor += 1
        return self.provider.script[self.cursor - 1]

    async def send_audio(self, data: bytes) -> None:
        async with self.lock:
            self.received += len(data)
            self.summary.audio_bytes += len(data)
            heard = self.received / self.bytes_per_second
            step = self.provider.seconds_per_line
            while heard >= (self.emitted + 1) * step:
                line = self.pending or self._take()
                self.pending = None
                if line is None:
                    return
                await self.on_result(_segment(line, self.emitted * step, step, final=True))
                self.emitted += 1
            if self.pending is None and heard > self.emitted * step:
                self.pending = self._take()
                if self.pending is not None:
                    await self.on_result(_segment(self.pending, self.emitted * step, step, final=False))

    async def finish(self, *, timeout: float = 10.0) -> LiveSummary:
        async with self.lock:
            if self.pending is not None:
                step = self.provider.seconds_per_line
                await self.on_result(_segment(self.pending, self.emitted * step, step, final=True))
                self.pending = None
                self.emitted += 1
            self.summary.duration_seconds = round(self.received / self.bytes_per_second, 2)
            return self.summary

    async def abort(self) -> None:
        self.pending = None
