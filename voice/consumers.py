"""The consultation room's audio socket: `ws/voice/<recording id>/`.

Who: the session's logged-in user (cookie; never a token in the query string), refused in
connect() when anonymous or not allowed to record this consultation (voice.permissions.can_record).
The Origin header is checked by AllowedHostsOriginValidator around the router (config/asgi.py).

Protocol (JSON text frames, binary audio frames):
  server -> {"type": "ready", "status", "consent_required", "next_index", "last_index", "audio_format",
             "sample_rate", "max_chunk_bytes", "provider", "demo"}
  client -> binary: 4-byte big-endian chunk index, then the audio (PCM 16-bit LE at the recording's
            sample rate, for live transcription). Chunk n is accepted only after chunk n-1.
  server -> {"type": "ack", "index", "stored", "last_index", "seconds"} once it is stored encrypted,
            or {"type": "error", "code", "message", "index", "next_index"} (nothing stored).
  server -> {"type": "interim", "text", "speaker", "start", "end"} and {"type": "final", "utterance":
            {"id", "speaker", "start", "end", "text", "confidence"}} from speech-to-text.
  client -> {"type": "resume", "next_index": n}: after a reconnect; the server answers
            {"type": "resume", "last_index", "next_index"}: send from next_index.
  client -> {"type": "stop"}: the last finals are stored, the recording is finalized, then
            {"type": "finalized", "status", ...} and the socket closes.
  client -> {"type": "ping"} -> {"type": "pong"}
  server -> {"type": "stopped", "reason"} when consent is withdrawn or the audio deleted elsewhere.
Close codes: 4401 not logged in, 4403 not allowed, 4404 no such recording, 4409 recording closed.
"""

import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import Http404

from clinic.api_errors import ApplicationError
from voice import conf, permissions
from voice.live import LiveTranscription
from voice.models import AudioFormat, RecordingStatus
from voice.selectors import recording_get, recording_status
from voice.services.common import recording_group
from voice.services.recordings import chunk_store, recording_finalize

logger = logging.getLogger(__name__)

HEADER_BYTES = 4


class RecordingConsumer(AsyncWebsocketConsumer):
    recording = None
    live: LiveTranscription | None = None
    finalizing = False

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        recording_id = self.scope["url_route"]["kwargs"]["recording_id"]
        try:
            recording = await database_sync_to_async(recording_get)(recording_id)
        except Http404:
            await self.close(code=4404)
            return
        if not await database_sync_to_async(permissions.can_record)(user, recording):
            await self.close(code=4403)
            return
        self.recording = recording
        self.user = user
        await self.accept()
        await self.channel_layer.group_add(recording_group(recording.pk), self.channel_name)
        await self._send_ready()

    async def _send_ready(self) -> None:
        recording = await database_sync_to_async(recording_get)(self.recording.pk)
        self.recording = recording
        status = await database_sync_to_async(recording_status)(recording)
        await self.send_json(
            {
                "type": "ready",
                "recording_id": str(recording.pk),
                "status": recording.status,
                "consent_required": not recording.consent_given,
                "next_index": recording.chunk_count,
                "last_index": recording.chunk_count - 1,
                "audio_format": recording.audio_format,
                "sample_rate": recording.sample_rate,
                "max_chunk_bytes": conf.max_chunk_bytes(),
                "provider": recording.stt_provider,
                "demo": status["provider"]["demo"],
            }
        )
        if recording.status not in (
            RecordingStatus.AWAITING_CONSENT,
            RecordingStatus.CONSENTED,
            RecordingStatus.RECORDING,
        ):
            await self.send_json(
                {"type": "error", "code": "recording_closed", "message": "This recording is closed."}
            )
            await self.close(code=4409)

    async def disconnect(self, code):
        if self.recording is not None:
            await self.channel_layer.group_discard(recording_group(self.recording.pk), self.channel_name)
        await self._stop_live(timeout=5.0)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    # --- client messages ---
    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self._audio(bytes_data)
            return
        try:
            message = json.loads(text_data or "")
            kind = message.get("type")
        except (ValueError, AttributeError):
            await self.send_json(
                {"type": "error", "code": "bad_message", "message": "Send JSON with a type."}
            )
            return
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "resume":
            await self._resume(message)
        elif kind == "stop":
            await self._finalize()
        elif kind == "pause":
            await self.send_json({"type": "paused"})  # the stream's keep-alives cover the silence
        else:
            await self.send_json(
                {"type": "error", "code": "bad_message", "message": f"Unknown type {kind!r}."}
            )

    async def _resume(self, message: dict) -> None:
        recording = await database_sync_to_async(recording_get)(self.recording.pk)
        self.recording = recording
        await self.send_json(
            {
                "type": "resume",
                "last_index": recording.chunk_count - 1,
                "next_index": recording.chunk_count,
                "client_next_index": message.get("next_index"),
            }
        )

    async def _audio(self, frame: bytes) -> None:
        if len(frame) < HEADER_BYTES:
            await self.send_json(
                {"type": "error", "code": "corrupt_chunk", "message": "A chunk starts with its 4-byte index."}
            )
            return
        index = int.from_bytes(frame[:HEADER_BYTES], "big")
        data = frame[HEADER_BYTES:]
        try:
            result = await database_sync_to_async(chunk_store)(
                recording_id=self.recording.pk, index=index, data=data
            )
        except ApplicationError as exc:
            await self.send_json(
                {"type": "error", "code": exc.code, "message": exc.message, "index": index, **exc.extra}
            )
            return
        await self.send_json(
            {
                "type": "ack",
                "index": index,
                "stored": result.stored,
                "last_index": result.last_index,
                "seconds": result.audio_seconds,
            }
        )
        if result.stored:
            await self._transcribe(index, data)

    async def _transcribe(self, index: int, data: bytes) -> None:
        if self.live is None:
            recording = await database_sync_to_async(recording_get)(self.recording.pk)
            self.recording = recording
            if recording.audio_format != AudioFormat.PCM16 and index > 0:
                return  # a container stream cannot be joined midway: transcribed whole at finalize
            self.live = LiveTranscription(
                recording_id=recording.pk, provider_name=recording.stt_provider, send=self.send_json
            )
            stored_before = recording.audio_size_bytes - len(data)
            rate = recording.bytes_per_second
            offset = stored_before / rate if rate else 0.0
            await self.live.start(recording=recording, offset_seconds=offset)
        await self.live.feed(data)

    async def _stop_live(self, *, timeout: float) -> None:
        live, self.live = self.live, None
        if live is not None:
            try:
                await live.stop(timeout=timeout)
            except Exception:
                logger.exception("live transcription of recording %s did not stop cleanly", self.recording.pk)

    async def _finalize(self) -> None:
        self.finalizing = True
        await self._stop_live(timeout=10.0)
        try:
            recording = await database_sync_to_async(recording_finalize)(
                acting_user=self.user, recording=self.recording
            )
        except ApplicationError as exc:
            self.finalizing = False
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})
            return
        except ValidationError as exc:
            self.finalizing = False
            await self.send_json({"type": "error", "code": "invalid", "message": " ".join(exc.messages)})
            return
        status = await database_sync_to_async(recording_status)(
            await database_sync_to_async(recording_get)(recording.pk)
        )
        await self.send_json({"type": "finalized", **status})
        await self.close(code=1000)

    # --- group messages (services, after commit) ---
    async def recording_stop(self, event):
        await self._stop_live(timeout=2.0)
        await self.send_json({"type": "stopped", "reason": event.get("reason", "")})
        await self.close(code=4409)

    async def recording_finalized(self, event):
        if not self.finalizing:  # stopped from another device or the API
            await self._stop_live(timeout=2.0)
            await self.send_json({"type": "stopped", "reason": "finalized"})
            await self.close(code=4409)
