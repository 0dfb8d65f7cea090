"""A loopback stand-in for Deepgram's speech-to-text API, speaking its wire format.

- Pre-recorded: `POST /v1/listen?model=...` with `Authorization: Token <key>` and the audio as the body
  is answered like Deepgram does: {"metadata": {...}, "results": {"channels": [{"alternatives":
  [{"transcript", "confidence", "words"}]}], "utterances": [...]}}.
- Live: a websocket at `/v1/listen?...` takes binary audio and the JSON control messages KeepAlive,
  Finalize and CloseStream; it answers with "Results" messages (interim, then final, with
  channel.alternatives, start, duration, is_final, speech_final) and, on CloseStream, "Metadata".

What is said comes from `script`: lines of (speaker, text) handed out in order, one line per
`seconds_per_line` of audio received (PCM byte rate from the query's encoding and sample_rate), the
cursor shared across streams so that a reconnected stream carries on the same conversation. Tests
can make the next REST calls fail (status, malformed body, delay) and the next streams be refused.
"""

import asyncio
import datetime
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

API_KEY = "test-deepgram-key"
MODEL_UUID = "1dbdfb4d-85b2-4659-9ce6-2a4d0fe5ec9d"


@dataclass
class RestFailure:
    status: int = 500
    malformed: bool = False
    delay: float = 0.0


@dataclass
class StreamRecord:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    audio: bytearray = field(default_factory=bytearray)
    audio_messages: int = 0
    controls: list[str] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)
    closed_cleanly: bool = False


def _words(text: str, start: float, end: float, speaker: int) -> list[dict]:
    tokens = text.split()
    step = (end - start) / max(1, len(tokens))
    return [
        {
            "word": token.strip(".,?!").lower(),
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "confidence": 0.97,
            "punctuated_word": token,
            "speaker": speaker,
            "speaker_confidence": 0.9,
        }
        for i, token in enumerate(tokens)
    ]


@dataclass
class DeepgramStub:
    api_key: str = API_KEY
    script: list[tuple[int, str]] = field(default_factory=list)
    seconds_per_line: float = 1.0
    default_bytes_per_second: int = 4000  # containers (webm/opus): a rough byte rate
    rest_requests: list[dict] = field(default_factory=list)
    streams: list[StreamRecord] = field(default_factory=list)
    _cursor: int = 0
    _rest_failures: list[RestFailure] = field(default_factory=list)
    _stream_refusals: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- control ---
    def start(self) -> "DeepgramStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                stub._handle_rest(self)

            def log_message(self, *args):
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def main():
            self._stop = asyncio.Event()
            async with serve(
                self._handle_stream, "127.0.0.1", 0, process_request=self._check_handshake
            ) as server:
                self._ws_port = next(iter(server.sockets)).getsockname()[1]
                ready.set()
                await self._stop.wait()

        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(main(),), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def websocket_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws_port}"

    def fail_next_rest(
        self, status: int = 500, *, times: int = 1, malformed: bool = False, delay: float = 0.0
    ):
        with self._lock:
            self._rest_failures.extend(RestFailure(status, malformed, delay) for _ in range(times))

    def refuse_next_stream(self, status: int = 401) -> None:
        with self._lock:
            self._stream_refusals.append(status)

    def lines_handed_out(self) -> int:
        return self._cursor

    def _take_line(self) -> tuple[int, str] | None:
        with self._lock:
            if self._cursor >= len(self.script):
                return None
            line = self.script[self._cursor]
            self._cursor += 1
            return line

    # --- REST: pre-recorded ---
    def _handle_rest(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        if not length and request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = _read_chunked(request.rfile)
        parts = urlsplit(request.path)
        record = {
            "path": parts.path,
            "query": parse_qs(parts.query),
            "headers": dict(request.headers.items()),
            "audio_bytes": len(body),
        }
        with self._lock:
            self.rest_requests.append(record)
            failure = self._rest_failures.pop(0) if self._rest_failures else None
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return _send(request, 401, {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."})
        if parts.path != "/v1/listen":
            return _send(request, 404, {"err_code": "NOT_FOUND", "err_msg": "Not found."})
        if not body:
            return _send(request, 400, {"err_code": "Bad Request", "err_msg": "No audio in the request."})
        if failure:
            if failure.delay:
                time.sleep(failure.delay)
            if failure.malformed:
                return _send_raw(request, 200, b'{"metadata": {"request_id": "x"}, "results": {"chann')
            if failure.status >= 400:
                return _send(
                    request,
                    failure.status,
                    {"err_code": "ERROR", "err_msg": f"Stub failure {failure.status}", "request_id": "req"},
                )
        lines = []
        while (line := self._take_line()) is not None:
            lines.append(line)
        return _send(request, 200, self._prerecorded_response(lines, body))

    def _prerecorded_response(self, lines: list[tuple[int, str]], audio: bytes) -> dict:
        utterances, words = [], []
        for i, (speaker, text) in enumerate(lines):
            start, end = i * self.seconds_per_line, i * self.seconds_per_line + self.seconds_per_line * 0.9
            w = _words(text, start, end, speaker)
            words += w
            utterances.append(
                {
                    "start": start,
                    "end": end,
                    "confidence": 0.96,
                    "channel": 0,
                    "transcript": text,
                    "words": w,
                    "speaker": speaker,
                    "id": str(uuid.uuid4()),
                }
            )
        request_id = str(uuid.uuid4())
        return {
            "metadata": {
                "transaction_key": "deprecated",
                "request_id": request_id,
                "sha256": hashlib.sha256(audio).hexdigest(),
                "created": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
                "duration": len(lines) * self.seconds_per_line,
                "channels": 1,
                "models": [MODEL_UUID],
                "model_info": {
                    MODEL_UUID: {"name": "2-medical-nova", "version": "2026-01-01", "arch": "nova-3"}
                },
            },
            "results": {
                "channels": [
                    {
                        "alternatives": [
                            {
                                "transcript": " ".join(text for _, text in lines),
                                "confidence": 0.96,
                                "words": words,
                            }
                        ]
                    }
                ],
                "utterances": utterances,
            },
        }

    # --- websocket: live ---
    async def _check_handshake(self, connection, request):
        with self._lock:
            refusal = self._stream_refusals.pop(0) if self._stream_refusals else None
        if refusal:
            return connection.respond(refusal, "Refused by the stub\n")
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return connection.respond(401, "Invalid credentials\n")
        if urlsplit(request.path).path != "/v1/listen":
            return connection.respond(404, "Not found\n")
        return None

    async def _handle_stream(self, ws) -> None:
        parts = urlsplit(ws.request.path)
        query = parse_qs(parts.query)
        record = StreamRecord(path=parts.path, query=query, headers=dict(ws.request.headers.raw_items()))
        with self._lock:
            self.streams.append(record)
        if query.get("encoding", [""])[0] == "linear16":
            rate = int(query.get("sample_rate", ["16000"])[0]) * int(query.get("channels", ["1"])[0])
            bytes_per_second = 2 * rate
        else:
            bytes_per_second = self.default_bytes_per_second
        request_id = str(uuid.uuid4())
        emitted = 0
        pending: tuple[int, str] | None = None

        async def send(message: dict) -> None:
            record.sent.append(message)
            await ws.send(json.dumps(message))

        def results(line: tuple[int, str], index: int, *, final: bool) -> dict:
            speaker, text = line
            start = index * self.seconds_per_line
            end = start + self.seconds_per_line * 0.9
            shown = text if final else " ".join(text.split()[: max(1, len(text.split()) // 2)])
            return {
                "type": "Results",
                "channel_index": [0, 1],
                "duration": round(end - start, 3),
                "start": start,
                "is_final": final,
                "speech_final": final,
                "from_finalize": False,
                "channel": {
                    "alternatives": [
                        {"transcript": shown, "confidence": 0.95, "words": _words(shown, start, end, speaker)}
                    ]
                },
                "metadata": {
                    "request_id": request_id,
                    "model_info": {"name": "2-medical-nova", "version": "2026-01-01", "arch": "nova-3"},
                    "model_uuid": MODEL_UUID,
                },
            }

        try:
            async for message in ws:
                if isinstance(message, bytes):
                    record.audio += message
                    record.audio_messages += 1
                    heard = len(record.audio) / bytes_per_second
                    while heard >= (emitted + 1) * self.seconds_per_line:
                        line, shown = (pending, True) if pending else (self._take_line(), False)
                        pending = None
                        if line is None:
                            break
                        if not shown:
                            await send(results(line, emitted, final=False))
                        await send(results(line, emitted, final=True))
                        emitted += 1
                    if pending is None and heard > emitted * self.seconds_per_line:
                        pending = self._take_line()
                        if pending is not None:
                            await send(results(pending, emitted, final=False))
                    continue
                control = json.loads(message)
                record.controls.append(control.get("type", "?"))
                if control.get("type") in ("Finalize", "CloseStream"):
                    heard = len(record.audio) / bytes_per_second
                    if pending is None and heard > emitted * self.seconds_per_line:
                        pending = self._take_line()
                    if pending is not None:
                        final = results(pending, emitted, final=True)
                        final["from_finalize"] = control["type"] == "Finalize"
                        await send(final)
                        emitted += 1
                        pending = None
                if control.get("type") == "CloseStream":
                    await send(
                        {
                            "type": "Metadata",
                            "transaction_key": "deprecated",
                            "request_id": request_id,
                            "sha256": hashlib.sha256(bytes(record.audio)).hexdigest(),
                            "created": datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z"),
                            "duration": round(len(record.audio) / bytes_per_second, 3),
                            "channels": 1,
                            "models": [MODEL_UUID],
                            "model_info": {
                                MODEL_UUID: {
                                    "name": "2-medical-nova",
                                    "version": "2026-01-01",
                                    "arch": "nova-3",
                                }
                            },
                        }
                    )
                    record.closed_cleanly = True
                    await ws.close()
                    return
        except ConnectionClosed:
            return
        finally:
            if pending is not None and not record.closed_cleanly:
                with self._lock:  # a line never finalized goes back for the next stream
                    self._cursor -= 1


def _read_chunked(stream) -> bytes:
    body = b""
    while True:
        size = int(stream.readline().strip() or b"0", 16)
        if size == 0:
            stream.readline()
            return body
        body += stream.read(size)
        stream.readline()


def _send(request, status: int, body: dict) -> None:
    _send_raw(request, status, json.dumps(body).encode())


def _send_raw(request, status: int, data: bytes) -> None:
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.fixture
def deepgram_stub():
    stub = DeepgramStub().start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def deepgram_settings(settings, deepgram_stub):
    """Point the Deepgram adapter (the real SDK) at the stub."""
    settings.VOICE_STT_PROVIDER = "deepgram"
    settings.DEEPGRAM_API_KEY = deepgram_stub.api_key
    settings.DEEPGRAM_API_KEY_FILE = ""
    settings.DEEPGRAM_BASE_URL = deepgram_stub.base_url
    settings.DEEPGRAM_WEBSOCKET_URL = deepgram_stub.websocket_url
    settings.DEEPGRAM_TIMEOUT_SECONDS = 5.0
    settings.VOICE_STT_KEEPALIVE_SECONDS = 0.2
    return settings
