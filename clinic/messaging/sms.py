"""The SMS slot. Not implemented: selecting it raises NotConfigured.

An Indian SMS gateway must follow TRAI's DLT rules: the sender header (six letters) and every
message text are registered on a DLT platform first, and each send names the entity id and the
DLT template id, with the text matching the registered template exactly (variables in {#var#}
places). An adapter will map our template names to DLT template ids through settings and send the
rendered body with `send_text(..., template=<dlt id>)`; see docs/decisions/0030.
"""

from clinic.messaging.base import MessagingProvider, NotConfigured, SendResult


class SmsProvider(MessagingProvider):
    channel = "sms"

    def __init__(self) -> None:
        raise NotConfigured(
            "MESSAGING_PROVIDER is sms, but no SMS gateway adapter is configured yet "
            "(Indian SMS needs DLT-registered templates); use whatsapp or console"
        )

    def send_text(
        self, to_e164: str, body: str, *, template: str | None = None, language: str = "en"
    ) -> SendResult:
        raise NotConfigured("no SMS gateway adapter is configured")  # pragma: no cover
