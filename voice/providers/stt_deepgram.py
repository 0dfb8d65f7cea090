"""Deepgram speech-to-text through the real `deepgram-sdk` (v7): pre-recorded for uploads and
re-processing, a live websocket for the consultation room.

The SDK takes no base URL: `DeepgramClientEnvironment` points both its REST and websocket bases
elsewhere (tests use a loopback stub). `mip_opt_out=true` is sent on every request. Deepgram's own
`redact` is not used: it would change the text the notes are aligned with; our anonymizer does it.
"""

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import Counter
from typing import Any

import httpx
from deepgram import AsyncDeepgramClient, DeepgramClient
from deepgram.core.api_error import ApiError
from deepgram.core.parse_error import ParsingError
from deepgram.environment import DeepgramClientEnvironment
from django.conf import settings

from voice import conf
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

logger = logging.getLogger(__name__)

PRODUCTION_BASE = "https://api.deepgram.com"
PRODUCTION_WEBSOCKET = "wss://api.deepgram.com"


def _environment() -> DeepgramClientEnvironment:
    base = getattr(settings, "DEEPGRAM_BASE_URL", PRODUCTION_BASE).rstrip("/")
    websocket = getattr(settings, "DEEPGRAM_WEBSOCKET_URL", PRODUCTION_WEBSOCKET).rstrip("/")
    if base == PRODUCTION_BASE and websocket == PRODUCTION_WEBSOCKET:
        return DeepgramClientEnvironment.PRODUCTION
    # 7.x requires all four; the agent endpoints are not used here.
    return DeepgramClientEnvironment(base=base, production=websocket, agent=websocket, agent_rest=base)


def _api_key() -> str:
    key = conf.secret("DEEPGRAM_API_KEY")
    if not key:
        raise NotAvailable("Deepgram is not configured: set DEEPGRAM_API_KEY (or DEEPGRAM_API_KEY_FILE).")
    return key


def _timeout() -> float:
    return getattr(settings, "DEEPGRAM_TIMEOUT_SECONDS", 120.0)


def error_from(exc: Exception) -> ProviderError:
    """Deepgram's failures, as one error type with a code and a transient flag."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ApiError):
        status = exc.status_code or 0
        if 200 <= status < 300:
            return ProviderError(
                "Deepgram's reply could not be read.", code="provider_malformed", transient=True
            )
        if status in (401, 403):
            return ProviderError(
                "Deepgram refused the credentials; check DEEPGRAM_API_KEY.",
                code="provider_auth",
                status=status,
            )
        if status == 429:
            return ProviderError(
                "Deepgram is rate-limiting; trying again later.",
                code="provider_rate_limited",
                transient=True,
                status=status,
            )
        if status >= 500 or status == 408:
            return ProviderError(
                f"Deepgram is unavailable ({status}).",
                code="provider_unavailable",
                transient=True,
                status=status,
            )
        return ProviderError(
            f"Deepgram refused the request ({status}).", code="provider_bad_request", status=status
        )
    if isinstance(exc, ParsingError):
        return ProviderError("Deepgram's reply could not be read.", code="provider_malformed", transient=True)
    if isinstance(exc, httpx.TimeoutException | asyncio.TimeoutError | TimeoutError):
        return ProviderError("Deepgram did not answer in time.", code="provider_timeout", transient=True)
    if isinstance(exc, httpx.TransportError | OSError):
        return ProviderError("Deepgram could not be reached.", code="provider_unreachable", transient=True)
    return ProviderError(f"Deepgram failed: {type(exc).__name__}.", code="provider_error", transient=True)


def _speaker(words: list[Any]) -> int | None:
    speakers = [w.speaker for w in words if getattr(w, "speaker", None) is not None]
    return Counter(speakers).most_common(1)[0][0] if speakers else None


def _words(words: list[Any]) -> tuple[Word, ...]:
    return tuple(
        Word(
            text=getattr(w, "punctuated_word", None) or w.word or "",
            start=float(w.start or 0),
            end=float(w.end or 0),
            speaker=getattr(w, "speaker", None),
            confidence=getattr(w, "confidence", None),
        )
        for w in words or ()
    )


def _common_params(options: SttOptions) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": options.model,
        "language": options.language,
        "diarize": options.diarize,
        "smart_format": options.smart_format,
        "punctuate": options.punctuate,
        "mip_opt_out": True,
    }
    if options.keyterms:
        params["keyterm"] = list(options.keyterms)
    return params


class DeepgramSpeechToText(SpeechToText):
    name = "deepgram"

    # --- pre-recorded ---
    def transcribe(self, audio: bytes, *, options: SttOptions) -> BatchTranscript:
        client = DeepgramClient(api_key=_api_key(), environment=_environment(), timeout=_timeout())
        params = _common_params(options)
        params["utterances"] = options.utterances
        query: dict[str, Any] = {}
        if options.encoding:
            params["encoding"] = options.encoding
            query = {"sample_rate": options.sample_rate, "channels": options.channels}
        try:
            response = client.listen.v1.media.transcribe_file(
                request=audio,
                **params,
                request_options={
                    "max_retries": 0,
                    "timeout": _timeout(),
                    "additional_query_parameters": query,
                },
            )
        except Exception as exc:
            raise error_from(exc) from exc
        return self._batch_from(response, options)

    @staticmethod
    def _batch_from(response: Any, options: SttOptions) -> BatchTranscript:
        results = getattr(response, "results", None)
        metadata = getattr(response, "metadata", None)
        if results is None or metadata is None:
            raise ProviderError("Deepgram's reply has no results.", code="provider_malformed", transient=True)
        segments: list[SttSegment] = []
        for utterance in results.utterances or ():
            words = list(utterance.words or ())
            segments.append(
                SttSegment(
                    text=(utterance.transcript or "").strip(),
                    start=float(utterance.start or 0),
                    end=float(utterance.end or 0),
                    speaker=utterance.speaker if utterance.speaker is not None else _speaker(words),
                    confidence=utterance.confidence,
                    words=_words(words),
                )
            )
        if not segments and results.channels:
            alternative = (results.channels[0].alternatives or [None])[0]
            if alternative is not None and (alternative.transcript or "").strip():
                words = list(alternative.words or ())
                segments.append(
                    SttSegment(
                        text=alternative.transcript.strip(),
                        start=float(words[0].start) if words else 0.0,
                        end=float(words[-1].end) if words else float(metadata.duration or 0),
                        speaker=_speaker(words),
                        confidence=alternative.confidence,
                        words=_words(words),
                    )
                )
        return BatchTranscript(
            segments=[s for s in segments if s.text],
            duration_seconds=float(metadata.duration or 0),
            model=options.model,
            request_id=str(metadata.request_id or ""),
        )

    # --- live ---
    async def open_live(self, *, options: SttOptions, on_result: OnResult, on_error: OnError) -> LiveSession:
        session = DeepgramLiveSession(options=options, on_result=on_result, on_error=on_error)
        await session.open()
        return session


class DeepgramLiveSession(LiveSession):
    def __init__(self, *, options: SttOptions, on_result: OnResult, on_error: OnError):
        self.options = options
        self._on_result = on_result
        self._on_error = on_error
        self._stack = contextlib.AsyncExitStack()
        self._socket = None
        self._receiver: asyncio.Task | None = None
        self._keepalive: asyncio.Task | None = None
        self._closing = False
        self._last_sent = time.monotonic()
        self._digest = hashlib.sha256()
        self.summary = LiveSummary()

    async def open(self) -> None:
        client = AsyncDeepgramClient(api_key=_api_key(), environment=_environment(), timeout=_timeout())
        params = _common_params(self.options)
        params["interim_results"] = self.options.interim_results
        if self.options.encoding:
            params.update(
                encoding=self.options.encoding,
                sample_rate=self.options.sample_rate,
                channels=self.options.channels,
            )
        try:
            self._socket = await self._stack.enter_async_context(client.listen.v1.connect(**params))
        except Exception as exc:
            await self._stack.aclose()
            raise error_from(exc) from exc
        self._receiver = asyncio.create_task(self._receive())
        self._keepalive = asyncio.create_task(self._keep_alive())

    async def send_audio(self, data: bytes) -> None:
        if self._closing:
            return
        try:
            await self._socket.send_media(data)
        except Exception as exc:
            raise error_from(exc) from exc
        self._last_sent = time.monotonic()
        self._digest.update(data)
        self.summary.audio_bytes += len(data)

    async def _keep_alive(self) -> None:
        """Deepgram closes a stream that hears nothing for about 10 s (a paused recording)."""
        interval = conf.keepalive_seconds()
        while not self._closing:
            await asyncio.sleep(interval / 4)
            if not self._closing and time.monotonic() - self._last_sent >= interval:
                try:
                    await self._socket.send_keep_alive()
                except Exception:  # the receiver reports the closed connection
                    return
                self._last_sent = time.monotonic()

    async def _receive(self) -> None:
        try:
            async for message in self._socket:
                kind = getattr(message, "type", None)
                if kind == "Results":
                    segment = self._segment(message)
                    if segment is not None:
                        try:
                            await self._on_result(segment)
                        except Exception:
                            logger.exception("live transcript result could not be handled")
                elif kind == "Metadata":
                    self.summary.duration_seconds = float(getattr(message, "duration", 0) or 0)
                    self.summary.request_id = str(getattr(message, "request_id", "") or "")
                elif kind == "Error":
                    await self._on_error(
                        ProviderError(
                            f"Deepgram reported an error: {getattr(message, 'description', '')}"[:200],
                            code="provider_error",
                            transient=True,
                        )
                    )
        except Exception as exc:
            if not self._closing:
                await self._on_error(error_from(exc))
            return
        if not self._closing:
            await self._on_error(
                ProviderError(
                    "Deepgram closed the live stream.", code="provider_disconnected", transient=True
                )
            )

    @staticmethod
    def _segment(message: Any) -> SttSegment | None:
        alternatives = getattr(getattr(message, "channel", None), "alternatives", None) or []
        if not alternatives:
            return None
        alternative = alternatives[0]
        text = (alternative.transcript or "").strip()
        if not text:
            return None
        start = float(message.start or 0)
        words = list(alternative.words or ())
        return SttSegment(
            text=text,
            start=start,
            end=start + float(message.duration or 0),
            speaker=_speaker(words),
            confidence=alternative.confidence,
            is_final=bool(message.is_final),
            words=_words(words),
        )

    async def finish(self, *, timeout: float = 10.0) -> LiveSummary:
        if self._closing:
            return self.summary
        self._closing = True
        try:
            await self._socket.send_close_stream()
        except Exception:
            logger.info("live stream was already closed when finishing")
        if self._receiver is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._receiver), timeout)
            except TimeoutError:
                logger.warning("Deepgram sent no final results within %.0f s of CloseStream", timeout)
                self._receiver.cancel()
        await self._close()
        self.summary.extra["sha256"] = self._digest.hexdigest()
        return self.summary

    async def abort(self) -> None:
        self._closing = True
        if self._receiver is not None:
            self._receiver.cancel()
        await self._close()

    async def _close(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
        with contextlib.suppress(Exception):
            await self._stack.aclose()
