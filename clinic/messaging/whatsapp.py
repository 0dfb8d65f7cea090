"""Meta's WhatsApp Cloud API: POST {base}/{version}/{phone_number_id}/messages with a Bearer token.

Business-initiated messages (confirmations, reminders) must be approved templates; free text is
only delivered inside the 24-hour window after the patient wrote to the clinic. Errors follow the
Graph API shape {"error": {"message", "type", "code", "error_subcode", "error_data", "fbtrace_id"}};
rate limits and Meta's own outages are retried here a few times with backoff, then reported as
transient so that the caller retries later.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
from django.conf import settings

from clinic.messaging.base import MessagingProvider, NotConfigured, ProviderError, SendResult, TemplateMessage
from clinic.messaging.phone import whatsapp_recipient

logger = logging.getLogger(__name__)

# Meta error codes that mean "not now": throttling (4, 80007, 130429, 131056) and temporary
# unavailability (1, 2, 131000, 131016, 133004). Everything else (bad token 190, bad parameter 100,
# undeliverable 131026, template problems 132xxx, ...) is permanent.
TRANSIENT_ERROR_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004})
MAX_RETRY_AFTER_SECONDS = 30.0
USER_AGENT = "Intelli-Clinic messaging"


def _access_token_from_settings() -> str:
    token = settings.WHATSAPP_ACCESS_TOKEN
    if not token and settings.WHATSAPP_ACCESS_TOKEN_FILE:
        try:
            token = Path(settings.WHATSAPP_ACCESS_TOKEN_FILE).read_text().strip()
        except OSError as exc:
            raise NotConfigured(f"WHATSAPP_ACCESS_TOKEN_FILE cannot be read: {exc.strerror}") from exc
    return token


class WhatsAppCloudProvider(MessagingProvider):
    channel = "whatsapp"

    def __init__(
        self,
        *,
        phone_number_id: str,
        access_token: str,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v26.0",
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff_seconds: float = 1.0,
        language_codes: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id),
                ("WHATSAPP_ACCESS_TOKEN", access_token),
            )
            if not value
        ]
        if missing:
            raise NotConfigured(f"MESSAGING_PROVIDER is whatsapp but {' and '.join(missing)} is not set")
        self.max_attempts = max(1, max_attempts)
        self.backoff_seconds = backoff_seconds
        self.language_codes = language_codes or {}
        self._path = f"/{api_version.strip('/')}/{phone_number_id}/messages"
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Authorization": f"Bearer {access_token}", "User-Agent": USER_AGENT},
            transport=transport,
        )

    @classmethod
    def from_settings(cls) -> WhatsAppCloudProvider:
        return cls(
            phone_number_id=settings.WHATSAPP_PHONE_NUMBER_ID,
            access_token=_access_token_from_settings(),
            base_url=settings.WHATSAPP_API_BASE_URL,
            api_version=settings.WHATSAPP_API_VERSION,
            timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
            max_attempts=settings.WHATSAPP_MAX_ATTEMPTS,
            backoff_seconds=settings.WHATSAPP_RETRY_BACKOFF_SECONDS,
            language_codes=settings.WHATSAPP_LANGUAGE_CODES,
        )

    def close(self) -> None:
        self._client.close()

    # --- sending ---------------------------------------------------------------------------
    def send_text(
        self, to_e164: str, body: str, *, template: str | None = None, language: str = "en"
    ) -> SendResult:
        return self._post(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": whatsapp_recipient(to_e164),
                "type": "text",
                "text": {"preview_url": False, "body": body},
            }
        )

    def send_template(
        self, to_e164: str, template: TemplateMessage, *, body: str, language: str = "en"
    ) -> SendResult:
        components = []
        if template.params:
            components.append(
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": value} for value in template.params],
                }
            )
        return self._post(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": whatsapp_recipient(to_e164),
                "type": "template",
                "template": {
                    "name": template.name,
                    "language": {"code": self.language_codes.get(language, language)},
                    "components": components,
                },
            }
        )

    def _post(self, payload: dict) -> SendResult:
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._client.post(self._path, json=payload)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                error = ProviderError(
                    f"WhatsApp Cloud API unreachable ({type(exc).__name__})",
                    code="connect_error",
                    transient=True,
                )
            except httpx.TransportError as exc:
                # The request left; the reply did not come. Meta may have accepted the message.
                raise ProviderError(
                    f"WhatsApp Cloud API did not reply ({type(exc).__name__}); it may have sent the message",
                    code="no_reply",
                    transient=True,
                    maybe_delivered=True,
                ) from exc
            else:
                if response.is_success:
                    return self._parse_success(response)
                error = self._parse_error(response)
            if not error.transient or attempt == self.max_attempts:
                raise error
            delay = self._retry_delay(attempt, error.retry_after)
            logger.warning(
                "WhatsApp send attempt %s/%s failed (%s); retrying in %.1f s",
                attempt,
                self.max_attempts,
                error.code,
                delay,
            )
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_SECONDS)
        return self.backoff_seconds * 2 ** (attempt - 1)

    @staticmethod
    def _parse_success(response: httpx.Response) -> SendResult:
        try:
            message = response.json()["messages"][0]
            return SendResult(
                provider_message_id=str(message["id"]), status=message.get("message_status", "accepted")
            )
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            # HTTP 2xx: Meta took the request, so a retry might send the message twice.
            raise ProviderError(
                "WhatsApp Cloud API accepted the request but its reply has no message id",
                code="bad_reply",
                transient=False,
                maybe_delivered=True,
                http_status=response.status_code,
            ) from exc

    @staticmethod
    def _parse_error(response: httpx.Response) -> ProviderError:
        try:
            error = response.json().get("error") or {}
        except ValueError:
            error = {}
        if not isinstance(error, dict):
            error = {}
        code = error.get("code")
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        status = response.status_code
        transient = status == 429 or status >= 500 or code in TRANSIENT_ERROR_CODES
        retry_after = None
        if "retry-after" in response.headers:
            try:
                retry_after = max(0.0, float(response.headers["retry-after"]))
            except ValueError:
                retry_after = None
        # Meta's message is a fixed title such as "(#131026) Message Undeliverable"; error_data.details
        # is left out because it may describe the recipient.
        title = str(error.get("message", ""))[:200]
        return ProviderError(
            f"WhatsApp Cloud API refused the message: HTTP {status}, code {code}"
            f"{', subcode ' + str(error['error_subcode']) if error.get('error_subcode') else ''}"
            f"{', ' + title if title else ''}"
            f"{', fbtrace_id ' + str(error['fbtrace_id']) if error.get('fbtrace_id') else ''}",
            code=str(code) if code is not None else f"http_{status}",
            transient=transient,
            http_status=status,
            retry_after=retry_after,
        )
