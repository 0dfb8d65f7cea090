"""The messaging provider interface (decision 6): what a WhatsApp, SMS or console adapter must do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it took the message: its id for the message and a status word."""

    provider_message_id: str
    status: str


@dataclass(frozen=True)
class TemplateMessage:
    """A message template registered with the provider (a Meta-approved WhatsApp template), with its
    body parameters in the order the registered text numbers them ({{1}}, {{2}}, ...)."""

    name: str
    params: tuple[str, ...]


class ProviderError(Exception):
    """A send that did not go through.

    `transient`: worth trying again later (rate limits, the provider's 5xx, no connection).
    `maybe_delivered`: the request may have reached the provider (no reply came back), so a retry
    could deliver the message twice. Messages never carry the recipient's number or the body.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        transient: bool,
        maybe_delivered: bool = False,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.maybe_delivered = maybe_delivered
        self.http_status = http_status
        self.retry_after = retry_after


class NotConfigured(ProviderError):
    """The selected provider lacks settings (or is only a slot): nothing was or can be sent."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_configured", transient=False)


class MessagingProvider:
    """Sends one message to one phone number. Adapters override `send_text`, and `send_template`
    where the channel has registered templates (WhatsApp). Instances may hold a connection pool:
    use them as a context manager or call `close()`."""

    channel: str = ""
    #: True for the console provider: nothing reaches a patient, and the UI and logs say so.
    is_demo: bool = False

    def send_text(
        self, to_e164: str, body: str, *, template: str | None = None, language: str = "en"
    ) -> SendResult:
        """Send `body` as it is. `template` names the registered template the body conforms to,
        where the channel needs one (an Indian SMS's DLT template id); WhatsApp text messages only
        reach people who wrote to the clinic in the last 24 hours."""
        raise NotImplementedError

    def send_template(
        self, to_e164: str, template: TemplateMessage, *, body: str, language: str = "en"
    ) -> SendResult:
        """Send a registered template with its parameters. `body` is the same message rendered in
        full, which channels without templates send instead."""
        return self.send_text(to_e164, body, template=template.name, language=language)

    def close(self) -> None:
        """Release connections; the default holds none."""

    def __enter__(self) -> MessagingProvider:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
