"""Idempotency-Key for booking requests: a retry gets the first reply, never a second appointment.

Identical requests that arrive together queue on the key's unique index: the first claims the key
(INSERT ... ON CONFLICT DO NOTHING), runs the operation and stores its reply (success or refusal) in
the same transaction; the others' claims wait for it and then find that reply. The same key with a different
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
from appointments.services.booking import LostBooking, booking_without_savepoint, run_with_retries
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
    runs afresh. A refusal rolls back the whole transaction (the claim too), so no savepoint is
    spent; the refusal is then kept in a second, short transaction.
    """
    key = idempotency_key_validate(key)

    def replay() -> Reply:
        # Another request holds or held the key. Its insert has committed by now (our claim waited
        # for it), and this new statement sees it.
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:  # it rolled back, or was purged, in between: claim afresh
            raise _ClaimLost
        if stored.request_hash != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used for a different request; send a new key."
            )
        return Reply(stored.response_status, stored.response_body, replayed=True)

    def keep(status: int, body: dict, claimed: int) -> Reply:
        with connection.cursor() as cursor:
            cursor.execute(_STORE_REPLY, [status, json.dumps(body, cls=DjangoJSONEncoder), claimed])
        return Reply(status, body)

    def attempt() -> Reply:
        try:
            with transaction.atomic():
                claimed = _claim(user=user, key=key, fingerprint=fingerprint)
                if claimed is None:
                    return replay()
                # A refusal rolls back everything, the claim too, so the booking needs no savepoint.
                with booking_without_savepoint():
                    status, body = run()
                return keep(status, body, claimed)
        except (IdempotencyKeyReused, _ClaimLost):
            raise
        except (ApplicationError, ValidationError, LostBooking) as exc:
            refused = exc.resolve() if isinstance(exc, LostBooking) else exc
        status, body = refusal(refused)
        with transaction.atomic():  # the refusal is the reply to keep, unless another got in first
            claimed = _claim(user=user, key=key, fingerprint=fingerprint)
            return replay() if claimed is None else keep(status, body, claimed)

    def attempt_until_claimed() -> Reply:
        for _ in range(3):
            try:
                return attempt()
            except _ClaimLost:
                continue
        return attempt()

    return run_with_retries(attempt_until_claimed)


class _ClaimLost(Exception):
    pass


_TABLE = IdempotencyKey._meta.db_table
# The claim: the row is inserted before the operation runs and filled in with its reply after, in one
# transaction. A second request with the same key waits on the unique index until the first commits
# (then finds its reply) or rolls back (then claims it itself). Only the table name is interpolated.
_CLAIM = f"""
    INSERT INTO {_TABLE} (user_id, key, request_hash, response_status, response_body, created_at)
    VALUES (%s, %s, %s, 0, 'null'::jsonb, %s)
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING id
"""  # noqa: S608
_STORE_REPLY = f"UPDATE {_TABLE} SET response_status = %s, response_body = %s::jsonb WHERE id = %s"  # noqa: S608


def _claim(*, user, key: str, fingerprint: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [user.pk, key, fingerprint, timezone.now()])
        row = cursor.fetchone()
    return row[0] if row else None


def idempotency_keys_purge(*, now: datetime.datetime | None = None) -> int:
    """Forget keys older than the keeping period (at least 24 hours)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=idempotency_keep_hours())
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
