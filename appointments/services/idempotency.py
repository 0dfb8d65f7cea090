"""Idempotency-Key for booking requests: a retry gets the first reply, never a second appointment.

Identical requests that arrive together queue on a transaction-level advisory lock taken on
(user, key); the first runs the operation in a savepoint and stores its reply (success or refusal)
in the same transaction, the others find that reply once it commits. The same key with a different
request is refused. Keys are kept at least 24 hours (purged by a daily job).
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from appointments.conf import idempotency_keep_hours
from appointments.models import IdempotencyKey
from appointments.services.booking import run_with_retries
from clinic.api_errors import ApplicationError

MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    http_status = 422


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict
    replayed: bool = False


def request_fingerprint(*, method: str, path: str, data) -> str:
    """A hash of what was asked: method, path and the body with its keys sorted."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def idempotency_key_validate(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError(
            {"Idempotency-Key": [f"Send a key of 1 to {MAX_KEY_LENGTH} printable characters."]}
        )
    return key


def idempotent_reply(
    *,
    user,
    key: str,
    fingerprint: str,
    run: Callable[[], tuple[int, dict]],
    refusal: Callable[[Exception], tuple[int, dict]],
) -> Reply:
    """Run `run()` once per (user, key) and keep its reply; replay it for later identical requests.

    `refusal` turns an ApplicationError or ValidationError raised by `run` into the reply to keep.
    Anything else (a bug, a lost connection) rolls everything back and stores nothing, so a retry
    runs afresh. `run` must leave nothing behind when it refuses: the booking services write inside
    their own savepoint, so no second one is spent here.
    """
    key = idempotency_key_validate(key)

    def attempt() -> Reply:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"booking:{user.pk}:{key}"])
            stored = IdempotencyKey.objects.filter(user=user, key=key).first()
            if stored is not None:
                if stored.request_hash != fingerprint:
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was already used for a different request; send a new key."
                    )
                return Reply(stored.response_status, stored.response_body, replayed=True)
            try:
                status, body = run()
            except (ApplicationError, ValidationError) as exc:
                status, body = refusal(exc)
            IdempotencyKey.objects.create(
                user=user, key=key, request_hash=fingerprint, response_status=status, response_body=body
            )
            return Reply(status, body)

    return run_with_retries(attempt)


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget keys older than the keeping period (at least 24 hours)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=idempotency_keep_hours())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
