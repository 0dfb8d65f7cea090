"""The small interfaces behind which the outside services sit (decision 6): speech-to-text, live and
pre-recorded, and the notes drafter. Adapters translate their SDK's shapes into these and their
SDK's errors into ProviderError with a code the services understand.
"""

import abc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from clinic.api_errors import ApplicationError


class ProviderError(ApplicationError):
    """An outside service failed. `transient` errors (timeouts, 429, 5xx, a malformed reply) are
    worth another try later; the others (401, a refusal, bad input) are not."""

    code = "provider_error"
    http_status = 502

    def __init__(
        self, message: str, *, code: str | None = None, transient: bool = False, status: int | None = None
    ):
        super().__init__(message, code=code)
        self.transient = transient
        self.status = status


class NotAvailable(ProviderError):
    """The provider cannot run here (not installed, not configured)."""

    code = "provider_not_available"
    http_status = 503


# ------------------------------------------------------------------ speech-to-text


@dataclass(frozen=True)
class SttOptions:
    model: str
    language: str
    diarize: bool = True
    smart_format: bool = True
    punctuate: bool = True
    utterances: bool = True
    keyterms: tuple[str, ...] = ()
    encoding: str | None = None  # "linear16" for raw PCM; None lets the service detect a container
    sample_rate: int | None = None
    channels: int = 1
    interim_results: bool = True
    start_seconds: float = 0.0  # where in the recording this stream begins (after a reconnect)


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    speaker: int | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class SttSegment:
    """One result: an interim or final piece of a live stream, or an utterance of a batch job.
    Times are seconds from the start of the audio the provider was given."""

    text: str
    start: float
    end: float
    speaker: int | None = None
    confidence: float | None = None
    is_final: bool = True
    words: tuple[Word, ...] = ()


@dataclass
class BatchTranscript:
    segments: list[SttSegment]
    duration_seconds: float
    model: str
    request_id: str = ""


@dataclass
class LiveSummary:
    """What a finished live stream reports: audio seconds the provider counted, its request id."""

    duration_seconds: float = 0.0
    request_id: str = ""
    audio_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


OnResult = Callable[[SttSegment], Awaitable[None]]
OnError = Callable[[ProviderError], Awaitable[None]]


class LiveSession(abc.ABC):
    """One live stream. Audio goes in with send_audio(); results come back through the on_result
    callback given to open_live(), interim and final alike, in order."""

    @abc.abstractmethod
    async def send_audio(self, data: bytes) -> None: ...

    @abc.abstractmethod
    async def finish(self, *, timeout: float = 10.0) -> LiveSummary:
        """Say that no more audio comes, wait for the last final results, close."""

    @abc.abstractmethod
    async def abort(self) -> None:
        """Close at once; results still in flight are lost (the stored audio is not)."""


class SpeechToText(abc.ABC):
    name: str = ""
    is_demo: bool = False
    keeps_audio_local: bool = False
    supports_live: bool = True

    @abc.abstractmethod
    def transcribe(self, audio: bytes, *, options: SttOptions) -> BatchTranscript:
        """Pre-recorded: the whole audio at once (uploads, re-processing)."""

    @abc.abstractmethod
    async def open_live(self, *, options: SttOptions, on_result: OnResult, on_error: OnError) -> LiveSession:
        """Start a live stream."""


# ------------------------------------------------------------------ notes


@dataclass
class NotesReply:
    """The drafter's answer: the JSON text it produced and what it cost."""

    text: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = ""
    request_id: str = ""


class NotesDrafter(abc.ABC):
    name: str = ""
    is_demo: bool = False

    @abc.abstractmethod
    def draft(self, *, system: str, prompt: str, schema: dict, max_tokens: int) -> NotesReply:
        """Send the (already anonymized and egress-checked) prompt; return the reply's JSON text.
        Raises ProviderError (transient or not) for anything but a complete answer."""
