"""System checks for the messaging settings: a misconfigured provider is found at start-up, not
when the first reminder is due."""

from django.conf import settings
from django.core.checks import Error, Info, register

from clinic.messaging import PROVIDERS


@register("messaging")
def messaging_configured(app_configs, **kwargs):
    name = settings.MESSAGING_PROVIDER
    if name not in PROVIDERS:
        return [
            Error(f"MESSAGING_PROVIDER is {name!r}; choose one of {', '.join(PROVIDERS)}.", id="clinic.E010")
        ]
    if name == "sms":
        return [
            Error(
                "MESSAGING_PROVIDER is sms, but the SMS adapter is only a slot (docs/decisions/0030).",
                id="clinic.E011",
            )
        ]
    if name == "whatsapp":
        from clinic.messaging.base import NotConfigured
        from clinic.messaging.whatsapp import WhatsAppCloudProvider

        try:
            WhatsAppCloudProvider.from_settings().close()
        except NotConfigured as exc:
            return [Error(str(exc), id="clinic.E012")]
    return []


@register("messaging", deploy=True)
def messaging_demo_notice(app_configs, **kwargs):
    if settings.MESSAGING_PROVIDER == "console":
        return [
            Info(
                "MESSAGING_PROVIDER is console (demo): patient messages are printed, not sent.",
                id="clinic.I010",
            )
        ]
    return []
