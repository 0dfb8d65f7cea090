"""The one door for writing the access log: every read of clinical data calls `access_log_record`.

Rows form a hash chain (decision docs/decisions/0004-access-log-hash-chain.md): each row's
`row_hash` covers its own fields and the previous row's hash. The database builds the chain as
rows are inserted (decision 0052, migration 0006): a trigger serializes writers with a
transaction-scoped advisory lock, so two concurrent reads cannot both extend the same predecessor,
and sets each row's place and hashes; the UNIQUE `prev_hash` stays as a backstop. This module
validates and inserts; `access_log_row_hash` is the same hash in Python, for the verifier.
"""

import datetime
import hashlib
import ipaddress
import json
import re
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from clinic.models import AccessLog, AccessType

GENESIS_HASH = "0" * 64
# pg_advisory_xact_lock key held by every access-log writer (taken by the trigger of migration
# 0006): a fixed signed bigint that no other lock in the project uses (ASCII "ic-alog1" read as a
# big-endian integer).
ACCESS_LOG_LOCK_ID = 0x69632D616C6F6731
USER_AGENT_MAX = 400
# The fields covered by row_hash, in the order of the model. prev_hash is hashed in front of them.
HASHED_FIELDS = (
    "accessed_at",
    "user_id",
    "actor",
    "record_type",
    "record_id",
    "patient_id",
    "access_type",
    "reason",
    "ip_address",
    "user_agent",
)
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _canonical(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return str(value)


def access_log_row_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256 over prev_hash and a canonical JSON of the hashed fields: what the database's trigger
    computes for each new row (migration 0006), recomputed by the verifier (clinic.selectors.
    access_log). tests/clinic/test_access_log.py holds the two to the same answer."""
    payload = json.dumps(
        {name: _canonical(fields[name]) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def _ip_or_none(value: str) -> str | None:
    """The address as PostgreSQL's inet prints it (so the stored row hashes the same), or None."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT = n > 0 the address our outermost proxy saw: the
    n-th X-Forwarded-For entry from the right. Entries left of it are written by the client and
    can be forged, so they are never used."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            forwarded = _ip_or_none(hops[-proxies])
            if forwarded:
                return forwarded
    return _ip_or_none(request.META.get("REMOTE_ADDR", ""))


def _user_agent(request: HttpRequest) -> str:
    """The header is the client's to choose, and PostgreSQL text cannot hold NUL: drop control
    characters, then cut to the column's length."""
    return _CONTROL_CHARS.sub("", request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX]


def _actor(user) -> str:
    """Staff are named by username; anyone else (portal logins may use a phone number as the
    username) by id only, so no patient identifier reaches the log."""
    if user is None:
        return "system"
    if not user.is_authenticated:
        return "anonymous"
    if user.is_staff:
        return user.get_username()
    return f"user:{user.pk}"


def access_log_record(
    *,
    user,
    record_type: str,
    record_id,
    patient_id,
    access_type: str = AccessType.VIEW,
    reason: str = "",
    request: HttpRequest | None = None,
    actor: str | None = None,
) -> AccessLog:
    """Append one row saying who read which record of which patient. Ids only, never PII.

    `user` may be None for jobs; pass `actor` ("system:<job>", "patient:<id>") to name them.
    Raises ValidationError for a bad field (unknown access type, over-long ids or reason).
    Called inside a caller's transaction, the lock is held until that transaction ends: keep such
    transactions short, and know that a rollback takes the log row with it.
    """
    entry = _access_log_entry(
        user=user,
        record_type=record_type,
        record_id=record_id,
        patient_id=patient_id,
        access_type=access_type,
        reason=reason,
        request=request,
        actor=actor,
    )
    return _append(entry)[0]


def access_log_record_many(
    *, user, reads: list[dict[str, Any]], request: HttpRequest | None = None, actor: str | None = None
) -> list[AccessLog]:
    """Append several rows for one request in one round of the lock: one lock, one read of the
    chain's head, one multi-row INSERT. Each dict of `reads` holds `record_type`, `record_id`,
    `patient_id` and optionally `access_type` and `reason`. The chain is the same as from that many
    `access_log_record` calls: each row's prev_hash is the row before it, and the rows' order is
    the list's order."""
    entries = [_access_log_entry(user=user, request=request, actor=actor, **read) for read in reads]
    return _append(*entries) if entries else []


def _access_log_entry(
    *,
    user,
    record_type: str,
    record_id,
    patient_id,
    access_type: str = AccessType.VIEW,
    reason: str = "",
    request: HttpRequest | None = None,
    actor: str | None = None,
) -> AccessLog:
    entry = AccessLog(
        **_reader(user, request, actor),
        record_type=record_type,
        record_id=str(record_id),
        patient_id=patient_id,
        access_type=access_type,
        reason=reason,
        prev_hash=GENESIS_HASH,
        row_hash=GENESIS_HASH,
    )
    entry.full_clean(
        exclude=["accessed_at", "prev_hash", "row_hash"], validate_unique=False, validate_constraints=False
    )
    return entry


def access_log_cte(reads_sql: str) -> str:
    """A read and its access-log rows in one statement: the SQL of a data-modifying CTE named
    `logged` that appends one row (access type view) per row of `reads_sql`, which yields the
    columns ord, record_type, record_id (text), patient_id and reason; rows are chained in `ord`
    order. Put it in the WITH clause of the reading statement, read `(SELECT count(*) FROM logged)`
    to know how many rows were written, and pass `access_log_cte_params` with the statement's own.
    The database chains them as it chains every insert (the trigger of migration 0006). Writing in
    the reading statement saves the page a round trip and a commit of its own (decision 0052); the
    reads must only yield rows the reader is allowed to see, as the statement decides it."""
    columns = ", ".join(_WRITTEN_COLUMNS)
    return f"""logged AS (
        INSERT INTO clinic_accesslog ({columns})
        SELECT %(log_user_id)s, %(log_actor)s, r.record_type, r.record_id, r.patient_id,
               %(log_access_type)s, r.reason, %(log_ip_address)s, %(log_user_agent)s
          FROM ({reads_sql}) r
         ORDER BY r.ord
        RETURNING id)"""  # noqa: S608 (constant SQL; every value is a parameter)


def access_log_cte_params(*, user, request: HttpRequest | None = None) -> dict[str, Any]:
    """The parameters of `access_log_cte`: who reads, from where, as `access_log_record` writes them."""
    return {
        f"log_{column}": value
        for column, value in {**_reader(user, request), "access_type": AccessType.VIEW}.items()
    }


def _reader(user, request: HttpRequest | None, actor: str | None = None) -> dict[str, Any]:
    """The columns that name who reads and from where."""
    authenticated = user is not None and user.is_authenticated
    return {
        "user_id": user.pk if authenticated else None,
        "actor": actor or _actor(user),
        "ip_address": client_ip(request) if request is not None else None,
        "user_agent": _user_agent(request) if request is not None else "",
    }


# What a writer supplies; the database sets id, accessed_at, prev_hash and row_hash (migration 0006).
_WRITTEN_COLUMNS = (
    "user_id",
    "actor",
    "record_type",
    "record_id",
    "patient_id",
    "access_type",
    "reason",
    "ip_address",
    "user_agent",
)


def _append(*entries: AccessLog) -> list[AccessLog]:
    """Insert validated entries, in order, in one statement. The database chains them (a BEFORE
    INSERT trigger, decision 0052): under the writers' lock it reads the chain's head and sets each
    row's id, accessed_at, prev_hash and row_hash, which come back to the entries."""
    one_row = "(" + ", ".join(["%s"] * len(_WRITTEN_COLUMNS)) + ")"
    sql = (
        f"INSERT INTO clinic_accesslog ({', '.join(_WRITTEN_COLUMNS)}) "  # noqa: S608 (constant SQL)
        f"VALUES {', '.join([one_row] * len(entries))} RETURNING id, accessed_at, prev_hash, row_hash"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [getattr(entry, column) for entry in entries for column in _WRITTEN_COLUMNS])
        written = cursor.fetchall()
    for entry, (pk, accessed_at, prev_hash, row_hash) in zip(entries, written, strict=True):
        entry.pk, entry.accessed_at, entry.prev_hash, entry.row_hash = pk, accessed_at, prev_hash, row_hash
        entry._state.adding = False
    return list(entries)


def access_log_for_request(
    request: HttpRequest,
    *,
    record_type: str,
    record_id,
    patient_id,
    access_type: str = AccessType.VIEW,
    reason: str = "",
) -> AccessLog:
    """`access_log_record` for a view: the user, ip and user agent come from the request."""
    return access_log_record(
        user=getattr(request, "user", None),
        record_type=record_type,
        record_id=record_id,
        patient_id=patient_id,
        access_type=access_type,
        reason=reason,
        request=request,
    )
