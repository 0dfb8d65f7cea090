"""Human-readable numbers (MRN-, APT-, CON-, RX-, INV-) from per-branch, per-year counters."""

from django.db import connection
from django.utils import timezone

from clinic.models import Branch, NumberSequence

_TABLE = NumberSequence._meta.db_table
# The counter's one upsert, public so that a caller can run it inside a larger statement (the
# booking service names it in a CTE with its inserts). Parameters, in order: branch id, prefix,
# year; it returns the new `last_value`. Only the (constant) table name is interpolated.
NUMBER_NEXT_SQL = f"""
    INSERT INTO {_TABLE} (branch_id, prefix, year, last_value)
    VALUES (%s, %s, %s, 1)
    ON CONFLICT (branch_id, prefix, year) DO UPDATE SET last_value = {_TABLE}.last_value + 1
    RETURNING last_value
"""  # noqa: S608


def number_prefix(prefix: str, branch_code: str, year: int) -> str:
    """Everything before the counter: "APT-BLR-2026-" (SQL that pads the counter itself uses it)."""
    return f"{prefix}-{branch_code}-{year}-"


def number_format(prefix: str, branch_code: str, year: int, value: int, width: int = 5) -> str:
    """The printed number, e.g. APT-BLR-2026-00042; zero-padded to `width`, wider when it must be."""
    return f"{number_prefix(prefix, branch_code, year)}{value:0{width}d}"


def number_next(*, branch: Branch, prefix: str, year: int | None = None, width: int = 5) -> str:
    """Race-free: one upsert statement; concurrent callers each get a distinct value.

    Call it inside the transaction that writes the numbered row, so a rollback also returns
    nothing visible (a gap is possible and acceptable; a duplicate is not).
    """
    year = year or timezone.localdate().year
    with connection.cursor() as cursor:
        cursor.execute(NUMBER_NEXT_SQL, [branch.pk, prefix, year])
        (value,) = cursor.fetchone()
    return number_format(prefix, branch.code, year, value, width)
