"""A loopback stand-in for Anthropic's Messages API (`POST /v1/messages`), speaking its wire format.

It accepts the key as `X-Api-Key` (SDK 1.x) or `Authorization: Bearer` (SDK 2.x), refuses sampling
parameters and a forced `tool_choice` as the newest models do, requires structured output
(`output_config.format` of type json_schema), and answers with a message whose text block is the
draft. Every request's raw bytes are kept, so a test can prove what left the building.

The default responder drafts from the transcript lines of the prompt (`[u3] Speaker 1: ...`) with
real quotes as evidence; tests may pass their own. Failures can be queued: an HTTP status with
Anthropic's error body, a malformed body, a delay (timeouts), a stop_reason of max_tokens or refusal.
"""

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

API_KEY = "test-anthropic-key"
FORBIDDEN = ("temperature", "top_p", "top_k", "tool_choice")
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
LINE = re.compile(r"^\[(u\d+)\] Speaker (\d+): (.*)$", re.MULTILINE)
TOKEN = re.compile(r"PATIENT_[A-Z0-9]{6}")


@dataclass
class Failure:
    status: int = 500
    malformed: bool = False
    delay: float = 0.0
    stop_reason: str | None = None
    text: str | None = None


def _quote(text: str, words: int = 6) -> str:
    return " ".join(text.split()[:words])


def default_draft(body: dict) -> dict:
    """A plausible draft from the prompt's transcript lines, every item quoting its utterance."""
    prompt = body["messages"][-1]["content"]
    if isinstance(prompt, list):
        prompt = " ".join(block.get("text", "") for block in prompt)
    lines = [(m.group(1), int(m.group(2)), m.group(3)) for m in LINE.finditer(prompt)]
    token = (TOKEN.findall(prompt) or ["the patient"])[0]
    patient_lines = [line for line in lines if line[1] != 0] or lines
    first = patient_lines[0] if patient_lines else ("u1", 1, "")

    def item(text: str, uid: str, said: str) -> dict:
        return {"text": text, "evidence": [{"utterance_id": uid, "quote": _quote(said)}]}

    prescriptions, allergies, plan = [], [], []
    follow_up = {"recommended": False, "in_days": None, "instructions": "", "evidence": []}
    for uid, _speaker, text in lines:
        rx = re.search(
            r"\b(?:start|take|apply|continue)\s+([A-Za-z][\w-]+)\s+([\d.]+\s*(?:mg|%|ml|g))?\s*(.*?)"
            r"(?:\s+for\s+(\d+\s+\w+))?[.]?$",
            text,
            re.IGNORECASE,
        )
        if rx:
            prescriptions.append(
                {
                    "medicine": rx.group(1),
                    "dosage": (rx.group(2) or "").strip(),
                    "frequency": (rx.group(3) or "").strip(),
                    "duration": rx.group(4) or "",
                    "instructions": "",
                    "evidence": [{"utterance_id": uid, "quote": _quote(text, 4)}],
                }
            )
            plan.append(item(f"Start {rx.group(1)}.", uid, text))
        if re.search(r"allerg", text, re.IGNORECASE):
            substance = re.search(r"with\s+([\w-]+(?:\s+drugs?)?)", text)
            allergies.append(
                {
                    "substance": substance.group(1) if substance else "unspecified",
                    "reaction": "rash",
                    "evidence": [{"utterance_id": uid, "quote": _quote(text, 5)}],
                }
            )
        back = re.search(r"come back (?:after|in) (\d+) days", text, re.IGNORECASE)
        if back:
            follow_up = {
                "recommended": True,
                "in_days": int(back.group(1)),
                "instructions": "Review.",
                "evidence": [{"utterance_id": uid, "quote": _quote(text, 5)}],
            }
    return {
        "chief_complaint": [item(_quote(first[2], 10), first[0], first[2])] if first[2] else [],
        "history_of_present_illness": [item(f"{token} reports: {_quote(first[2], 12)}", first[0], first[2])]
        if first[2]
        else [],
        "subjective": [item(f"{token} describes the complaint in their own words.", first[0], first[2])]
        if first[2]
        else [],
        "objective": [],
        "assessment": [],
        "plan": plan,
        "prescriptions": prescriptions,
        "allergies_mentioned": allergies,
        "follow_up": follow_up,
    }


@dataclass
class AnthropicStub:
    api_key: str = API_KEY
    responder: Callable[[dict], dict | str] = default_draft
    requests: list[dict] = field(default_factory=list)  # path, headers, raw bytes, status
    _failures: list[Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> "AnthropicStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                stub._handle(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, status: int = 500, *, times: int = 1) -> None:
        with self._lock:
            self._failures.extend(Failure(status=status) for _ in range(times))

    def fail_next_with(self, failure: Failure, *, times: int = 1) -> None:
        with self._lock:
            self._failures.extend(Failure(**failure.__dict__) for _ in range(times))

    def received_bytes(self) -> bytes:
        """Everything that reached the stub: request lines, headers and bodies."""
        with self._lock:
            return b"\n".join(r["wire"] for r in self.requests)

    # --- the API ---
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        head = f"{request.command} {request.path}\n".encode() + bytes(request.headers)
        record = {
            "path": request.path,
            "headers": dict(request.headers.items()),
            "raw": raw,
            "wire": head + raw,
        }
        status, answer, headers = self._answer(request, raw)
        record["status"] = status
        with self._lock:
            self.requests.append(record)
        if isinstance(answer, Failure):  # a delayed or malformed reply
            if answer.delay:
                time.sleep(answer.delay)
            if answer.malformed:
                return _send(request, 200, b'{"id": "msg_1", "type": "message", "content": [{"type": "te', {})
            status, answer, headers = 200, self._message(json.loads(raw)), {}
        _send(request, status, json.dumps(answer).encode(), headers)

    def _answer(self, request, raw: bytes):
        key_ok = request.headers.get("X-Api-Key") == self.api_key or (
            request.headers.get("Authorization") == f"Bearer {self.api_key}"
        )
        if not key_ok:
            return 401, _error(401, "invalid x-api-key"), {}
        if request.path.split("?")[0] != "/v1/messages":
            return 404, _error(404, "Not found"), {}
        if not request.headers.get("anthropic-version"):
            return 400, _error(400, "anthropic-version: header is required"), {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, _error(400, "The request body is not valid JSON."), {}
        problem = _problem(body)
        if problem:
            return 400, _error(400, problem), {}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is None:
            return 200, self._message(body), {}
        if failure.delay or failure.malformed:
            return 200, failure, {}
        if failure.stop_reason or failure.text is not None:
            return 200, self._message(body, stop_reason=failure.stop_reason, text=failure.text), {}
        headers = {"retry-after": "0"} if failure.status == 429 else {}
        return failure.status, _error(failure.status, f"Stub failure {failure.status}"), headers

    def _message(self, body: dict, *, stop_reason: str | None = None, text: str | None = None) -> dict:
        if text is None:
            reply = self.responder(body)
            text = reply if isinstance(reply, str) else json.dumps(reply)
        if stop_reason == "max_tokens":
            text = text[: len(text) // 2]
        content = [{"type": "text", "text": text}] if stop_reason != "refusal" else []
        return {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop_reason or "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1200, "output_tokens": 450},
        }


def _problem(body) -> str | None:
    if not isinstance(body, dict):
        return "The body is an object."
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            return f"{name}: Field required"
    for name in FORBIDDEN:
        if name in body:
            return f"{name}: not supported by this model"
    output_config = body.get("output_config") or {}
    fmt = output_config.get("format") or {}
    if fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
        return "output_config.format: a json_schema format is expected by this stub"
    return None


def _error(status: int, message: str) -> dict:
    return {
        "type": "error",
        "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
        "request_id": f"req_{uuid.uuid4().hex[:16]}",
    }


def _send(request, status: int, data: bytes, headers: dict | None = None) -> None:
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("request-id", f"req_{uuid.uuid4().hex[:16]}")
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


@pytest.fixture
def anthropic_stub():
    stub = AnthropicStub().start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def anthropic_settings(settings, anthropic_stub):
    """Point the notes adapter (the real anthropic SDK) at the stub, with quick retries."""
    settings.VOICE_NOTES_PROVIDER = "anthropic"
    settings.ANTHROPIC_API_KEY = anthropic_stub.api_key
    settings.ANTHROPIC_API_KEY_FILE = ""
    settings.ANTHROPIC_BASE_URL = anthropic_stub.base_url
    settings.VOICE_NOTES_TIMEOUT_SECONDS = 5.0
    settings.VOICE_NOTES_RETRY_BACKOFF_SECONDS = 0.0
    settings.VOICE_NOTES_MAX_ATTEMPTS = 3
    return settings
