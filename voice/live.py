"""One websocket connection's live transcription: audio already stored goes on to the speech-to-text
stream; interim results are passed to the tablet, final ones stored as utterances first.

A stream that cannot start or breaks loses no audio: the transcript is marked incomplete and the
whole recording goes through the pre-recorded API when it is finalized.
"""

import logging
import uuid
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.utils import timezone

from voice.providers import ProviderError, get_stt
from voice.providers.base import LiveSession, SttOptions, SttSegment
from voice.services.transcripts import (
    live_options,
    live_usage_record,
    transcript_append_final,
    transcript_mark_interrupted,
)

logger = logging.getLogger(__name__)

Send = Callable[[dict], Awaitable[None]]


class LiveTranscription:
    def __init__(self, *, recording_id: uuid.UUID, provider_name: str, send: Send):
        self.recording_id = recording_id
        self.provider = get_stt(provider_name)
        self.send = send
        self.session: LiveSession | None = None
        self.offset_seconds = 0.0
        self.failed = False
        self.started_at = None
        self.model = ""

    async def start(self, *, recording, offset_seconds: float) -> bool:
        """Open the stream; False (and the transcript marked incomplete) when it cannot."""
        self.offset_seconds = offset_seconds
        self.started_at = timezone.now()
        try:
            options = await database_sync_to_async(live_options)(recording, provider=self.provider.name)
            options = SttOptions(**{**options.__dict__, "start_seconds": offset_seconds})
            self.model = options.model if self.provider.name == "deepgram" else self.provider.name
            self.session = await self.provider.open_live(
                options=options, on_result=self._on_result, on_error=self._on_error
            )
        except ProviderError as exc:
            await self._give_up(exc)
            return False
        except Exception as exc:  # the egress guard refusing keyterms, a bug: audio keeps being stored
            logger.exception("live transcription of recording %s could not start", self.recording_id)
            error = ProviderError(
                f"Live transcription could not start ({type(exc).__name__}).", code="stt_unavailable"
            )
            await self._give_up(error)
            return False
        return True

    async def feed(self, data: bytes) -> None:
        if self.session is None or self.failed:
            return
        try:
            await self.session.send_audio(data)
        except ProviderError as exc:
            await self._on_error(exc)

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Flush: the provider's last finals are stored before this returns."""
        session, self.session = self.session, None
        if session is None:
            return
        error = ""
        try:
            summary = await session.finish(timeout=timeout)
        except Exception as exc:
            logger.warning("live stream of recording %s did not close cleanly: %s", self.recording_id, exc)
            summary = getattr(session, "summary", None)
            error = f"close failed: {type(exc).__name__}"
        if summary is None:
            return
        seconds = summary.duration_seconds
        await database_sync_to_async(live_usage_record)(
            recording_id=self.recording_id,
            provider=self.provider.name,
            model=self.model,
            seconds=seconds,
            audio_bytes=summary.audio_bytes,
            sha256=summary.extra.get("sha256", ""),
            started_at=self.started_at,
            error=error,
        )

    async def _on_result(self, segment: SttSegment) -> None:
        if segment.is_final:
            utterance = await database_sync_to_async(transcript_append_final)(
                recording_id=self.recording_id, segment=segment, offset_seconds=self.offset_seconds
            )
            await self.send({"type": "final", "utterance": utterance})
        else:
            await self.send(
                {
                    "type": "interim",
                    "text": segment.text,
                    "speaker": segment.speaker,
                    "start": round(segment.start + self.offset_seconds, 2),
                    "end": round(segment.end + self.offset_seconds, 2),
                }
            )

    async def _on_error(self, error: ProviderError) -> None:
        if self.failed:
            return
        await self._give_up(error)
        session, self.session = self.session, None
        if session is not None:
            await session.abort()

    async def _give_up(self, error: ProviderError) -> None:
        self.failed = True
        message = (
            f"Live transcription stopped ({error.code}); "
            "the audio is kept and will be transcribed when you stop."
        )
        await database_sync_to_async(transcript_mark_interrupted)(
            recording_id=self.recording_id, message=message
        )
        try:
            await self.send({"type": "stt_error", "code": error.code, "message": message})
        except Exception:  # the socket is gone; the status says it too
            logger.info("could not tell the tablet that live transcription stopped")
