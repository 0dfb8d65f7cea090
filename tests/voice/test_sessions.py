"""Session tokens: format, expiry, refusals, the mapping encrypted at rest; encrypt/decrypt helpers."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinic.keystore import KeyUnavailable
from tests.voice.helpers import DEFAULTS
from voice.models import VoiceSessionToken
from voice.privacy import anonymize, restore
from voice.privacy.sessions import (
    SessionTokenInvalid,
    blob_key_id,
    decrypt_data,
    encrypt_data,
    known_identifiers_for,
    restore_identity,
    session_mapping,
    session_mapping_update,
    session_token_create,
    session_token_get,
    session_token_revoke,
)


def test_token_format_expiry_and_encrypted_mapping(patient_a):
    token = session_token_create(patient=patient_a)
    assert VoiceSessionToken.objects.get(pk=token.pk).session_token == token.session_token
    assert token.session_token.startswith("PATIENT_") and len(token.session_token) == 14
    assert token.expires_at > timezone.now() + datetime.timedelta(hours=11)
    assert session_mapping(token) == {token.session_token: "Ramesh Kumar"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT mapping::text FROM voice_voicesessiontoken WHERE id = %s", [token.pk])
        raw = cursor.fetchone()[0]
    assert "Ramesh" not in raw and "Kumar" not in raw
    assert bytes.fromhex(raw[2:])[:1] == b"\x01"  # keystore ciphertext


def test_the_database_refuses_a_malformed_token(patient_a):
    token = session_token_create(patient=patient_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoiceSessionToken.objects.filter(pk=token.pk).update(session_token="PATIENT_abc")


def test_expired_revoked_and_other_patients_tokens_are_refused(patient_a, branch_a):
    from tests.factories import make_patient

    other = make_patient(branch=branch_a, first_name="Sita", last_name="Rao")
    token = session_token_create(patient=patient_a)
    assert session_token_get(session_token=token.session_token, patient=patient_a) == token
    assert restore_identity(session_token=token.session_token) == patient_a.id
    with pytest.raises(SessionTokenInvalid) as refused:
        session_token_get(session_token=token.session_token, patient=other)
    assert refused.value.code == "session_token_mismatch"
    VoiceSessionToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
        created_at=timezone.now() - datetime.timedelta(hours=1),
    )
    with pytest.raises(SessionTokenInvalid) as expired:
        session_token_get(session_token=token.session_token)
    assert expired.value.code == "session_token_expired"
    fresh = session_token_create(patient=patient_a)
    session_token_revoke(token=fresh)
    with pytest.raises(SessionTokenInvalid):
        session_token_get(session_token=fresh.session_token)
    with pytest.raises(SessionTokenInvalid):
        session_token_get(session_token="PATIENT_ZZZZZZ")


def test_anonymize_with_the_record_then_restore_from_the_stored_mapping(patient_a):
    token = session_token_create(patient=patient_a)
    known = known_identifiers_for(token=token, relatives=[{"name": "Sunita Kumar", "relation": "wife"}])
    said = "I am Ramesh Kumar, call 98450 12345. My wife Sunita has it too."
    result = anonymize(said, known, enabled=DEFAULTS.enabled, patterns=DEFAULTS.regexes)
    assert result.text == f"I am {token.session_token}, call [PHONE_REDACTED]. My wife [PERSON_1] has it too."
    session_mapping_update(token=token, mapping=result.mapping)
    stored = session_token_get(session_token=token.session_token)
    draft = f"{token.session_token} and [PERSON_1] both have a rash."
    assert restore(draft, session_mapping(stored)) == "Ramesh Kumar and Sunita Kumar both have a rash."


def test_encrypt_and_decrypt_are_bound_to_their_context(patient_a):
    blob = encrypt_data(patient_id=patient_a.id, data=b"transcript text", context="voice_transcript:1:raw")
    assert b"transcript" not in blob
    assert blob_key_id(blob)
    assert decrypt_data(blob=blob, context="voice_transcript:1:raw") == b"transcript text"
    with pytest.raises(KeyUnavailable):
        decrypt_data(blob=blob, context="voice_transcript:2:raw")
