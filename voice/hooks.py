"""What the voice app learns from the apps above it, without importing them (ARCHITECTURE: a lower
app exposes a hook, the higher one fills it in its AppConfig.ready).

- A consultation resolver: consultation id -> who, where, whether still open. With one registered,
  a recording can only be started for an open consultation of that patient and branch.
- Identifier sources: more identifiers the clinic knows about a patient (Aadhaar, PAN, relatives
  named in the visit), for the anonymizer and the egress guard. Also listed by dotted path in the
  VOICE_IDENTIFIER_SOURCES setting.
"""

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ConsultationInfo:
    patient_id: uuid.UUID
    branch_id: uuid.UUID
    doctor_staff_id: uuid.UUID | None = None
    is_open: bool = True
    number: str = ""


ConsultationResolver = Callable[[uuid.UUID], ConsultationInfo | None]
IdentifierSource = Callable[..., Mapping[str, Any]]

_resolver: ConsultationResolver | None = None
_identifier_sources: list[IdentifierSource] = []


def register_consultation_resolver(resolver: ConsultationResolver | None) -> None:
    global _resolver
    _resolver = resolver


def consultation_resolver() -> ConsultationResolver | None:
    return _resolver


def register_identifier_source(source: IdentifierSource) -> None:
    if source not in _identifier_sources:
        _identifier_sources.append(source)


def unregister_identifier_source(source: IdentifierSource) -> None:
    if source in _identifier_sources:
        _identifier_sources.remove(source)


def identifier_sources() -> list[IdentifierSource]:
    configured = [import_string(path) for path in getattr(settings, "VOICE_IDENTIFIER_SOURCES", ())]
    return [*configured, *_identifier_sources]
