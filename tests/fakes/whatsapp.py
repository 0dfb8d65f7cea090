"""A loopback stand-in for Meta's WhatsApp Cloud API, speaking its wire format.

`POST /{version}/{phone_number_id}/messages` with `Authorization: Bearer <token>` and a JSON body
of type "text" or "template" is answered like Meta does ({"messaging_product", "contacts",
"messages": [{"id": "wamid..."}]}); a wrong token, path or body gets Meta's error JSON. Tests can
make the next requests fail (429, 500, any Meta error code) or answer slowly.
"""

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "test-whatsapp-token"
PHONE_NUMBER_ID = "109876543210"
API_VERSION = "v26.0"
RECIPIENT = re.compile(r"^\d{8,15}$")


@dataclass
class Failure:
    status: int
    code: int
    message: str
    retry_after: str | None = None


@dataclass
class WhatsAppStub:
    token: str = TOKEN
    phone_number_id: str = PHONE_NUMBER_ID
    api_version: str = API_VERSION
    delay_seconds: float = 0.0
    messages: list[dict] = field(default_factory=list)  # accepted message bodies, in arrival order
    requests: list[dict] = field(default_factory=list)  # every request: path, headers, body, answer
    _failures: list[Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # --- control ---
    def start(self) -> "WhatsAppStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
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
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(
        self,
        status: int = 500,
        *,
        code: int = 131000,
        times: int = 1,
        message: str = "(#131000) Something went wrong",
        retry_after: str | None = None,
    ) -> None:
        with self._lock:
            self._failures.extend(Failure(status, code, message, retry_after) for _ in range(times))

    def fail_with_rate_limit(self, times: int = 1) -> None:
        self.fail_next(429, code=130429, times=times, message="(#130429) Rate limit hit", retry_after="0")

    def recipients(self) -> list[str]:
        with self._lock:
            return [m["to"] for m in self.messages]

    # --- the API ---
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        record = {"path": request.path, "headers": dict(request.headers.items()), "raw": raw}
        status, answer, headers = self._answer(request, raw)
        record["status"] = status
        with self._lock:
            self.requests.append(record)
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        data = json.dumps(answer).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass

    def _answer(self, request, raw: bytes) -> tuple[int, dict, dict]:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return (
                401,
                _error(190, "Invalid OAuth access token - Cannot parse access token", "OAuthException"),
                {},
            )
        if request.path != f"/{self.api_version}/{self.phone_number_id}/messages":
            return (
                400,
                _error(100, "Unsupported post request. Object does not exist", "GraphMethodException"),
                {},
            )
        if not (request.headers.get("Content-Type") or "").startswith("application/json"):
            return 400, _error(100, "(#100) Invalid parameter"), {}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, _error(100, "(#100) Invalid parameter"), {}
        problem = _shape_problem(body)
        if problem:
            return 400, _error(100, f"(#100) {problem}"), {}
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            if failure is None:
                self.messages.append(body)
        if failure:
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
            return failure.status, _error(failure.code, failure.message), headers
        message_id = "wamid." + uuid.uuid4().hex
        return (
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": message_id, "message_status": "accepted"}],
            },
            {},
        )


def _error(code: int, message: str, kind: str = "OAuthException") -> dict:
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "fbtrace_id": "Atest" + uuid.uuid4().hex[:8],
        }
    }


def _shape_problem(body) -> str | None:
    """What Meta would refuse in a send request's body, or None."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "The parameter messaging_product is required."
    if not RECIPIENT.match(str(body.get("to", ""))):
        return "Invalid parameter: to"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text")
        if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
            return "The parameter text['body'] is required."
        return None
    if kind == "template":
        template = body.get("template")
        if not isinstance(template, dict) or not template.get("name"):
            return "The parameter template['name'] is required."
        if not isinstance(template.get("language"), dict) or not template["language"].get("code"):
            return "The parameter template['language']['code'] is required."
        for component in template.get("components", []):
            if component.get("type") not in ("header", "body", "button"):
                return "Invalid component type."
            for parameter in component.get("parameters", []):
                if parameter.get("type") != "text" or not isinstance(parameter.get("text"), str):
                    return "Invalid parameter type."
                if not parameter["text"].strip() or "\n" in parameter["text"] or "\t" in parameter["text"]:
                    return "Param text cannot have new-line/tab characters or be empty."
        return None
    return f"Unsupported message type {kind!r}"


@pytest.fixture
def whatsapp_stub():
    stub = WhatsAppStub().start()
    try:
        yield stub
    finally:
        stub.stop()


@pytest.fixture
def whatsapp_settings(settings, whatsapp_stub):
    """Point the WhatsApp provider at the stub, with quick retries."""
    settings.MESSAGING_PROVIDER = "whatsapp"
    settings.WHATSAPP_API_BASE_URL = whatsapp_stub.base_url
    settings.WHATSAPP_API_VERSION = whatsapp_stub.api_version
    settings.WHATSAPP_PHONE_NUMBER_ID = whatsapp_stub.phone_number_id
    settings.WHATSAPP_ACCESS_TOKEN = whatsapp_stub.token
    settings.WHATSAPP_ACCESS_TOKEN_FILE = ""
    settings.WHATSAPP_TIMEOUT_SECONDS = 5.0
    settings.WHATSAPP_RETRY_BACKOFF_SECONDS = 0.01
    return settings
