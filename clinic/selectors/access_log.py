"""Reading the access log: one patient's entries, and checking the whole hash chain."""

import enum
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from clinic.models import AccessLog
from clinic.services.access_log import GENESIS_HASH, HASHED_FIELDS, access_log_row_hash

VERIFY_CHUNK_SIZE = 2000


class ChainBreak(enum.StrEnum):
    ROW_CHANGED = "row contents changed after it was written"
    CHAIN_BROKEN = "the row before it was deleted, or a row was inserted or reordered"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows_checked: int
    broken_row_id: int | None = None
    problem: ChainBreak | None = None
    head_hash: str = GENESIS_HASH

    def __str__(self) -> str:
        if self.ok:
            return f"access log OK: {self.rows_checked} rows, chain intact (head {self.head_hash})"
        return f"access log BROKEN at row {self.broken_row_id}: {self.problem}"


def access_log_verify(*, chunk_size: int = VERIFY_CHUNK_SIZE) -> VerifyResult:
    """Walk every row in id order, recomputing each hash; stop at the first row that disagrees.

    One streamed query (a server-side cursor), so the walk sees one snapshot of the table and
    memory stays flat however long the log grows.
    """
    expected_prev = GENESIS_HASH
    checked = 0
    rows = AccessLog.objects.order_by("id").values("id", "prev_hash", "row_hash", *HASHED_FIELDS)
    for row in rows.iterator(chunk_size=chunk_size):
        checked += 1
        if row["prev_hash"] != expected_prev:
            return VerifyResult(False, checked, row["id"], ChainBreak.CHAIN_BROKEN, expected_prev)
        if access_log_row_hash(prev_hash=row["prev_hash"], fields=row) != row["row_hash"]:
            return VerifyResult(False, checked, row["id"], ChainBreak.ROW_CHANGED, expected_prev)
        expected_prev = row["row_hash"]
    return VerifyResult(True, checked, head_hash=expected_prev)


def access_log_for_patient(patient_id: uuid.UUID | str) -> QuerySet[AccessLog]:
    """Who read this patient's records, newest first (the log holds ids only: no joins needed)."""
    return AccessLog.objects.filter(patient_id=patient_id).order_by("-accessed_at", "-id")
