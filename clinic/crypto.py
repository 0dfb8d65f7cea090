"""AES-256-GCM primitives and key loading. Everything above this uses clinic.keystore."""

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
NONCE_BYTES = 12


def load_key(*, name: str, value: str, file: str = "") -> bytes:
    """A 32-byte key from base64 text or from a secret file holding that text."""
    if not value and file:
        try:
            value = Path(file).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {file!r}, which cannot be read: {exc}"
            ) from exc
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set {name} (base64 of 32 random bytes) or {name}_FILE. "
            "There is no unencrypted fallback; `make install` writes one for development into .env."
        )
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} is not valid base64.") from exc
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}.")
    return key


def key_id(key: bytes) -> str:
    """A public fingerprint of a key, to tell which key wrapped what without revealing it."""
    return hmac.new(key, b"intelli-clinic key id", hashlib.sha256).hexdigest()[:16]


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || ciphertext+tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Raises cryptography.exceptions.InvalidTag on a wrong key, tampering or swapped context."""
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
