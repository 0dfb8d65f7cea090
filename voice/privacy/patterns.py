"""Which detectors run, and the admin's regex patterns: PIIRedactionPattern rows, cached briefly.

A row is either a regex (the seed's defaults, and any the back office adds) or the name of a code
detector (detectors.DETECTOR_NAMES), which the back office can switch off. The same defaults are
written by migration 0002; `default_config()` serves them without a database (anonymize_jsonl).
"""

import logging
import re
import threading
import time
from dataclasses import dataclass

from voice.privacy.detectors import DETECTOR_NAMES, RegexPattern

logger = logging.getLogger(__name__)

# (name, type, regex, replacement, priority): seed section 5.3.
SEED_REGEXES = (
    ("Aadhaar Number", "aadhaar", r"\b\d{4}[\s-]?\d{4}[\s-]?\d{4}\b", "[AADHAAR_REDACTED]", 10),
    ("Phone Number", "phone", r"\b(?:\+91[\s-]?)?[6-9]\d{9}\b", "[PHONE_REDACTED]", 9),
    ("Email Address", "email", r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", "[EMAIL_REDACTED]", 8),
    ("PAN Number", "pan", r"\b[A-Z]{5}\d{4}[A-Z]\b", "[PAN_REDACTED]", 7),
)
# (detector, type, description, replacement, priority): the code detectors.
DETECTOR_ROWS = (
    ("known_identifiers", "known", "Names, numbers, address parts, email and date of birth from the record",
     "", 100),
    ("phone", "phone", "Indian phones: +91/0/91, spaced, dashed, comma-grouped, spoken (English, Hindi)",
     "[PHONE_REDACTED]", 9),
    ("aadhaar", "aadhaar", "Aadhaar: 12 digits, Verhoeff-valid, any grouping, written or spoken",
     "[AADHAAR_REDACTED]", 10),
    ("virtual_id", "vid", "Aadhaar Virtual ID: 16 digits", "[VID_REDACTED]", 10),
    ("abha_number", "abha", "ABHA number: 14 digits", "[ABHA_REDACTED]", 10),
    ("long_number", "id_number", "Any other run of 8 or more digits (an identifier misheard)",
     "[NUMBER_REDACTED]", 5),
    ("pin_code", "pin", "PIN code: 6 digits in an address context", "[PIN_REDACTED]", 6),
    ("pan", "pan", "PAN: AAAAA9999A, spaced, lowercase or spelt out", "[PAN_REDACTED]", 7),
    ("email", "email", "Email, written or spoken (at the rate, dot com)", "[EMAIL_REDACTED]", 8),
    ("abha_address", "abha_address", "ABHA address: name@abdm / name@sbx, written or spoken",
     "[ABHA_ADDRESS_REDACTED]", 8),
    ("date_of_birth", "dob", "Dates of birth and other full dates, any written or spoken form",
     "[DOB_REDACTED]", 6),
    ("address", "address", "Addresses: after 'I live at' / 'address is', house numbers, localities",
     "[ADDRESS_REDACTED]", 4),
    ("person_name", "name", "People the record does not know: titles, relations, introductions, name list",
     "[PERSON]", 3),
)  # fmt: skip


@dataclass(frozen=True)
class PatternConfig:
    enabled: frozenset[str]
    regexes: tuple[RegexPattern, ...]
    replacements: dict[str, str]


def compile_regex(
    name: str, type_: str, regex: str, replacement: str = "", priority: int = 0
) -> RegexPattern | None:
    try:
        return RegexPattern(
            name=name, type=type_, regex=re.compile(regex), replacement=replacement, priority=priority
        )
    except re.error as exc:
        logger.error("PII pattern %r does not compile and is skipped: %s", name, exc)
        return None


def default_config() -> PatternConfig:
    """The defaults the migration seeds, without asking the database."""
    regexes = tuple(p for row in SEED_REGEXES if (p := compile_regex(*row)))
    return PatternConfig(
        enabled=frozenset(DETECTOR_NAMES),
        regexes=regexes,
        replacements={row[1]: row[3] for row in DETECTOR_ROWS if row[3]},
    )


_cache_lock = threading.Lock()
_cache: tuple[float, PatternConfig] | None = None
CACHE_SECONDS = 30.0


def active_config() -> PatternConfig:
    """The enabled detectors and active regexes from the database, cached for CACHE_SECONDS."""
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    from voice.models import PIIRedactionPattern

    enabled: set[str] = set()
    regexes: list[RegexPattern] = []
    replacements: dict[str, str] = {}
    for row in PIIRedactionPattern.objects.filter(is_active=True).order_by("-priority", "id"):
        if row.detector:
            enabled.add(row.detector)
        elif row.regex_pattern and (
            compiled := compile_regex(
                row.pattern_name, row.pattern_type, row.regex_pattern, row.replacement_template, row.priority
            )
        ):
            regexes.append(compiled)
        if row.replacement_template:
            replacements.setdefault(row.pattern_type, row.replacement_template)
    config = PatternConfig(enabled=frozenset(enabled), regexes=tuple(regexes), replacements=replacements)
    with _cache_lock:
        _cache = (now, config)
    return config


def clear_cache() -> None:
    global _cache
    with _cache_lock:
        _cache = None
