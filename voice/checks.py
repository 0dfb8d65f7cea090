"""System checks: a provider name that does not exist stops start-up (a missing key does not: the
console says so when the provider is used, and the demo runs without keys)."""

from django.conf import settings
from django.core.checks import Error, Info, register

from voice import conf
from voice.providers import NOTES_PROVIDERS, STT_PROVIDERS


@register()
def providers_exist(app_configs=None, **kwargs) -> list[Error | Info]:
    errors = []
    if conf.stt_provider_name() not in STT_PROVIDERS:
        errors.append(
            Error(
                f"VOICE_STT_PROVIDER={conf.stt_provider_name()!r} is not a speech-to-text provider.",
                hint=f"Use one of {', '.join(STT_PROVIDERS)}.",
                id="voice.E001",
            )
        )
    if conf.notes_provider_name() not in NOTES_PROVIDERS:
        errors.append(
            Error(
                f"VOICE_NOTES_PROVIDER={conf.notes_provider_name()!r} is not a notes provider.",
                hint=f"Use one of {', '.join(NOTES_PROVIDERS)}.",
                id="voice.E002",
            )
        )
    demo = [name for name in (conf.stt_provider_name(), conf.notes_provider_name()) if name == "fake"]
    if demo and not errors and not settings.DEBUG:
        errors.append(
            Info(
                "A voice provider is the demo one (fake): transcripts and drafts are scripted, not real.",
                hint="Set VOICE_STT_PROVIDER and VOICE_NOTES_PROVIDER for real use.",
                id="voice.I001",
            )
        )
    return errors
