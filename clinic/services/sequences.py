"""Human-readable numbers (MRN-, APT-, CON-, RX-, INV-) from per-branch, per-year counters."""

from django.db import connection
from django.utils import timezone

from clinic.models import Branch, NumberSequence

_TABLE = NumberSequence._meta.db_table
# Only the (constant) table name is interpolated; every value is a query parameter.
_NEXT = f"""
    INSERT INTO {_TABLE} (branch_id, prefix, year, last_value)
    VALUES (%s, %s, %s, 1)
    ON CONFLICT (branch_id, prefix, year) DO UPDATE SET last_value = {_TABLE}.last_value + 1
    RETURNING last_value
"""  # noqa: S608


def number_next(*, branch: Branch, prefix: str, year: int | None = None, width: int = 5) -> str:
    """Race-free: one upsert statement; concurrent callers each get a distinct value.

    Call it inside the transaction that writes the numbered row, so a rollback also returns
    nothing visible (a gap is possible and acceptable; a duplicate is not).
    """
    year = year or timezone.localdate().year
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [branch.pk, prefix, year])
        (value,) = cursor.fetchone()
    return f"{prefix}-{branch.code}-{year}-{value:0{width}d}"
