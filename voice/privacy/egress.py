"""The egress guard: the one door every outbound payload passes (LLM prompts, STT options such as
keyterms). It looks for the session's known identifiers in every normalised form and for the
identifier patterns; on a hit nothing is sent. Either way a ledger row records what was offered,
by size, hash and counts by type, never the text and never the identifier itself.
"""

import hashlib
import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from clinic.api_errors import ApplicationError
from voice.models import EgressLog, EgressOutcome
from voice.privacy import detectors
from voice.privacy.known import KnownIdentifiers
from voice.privacy.numbers import digit_runs, digits_only

logger = logging.getLogger(__name__)

# Structured identifiers the guard refuses even when the record does not know them. Names and
# addresses of strangers are the anonymizer's job: matching those here would refuse ordinary text.
GUARD_DETECTORS = frozenset({"phone", "aadhaar", "virtual_id", "abha_number", "pan", "email", "abha_address"})


class EgressRefused(ApplicationError):
    code = "egress_refused"

    def __init__(self, *, provider: str, purpose: str, counts: Mapping[str, int]):
        found = ", ".join(f"{kind} x{n}" for kind, n in sorted(counts.items()))
        super().__init__(
            f"Not sent to {provider} ({purpose}): the payload still holds identifiers ({found}).",
            extra={"counts": dict(counts)},
        )
        self.provider = provider
        self.purpose = purpose
        self.counts = dict(counts)


def payload_bytes(payload: str | bytes | Mapping[str, Any] | list) -> bytes:
    """The bytes that are hashed: UTF-8 text, the bytes as given, or canonical JSON."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


_PLACEHOLDER = re.compile(r"\[([A-Z_]+?)_REDACTED\]|\bPATIENT_[A-Z0-9]{6}\b|\[PERSON_\d+\]")


def redaction_counts_in(text: str) -> dict[str, int]:
    """Placeholders left by anonymize(), by type: what the anonymizer took out of this payload."""
    counts: Counter[str] = Counter()
    for m in _PLACEHOLDER.finditer(text):
        if m.group(1):
            counts[m.group(1).lower()] += 1
        elif m.group(0).startswith("PATIENT_"):
            counts["patient"] += 1
        else:
            counts["name"] += 1
    return dict(counts)


def _name_pattern(known: KnownIdentifiers) -> re.Pattern | None:
    cached = known.__dict__.get("_egress_names", False)
    if cached is not False:
        return cached
    alternatives: set[str] = set()
    for words in known.names.full_names:
        strong = [w for w in words if len(w) >= 3 and not detectors._weak(w)]
        alternatives.update(strong)
        if len(words) >= 2:  # "harpreet das": a weak part counts inside the full name
            alternatives.add(r"[\s.-]*".join(words))
    pattern = (
        re.compile(
            r"(?<![a-z])(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + r")(?:ji)?(?![a-z])"
        )
        if alternatives
        else None
    )
    known.__dict__["_egress_names"] = pattern
    return pattern


def egress_scan(text: str, known: KnownIdentifiers, *, patterns=None) -> Counter:
    """Identifiers found in `text`, counted by type (empty: safe to send)."""
    found: list[detectors.Span] = []
    lower = text.lower()
    # 1. known numbers, in any spacing or punctuation, written or spoken
    numbers = known.numbers
    if numbers:
        stretches = [(m.start(), m.end(), digits_only(m.group())) for m in re.finditer(r"[^A-Za-z]+", text)]
        stretches += [(r.start, r.end, r.digits) for r in digit_runs(text, min_digits=6)]
        for start, end, chunk in stretches:
            for digits, kind in numbers.items():
                if digits in chunk:
                    found.append(detectors.Span(start, end, kind, "known"))
    # 2. known names, lowercase, with a "ji" suffix too
    names = _name_pattern(known)
    if names is not None:
        found += [detectors.Span(m.start(), m.end(), "name", "known") for m in names.finditer(lower)]
    # 3. known email, ABHA address and PAN, also with their punctuation stripped
    squeezed = re.sub(r"[^a-z0-9]", "", lower)
    for token, kind in known.text_tokens.items():
        at = lower.find(token)
        plain = re.sub(r"[^a-z0-9]", "", token)
        if at >= 0:
            found.append(detectors.Span(at, at + len(token), kind, "known"))
        elif len(plain) >= 6 and plain in squeezed:
            found.append(detectors.Span(len(text), len(text) + 1, kind, "known"))  # no offset: squeezed form
    # 4. known address parts and date of birth, in any written form
    for span in detectors.address_spans(text, known) + detectors.date_spans(text, known):
        if span.source == "known_identifiers":
            found.append(span)
    # 5. identifier patterns: the code detectors for structured identifiers, and the admin's regexes
    if patterns is None:
        from voice.privacy.patterns import active_config

        config = active_config()
        enabled, regexes = config.enabled & GUARD_DETECTORS, config.regexes
    else:
        enabled, regexes = GUARD_DETECTORS, patterns
    empty = KnownIdentifiers()
    structured = (
        detectors.number_spans(text, empty)
        + detectors.pan_spans(text)
        + detectors.email_spans(text)
        + detectors.abha_address_spans(text)
    )
    found += [span for span in structured if span.source in enabled]
    for pattern in regexes:
        found += [
            detectors.Span(m.start(), m.end(), pattern.type, "pattern") for m in pattern.regex.finditer(text)
        ]
    return Counter(span.type for span in detectors.resolve_overlaps(found))


def egress_check_and_log(
    *,
    provider: str,
    purpose: str,
    payload: str | bytes | Mapping[str, Any] | list,
    known: KnownIdentifiers,
    consultation_id: uuid.UUID | None = None,
    redaction_counts: Mapping[str, int] | None = None,
) -> str:
    """Check one outbound payload; return its SHA-256 (hex) when it may go, raise EgressRefused if not.

    Every call writes an EgressLog row. The refusal is logged by type and count only: neither the
    log line nor the row holds the identifier, the text, or (for a refusal) a hash of it.
    """
    raw = payload_bytes(payload)
    text = raw.decode("utf-8", errors="replace")
    counts = dict(redaction_counts) if redaction_counts is not None else redaction_counts_in(text)
    hits = egress_scan(text, known)
    if hits:
        EgressLog.objects.create(
            provider=provider,
            purpose=purpose,
            consultation_id=consultation_id,
            outcome=EgressOutcome.REFUSED,
            payload_bytes=len(raw),
            payload_sha256="",
            redaction_counts=counts,
            refusal_counts=dict(hits),
        )
        logger.warning(
            "egress refused: provider=%s purpose=%s consultation=%s bytes=%d found=%s",
            provider,
            purpose,
            consultation_id,
            len(raw),
            ", ".join(f"{kind}:{n}" for kind, n in sorted(hits.items())),
        )
        raise EgressRefused(provider=provider, purpose=purpose, counts=hits)
    digest = hashlib.sha256(raw).hexdigest()
    EgressLog.objects.create(
        provider=provider,
        purpose=purpose,
        consultation_id=consultation_id,
        outcome=EgressOutcome.SENT,
        payload_bytes=len(raw),
        payload_sha256=digest,
        redaction_counts=counts,
    )
    return digest


def egress_log_audio(
    *, provider: str, purpose: str, size: int, sha256: str, consultation_id: uuid.UUID | None = None
) -> EgressLog:
    """The ledger row for audio sent to a cloud speech-to-text service. Audio cannot be scanned like
    text; what lets it go is the patient's recorded consent, checked before any audio is stored."""
    return EgressLog.objects.create(
        provider=provider,
        purpose=purpose,
        consultation_id=consultation_id,
        outcome=EgressOutcome.SENT,
        payload_bytes=size,
        payload_sha256=sha256,
        redaction_counts={},
    )
