"""The identifiers of one consultation's people (for the anonymizer and the egress guard), and the
clinic's medicine names (keyterms for speech-to-text, omissions in a draft)."""

import logging
from collections.abc import Iterable

from clinic.models import Medicine, Patient, Staff
from voice import conf, hooks
from voice.drafting import MedicineNames, medicine_names
from voice.models import ConsultationRecording
from voice.privacy import KnownIdentifiers
from voice.privacy.egress import egress_check_and_log, egress_scan

logger = logging.getLogger(__name__)


def known_identifiers(
    *, patient: Patient, session_token: str = "", staff: Iterable[Staff] = ()
) -> KnownIdentifiers:
    """From the patient record, every registered identifier source, and the staff in the room."""
    relatives: list = []
    aadhaar = pan = ""
    staff_names = [" ".join(p for p in (s.first_name, s.last_name) if p) for s in staff if s is not None]
    for source in hooks.identifier_sources():
        extra = source(patient=patient) or {}
        relatives += list(extra.get("relatives") or ())
        aadhaar = aadhaar or extra.get("aadhaar") or ""
        pan = pan or extra.get("pan") or ""
        staff_names += list(extra.get("staff") or ())
    return KnownIdentifiers.from_patient(
        patient, relatives=relatives, staff=staff_names, aadhaar=aadhaar, pan=pan, session_token=session_token
    )


def recording_known_identifiers(
    recording: ConsultationRecording, *, session_token: str = ""
) -> KnownIdentifiers:
    return known_identifiers(
        patient=recording.patient,
        session_token=session_token,
        staff=[recording.staff] if recording.staff_id else [],
    )


def clinic_medicines(*, hospital_id) -> list[MedicineNames]:
    rows = (
        Medicine.objects.filter(hospital_id=hospital_id, is_active=True)
        .order_by("generic_name", "brand_name")
        .values_list("generic_name", "brand_name")
        .distinct()
    )
    return [medicine_names(generic, brand) for generic, brand in rows]


def stt_keyterms(
    recording: ConsultationRecording, *, known: KnownIdentifiers, provider: str
) -> tuple[str, ...]:
    """Medicine names to prime recognition with, passed through the egress guard: a name that
    happens to match one of this patient's identifiers is left out, and the ledger records the list."""
    limit = conf.keyterms_max()
    if limit <= 0:
        return ()
    terms: list[str] = []
    seen: set[str] = set()
    for medicine in clinic_medicines(hospital_id=recording.branch.hospital_id):
        for name in medicine.names:
            key = name.lower()
            if key in seen or egress_scan(name, known):
                continue
            seen.add(key)
            terms.append(name)
    terms = terms[:limit]
    if terms:
        egress_check_and_log(
            provider=provider,
            purpose="stt_keyterms",
            payload=terms,
            known=known,
            consultation_id=recording.consultation_id,
        )
    return tuple(terms)
