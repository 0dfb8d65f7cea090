"""Masking found identifiers, and putting names back (locally) in what the LLM returns.

The patient becomes their session token (PATIENT_A7X9K2), other people [PERSON_1], [PERSON_2]...
(the same person keeps one placeholder), every other identifier a fixed [TYPE_REDACTED] marker.
Only names are restorable: the mapping holds placeholder -> name and never leaves the building.
"""

import re
import secrets
import string
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from voice.privacy.detectors import RegexPattern, Span, detect
from voice.privacy.known import KnownIdentifiers

TOKEN_ALPHABET = string.ascii_uppercase + string.digits
TOKEN_PATTERN = re.compile(r"^PATIENT_[A-Z0-9]{6}$")

DEFAULT_REPLACEMENTS = {
    "phone": "[PHONE_REDACTED]",
    "aadhaar": "[AADHAAR_REDACTED]",
    "vid": "[VID_REDACTED]",
    "abha": "[ABHA_REDACTED]",
    "abha_address": "[ABHA_ADDRESS_REDACTED]",
    "pan": "[PAN_REDACTED]",
    "email": "[EMAIL_REDACTED]",
    "pin": "[PIN_REDACTED]",
    "dob": "[DOB_REDACTED]",
    "date": "[DATE_REDACTED]",
    "address": "[ADDRESS_REDACTED]",
    "id_number": "[NUMBER_REDACTED]",
}


def new_session_token() -> str:
    return "PATIENT_" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(6))


@dataclass(frozen=True)
class Anonymized:
    text: str
    spans: list[Span]
    counts_by_type: dict[str, int]
    mapping: dict[str, str] = field(default_factory=dict)  # placeholder -> name, for restore()


def anonymize(
    text: str,
    known: KnownIdentifiers | None = None,
    *,
    enabled: Iterable[str] | None = None,
    patterns: Iterable[RegexPattern] | None = None,
    replacements: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
) -> Anonymized:
    """`text` with every identifier replaced.

    mapping: the session's placeholders so far (a later chunk of the same consultation keeps
    [PERSON_1] for the same person). enabled/patterns: see detectors.detect.
    """
    known = known or KnownIdentifiers()
    spans = detect(text, known, enabled=enabled, patterns=patterns)
    token = known.session_token or new_session_token()
    names = dict(mapping or {})
    names.setdefault(token, known.people[0].name if known.people else "the patient")
    by_name = {_norm(v): k for k, v in names.items() if k != token}
    replace = {**DEFAULT_REPLACEMENTS, **(replacements or {})}
    pattern_replacements = {f"pattern:{p.name}": p.replacement for p in patterns or () if p.replacement}

    out: list[str] = []
    cursor = 0
    for span in spans:
        out.append(text[cursor : span.start])
        if span.type == "name":
            out.append(_placeholder(span, text, known, token, names, by_name))
        else:
            out.append(
                pattern_replacements.get(span.source)
                or replace.get(span.type)
                or f"[{span.type.upper()}_REDACTED]"
            )
        cursor = span.end
    out.append(text[cursor:])
    counts = Counter(s.type for s in spans)
    return Anonymized(text="".join(out), spans=spans, counts_by_type=dict(counts), mapping=names)


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


def _placeholder(
    span: Span, text: str, known: KnownIdentifiers, token: str, names: dict[str, str], by_name: dict[str, str]
) -> str:
    if span.person is not None and known.people[span.person].role == "patient":
        return token
    full = known.people[span.person].name if span.person is not None else text[span.start : span.end]
    key = _norm(full)
    placeholder = by_name.get(key)
    if placeholder is None:
        placeholder = f"[PERSON_{sum(1 for k in names if k.startswith('[PERSON_')) + 1}]"
        names[placeholder] = full
        by_name[key] = placeholder
    return placeholder


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put names back where their placeholders are (the session token becomes the patient's name)."""
    if not mapping:
        return text
    pattern = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return pattern.sub(lambda m: mapping[m.group(0)], text)
