"""HMAC blind indexes: search encrypted PII by exact phone and by name-word prefixes.

The index key is separate from the KEK, so a leaked index never helps decrypt anything.
"""

import hashlib
import hmac
import re
import unicodedata
from functools import cache

from django.conf import settings

from clinic import crypto

NAME_PREFIX_MIN = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@cache
def index_key() -> bytes:
    return crypto.load_key(
        name="BLIND_INDEX_KEY", value=settings.BLIND_INDEX_KEY, file=settings.BLIND_INDEX_KEY_FILE
    )


def token(kind: str, value: str) -> str:
    return hmac.new(index_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def name_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode() or (text or "")
    return [w.lower() for w in _WORD.findall(folded)]


def name_tokens(*names: str) -> list[str]:
    """Tokens for every prefix of 3+ letters of every word (and whole words shorter than that)."""
    tokens: set[str] = set()
    for word in (w for name in names for w in name_words(name)):
        if len(word) < NAME_PREFIX_MIN:
            tokens.add(token("name", word))
        for end in range(NAME_PREFIX_MIN, len(word) + 1):
            tokens.add(token("name", word[:end]))
    return sorted(tokens)


def name_query_tokens(query: str) -> list[str]:
    """One token per word typed; every word must match (a prefix of some name word)."""
    return sorted({token("name", w) for w in name_words(query)})


def phone_token(e164: str) -> str:
    return token("phone", e164)


def exact_token(kind: str, value: str) -> str:
    return token(kind, value.strip().lower())
