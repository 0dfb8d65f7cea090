"""Adapters to outside services, chosen by settings: VOICE_STT_PROVIDER, VOICE_NOTES_PROVIDER."""

from voice import conf
from voice.providers.base import NotAvailable, NotesDrafter, ProviderError, SpeechToText

STT_PROVIDERS = ("deepgram", "local", "fake")
NOTES_PROVIDERS = ("anthropic", "fake")


def get_stt(name: str | None = None) -> SpeechToText:
    name = name or conf.stt_provider_name()
    if name == "deepgram":
        from voice.providers.stt_deepgram import DeepgramSpeechToText

        return DeepgramSpeechToText()
    if name == "local":
        from voice.providers.stt_local import LocalSpeechToText

        return LocalSpeechToText()
    if name == "fake":
        from voice.providers.stt_fake import FakeSpeechToText

        return FakeSpeechToText()
    raise NotAvailable(f"Unknown speech-to-text provider {name!r}; choose one of {', '.join(STT_PROVIDERS)}.")


def get_notes(name: str | None = None) -> NotesDrafter:
    name = name or conf.notes_provider_name()
    if name == "anthropic":
        from voice.providers.notes_anthropic import AnthropicNotes

        return AnthropicNotes()
    if name == "fake":
        from voice.providers.notes_fake import FakeNotes

        return FakeNotes()
    raise NotAvailable(f"Unknown notes provider {name!r}; choose one of {', '.join(NOTES_PROVIDERS)}.")


def demo_mode() -> bool:
    """True when any provider in use is a demo one: the console must say so."""
    return conf.stt_provider_name() == "fake" or conf.notes_provider_name() == "fake"


__all__ = [
    "NotAvailable",
    "NotesDrafter",
    "ProviderError",
    "SpeechToText",
    "demo_mode",
    "get_notes",
    "get_stt",
]
