"""Session tokens (seed 5.4: generate_session_token, store_token_mapping, restore_identity) and the
encryption helpers (encrypt_data / decrypt_data) of the privacy service, on clinic.keystore.

A ciphertext from clinic.keystore carries its data key's id and its nonce inside the blob, so the
seed's (ciphertext, iv, key_id) triple is one value here; `blob_key_id()` reads the key id back.
"""

import datetime
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import keystore
from clinic.api_errors import ApplicationError
from clinic.models import DataKeyPurpose, Patient, Staff
from voice.models import VoiceSessionToken
from voice.privacy.anonymize import new_session_token
from voice.privacy.known import KnownIdentifiers

DEFAULT_TTL_HOURS = 12


class SessionTokenInvalid(ApplicationError):
    code = "session_token_invalid"


def session_token_create(
    *,
    patient: Patient,
    consultation_id: uuid.UUID | None = None,
    staff: Staff | None = None,
    acting_user=None,
    ttl: datetime.timedelta | None = None,
) -> VoiceSessionToken:
    """A fresh PATIENT_XXXXXX for one consultation; its mapping (token -> name) stored encrypted."""
    ttl = ttl or datetime.timedelta(
        hours=getattr(settings, "VOICE_SESSION_TOKEN_TTL_HOURS", DEFAULT_TTL_HOURS)
    )
    key = keystore.data_key_get_or_create(subject_id=patient.id, purpose=DataKeyPurpose.TRANSCRIPT)
    for _ in range(5):
        token = VoiceSessionToken(
            session_token=new_session_token(),
            patient=patient,
            consultation_id=consultation_id,
            staff=staff,
            created_by=acting_user,
            expires_at=timezone.now() + ttl,
            mapping_key=key,
        )
        token.mapping = json.dumps({token.session_token: patient.full_name}, ensure_ascii=False)
        try:
            with transaction.atomic():
                token.save(force_insert=True)
        except IntegrityError:
            if VoiceSessionToken.objects.filter(session_token=token.session_token).exists():
                continue  # 36^6 tokens: a clash is rare, and another draw settles it
            raise
        return token
    raise ApplicationError("Could not draw a unique session token; try again.", code="session_token_clash")


def session_token_get(*, session_token: str, patient: Patient | None = None) -> VoiceSessionToken:
    """The active, unexpired token; refuses an expired one, a revoked one or another patient's."""
    token = (
        VoiceSessionToken.objects.select_related("patient", "patient__pii_key", "mapping_key")
        .filter(session_token=session_token)
        .first()
    )
    if token is None:
        raise SessionTokenInvalid("Unknown session token.")
    if not token.is_active:
        raise SessionTokenInvalid("This session token has been revoked.")
    if token.expires_at <= timezone.now():
        raise SessionTokenInvalid(
            "This session token has expired; start a new voice session.", code="session_token_expired"
        )
    if patient is not None and token.patient_id != patient.id:
        raise SessionTokenInvalid(
            "This session token belongs to another patient.", code="session_token_mismatch"
        )
    return token


def restore_identity(*, session_token: str) -> uuid.UUID:
    """The patient behind a token (seed 5.4 restore_identity)."""
    return session_token_get(session_token=session_token).patient_id


def session_mapping(token: VoiceSessionToken) -> dict[str, str]:
    """placeholder -> name, decrypted: what restore() needs."""
    return json.loads(token.mapping or "{}")


def session_mapping_update(*, token: VoiceSessionToken, mapping: Mapping[str, str]) -> VoiceSessionToken:
    """Add the placeholders an anonymize() call made (the same person keeps one across chunks)."""
    with transaction.atomic():
        locked = (
            VoiceSessionToken.objects.select_for_update(of=("self",))
            .select_related("mapping_key")
            .get(pk=token.pk)
        )
        merged = {**session_mapping(locked), **mapping}
        locked.mapping = json.dumps(merged, ensure_ascii=False)
        locked.save(update_fields=["mapping"])
    token.mapping = locked.mapping
    return token


def session_token_revoke(*, token: VoiceSessionToken) -> VoiceSessionToken:
    VoiceSessionToken.objects.filter(pk=token.pk).update(is_active=False)
    token.is_active = False
    return token


def known_identifiers_for(
    *, token: VoiceSessionToken, relatives: Iterable[Mapping[str, str] | Any] = (), staff: Iterable[str] = ()
) -> KnownIdentifiers:
    """What the anonymizer and the egress guard look for in this session."""
    return KnownIdentifiers.from_patient(
        token.patient, relatives=relatives, staff=staff, session_token=token.session_token
    )


# --- encryption (seed 5.4 encrypt_data / decrypt_data), under the patient's data key per purpose ---


def encrypt_data(
    *, patient_id: uuid.UUID, data: bytes, context: str, purpose: str = DataKeyPurpose.TRANSCRIPT
) -> bytes:
    """AES-256-GCM under the patient's key for `purpose`; `context` (table:row:field) is bound in."""
    key = keystore.data_key_get_or_create(subject_id=patient_id, purpose=purpose)
    return keystore.encrypt_bytes(key=key, data=data, context=context)


def decrypt_data(*, blob: bytes, context: str) -> bytes:
    """Raises clinic.keystore.KeyUnavailable for a wrong context, a moved blob or a shredded key."""
    return keystore.decrypt_bytes(blob=blob, context=context)


def blob_key_id(blob: bytes) -> uuid.UUID:
    return keystore.blob_key_id(blob)
