"""The detectors with the built-in defaults (what migration 0002 seeds), no database needed."""

from voice.privacy import KnownIdentifiers, anonymize, detect
from voice.privacy.patterns import default_config

DEFAULTS = default_config()


def spans_of(text: str, known: KnownIdentifiers | None = None) -> list[tuple[str, str]]:
    """(surface, type) of every span found, with the default detectors and the seed's regexes."""
    return [
        (text[s.start : s.end], s.type)
        for s in detect(
            text, known or KnownIdentifiers(), enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes
        )
    ]


def masked(text: str, known: KnownIdentifiers | None = None) -> str:
    return anonymize(
        text, known or KnownIdentifiers(), enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes
    ).text
