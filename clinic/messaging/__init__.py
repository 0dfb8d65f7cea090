"""Messaging providers (decision 6): WhatsApp Cloud API, an SMS slot and the console demo provider.

`get_provider()` builds the one that MESSAGING_PROVIDER names; callers hold it for a batch and
close it (it is a context manager). See docs/decisions/0030-messaging-providers.md.
"""

from django.conf import settings

from clinic.messaging.base import MessagingProvider, NotConfigured, ProviderError, SendResult, TemplateMessage
from clinic.messaging.phone import mask_phone

PROVIDERS = ("console", "whatsapp", "sms")

__all__ = [
    "PROVIDERS",
    "MessagingProvider",
    "NotConfigured",
    "ProviderError",
    "SendResult",
    "TemplateMessage",
    "get_provider",
    "mask_phone",
    "provider_status",
]


def get_provider(name: str | None = None) -> MessagingProvider:
    name = name or settings.MESSAGING_PROVIDER
    if name == "console":
        from clinic.messaging.console import ConsoleProvider

        return ConsoleProvider()
    if name == "whatsapp":
        from clinic.messaging.whatsapp import WhatsAppCloudProvider

        return WhatsAppCloudProvider.from_settings()
    if name == "sms":
        from clinic.messaging.sms import SmsProvider

        return SmsProvider()
    raise NotConfigured(f"MESSAGING_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}")


def provider_status() -> dict:
    """For pages that should say which provider is active: the demo one sends nothing."""
    name = settings.MESSAGING_PROVIDER
    labels = {
        "console": "Demo: patient messages are printed on the server console, not sent",
        "whatsapp": "WhatsApp Cloud API",
        "sms": "SMS (not configured)",
    }
    return {
        "provider": name,
        "is_demo": name == "console",
        "label": labels.get(name, f"unknown provider {name!r}"),
    }
