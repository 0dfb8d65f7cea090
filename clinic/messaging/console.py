"""The demo provider: prints each message to the console instead of sending it. Nothing reaches a
patient; the log says so on every message and the UI shows it (clinic.messaging.provider_status)."""

import logging
import sys
import uuid

from clinic.messaging.base import MessagingProvider, SendResult
from clinic.messaging.phone import mask_phone

logger = logging.getLogger(__name__)


class ConsoleProvider(MessagingProvider):
    channel = "console"
    is_demo = True

    def __init__(self, stream=None) -> None:
        self._stream = stream

    def send_text(
        self, to_e164: str, body: str, *, template: str | None = None, language: str = "en"
    ) -> SendResult:
        message_id = f"console-{uuid.uuid4().hex[:16]}"
        masked = mask_phone(to_e164)
        logger.warning(
            "DEMO messaging (console provider): message %s to %s printed, NOT sent to the patient",
            message_id,
            masked,
        )
        stream = self._stream or sys.stdout
        label = f" [{template}]" if template else ""
        print(f"----- message {message_id} to {masked} ({language}){label} -----", file=stream)
        print(body, file=stream)
        print("----- end of message -----", file=stream, flush=True)
        return SendResult(provider_message_id=message_id, status="printed")
