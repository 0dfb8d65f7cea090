"""Envelope encryption (decision 4): data keys per patient and purpose, wrapped by the KEK.

Ciphertext layout: version byte, the data key's UUID (16 bytes), nonce, ciphertext and tag. The
associated data binds each ciphertext to its (table, row, field), so blobs cannot be swapped.
"""

import logging
import uuid
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from clinic import crypto
from clinic.models.keystore import DataKey

logger = logging.getLogger(__name__)

VERSION = b"\x01"


class KeyUnavailable(Exception):
    """The data key is gone (crypto-shredded) or cannot be opened: the plaintext is unreadable."""


@dataclass(frozen=True)
class KekRing:
    current_id: str
    keys: dict[str, bytes]


@cache
def kek_ring() -> KekRing:
    current = crypto.load_key(
        name="ENCRYPTION_KEK", value=settings.ENCRYPTION_KEK, file=settings.ENCRYPTION_KEK_FILE
    )
    keys = {crypto.key_id(current): current}
    for i, old in enumerate(settings.ENCRYPTION_OLD_KEKS):
        key = crypto.load_key(name=f"ENCRYPTION_OLD_KEKS[{i}]", value=old)
        keys.setdefault(crypto.key_id(key), key)
    return KekRing(current_id=crypto.key_id(current), keys=keys)


def _wrap_aad(key: DataKey) -> bytes:
    return f"datakey:{key.id}:{key.subject_id}:{key.purpose}".encode()


def _wrap(key: DataKey, raw: bytes) -> None:
    ring = kek_ring()
    key.wrapped_key = crypto.seal(ring.keys[ring.current_id], raw, _wrap_aad(key))
    key.kek_id = ring.current_id


def unwrap(key: DataKey) -> bytes:
    kek = kek_ring().keys.get(key.kek_id)
    if kek is None:
        raise KeyUnavailable(f"data key {key.id} was wrapped by KEK {key.kek_id}, which is not configured")
    try:
        return crypto.unseal(kek, bytes(key.wrapped_key), _wrap_aad(key))
    except InvalidTag as exc:
        raise KeyUnavailable(f"data key {key.id} does not open with KEK {key.kek_id}") from exc


def data_key_get_or_create(*, subject_id: uuid.UUID, purpose: str) -> DataKey:
    """The subject's key for this purpose; race-safe (the unique constraint decides)."""
    existing = DataKey.objects.filter(subject_id=subject_id, purpose=purpose).first()
    if existing:
        return existing
    key = DataKey(id=uuid.uuid4(), subject_id=subject_id, purpose=purpose)
    _wrap(key, crypto.new_key())
    try:
        with transaction.atomic():
            key.save(force_insert=True)
    except IntegrityError:
        return DataKey.objects.get(subject_id=subject_id, purpose=purpose)
    return key


def _aad(context: str) -> bytes:
    return context.encode()


def encrypt(*, key: DataKey, plaintext: str, context: str) -> bytes:
    return VERSION + key.id.bytes + crypto.seal(unwrap(key), plaintext.encode(), _aad(context))


def encrypt_bytes(*, key: DataKey, data: bytes, context: str) -> bytes:
    return VERSION + key.id.bytes + crypto.seal(unwrap(key), data, _aad(context))


def blob_key_id(blob: bytes) -> uuid.UUID:
    if blob[:1] != VERSION:
        raise KeyUnavailable("unknown ciphertext version")
    return uuid.UUID(bytes=bytes(blob[1:17]))


def decrypt_bytes(*, blob: bytes, context: str, key: DataKey | None = None) -> bytes:
    blob = bytes(blob)
    wanted = blob_key_id(blob)
    if key is None or key.id != wanted:
        key = DataKey.objects.filter(id=wanted).first()
        if key is None:
            raise KeyUnavailable("the data key for this value has been destroyed")
    try:
        return crypto.unseal(unwrap(key), blob[17:], _aad(context))
    except InvalidTag as exc:
        raise KeyUnavailable(f"ciphertext does not open in context {context!r}") from exc


def decrypt(*, blob: bytes, context: str, key: DataKey | None = None) -> str:
    return decrypt_bytes(blob=blob, context=context, key=key).decode()


def kek_rotate(*, batch_size: int = 500) -> dict[str, int]:
    """Re-wrap every data key not yet wrapped by the current KEK. Safe to re-run after a crash."""
    ring = kek_ring()
    rewrapped = 0
    while True:
        with transaction.atomic():
            batch = list(
                DataKey.objects.exclude(kek_id=ring.current_id).select_for_update(skip_locked=True)[
                    :batch_size
                ]
            )
            if not batch:
                break
            now = timezone.now()
            for key in batch:
                _wrap(key, unwrap(key))
                key.rewrapped_at = now
            DataKey.objects.bulk_update(batch, ["wrapped_key", "kek_id", "rewrapped_at"])
            rewrapped += len(batch)
    return {"rewrapped": rewrapped, "total": DataKey.objects.count()}


def subject_shred(*, subject_id: uuid.UUID) -> int:
    """Destroy every data key of one patient: their ciphertext becomes unreadable for good."""
    deleted, _ = DataKey.objects.filter(subject_id=subject_id).delete()
    logger.info("crypto-shredded %s data keys of subject %s", deleted, subject_id)
    return deleted


def assert_keys_usable() -> None:
    """Stop start-up with a clear message when a key is missing, malformed or not the one in use."""
    from clinic import blind_index

    ring = kek_ring()
    blind_index.index_key()
    try:
        stored = list(DataKey.objects.values_list("kek_id", flat=True).distinct())
    except DatabaseError:
        connection.close()  # no table yet (before the first migrate): nothing stored to check against
        return
    unknown = sorted(set(stored) - set(ring.keys))
    if unknown:
        raise ImproperlyConfigured(
            f"ENCRYPTION_KEK does not match the stored data keys (they were wrapped by KEK id(s) "
            f"{', '.join(unknown)}; configured: {', '.join(sorted(ring.keys))}). Set the right key, or list "
            "the previous one in ENCRYPTION_OLD_KEKS and run `manage.py rotate_kek`."
        )
    for kek_id in stored:
        sample = DataKey.objects.filter(kek_id=kek_id).first()
        if sample is not None:
            try:
                unwrap(sample)
            except KeyUnavailable as exc:
                raise ImproperlyConfigured(f"ENCRYPTION_KEK cannot open the stored data keys: {exc}") from exc
