"""Several writes of one booking sent as one SQL statement (data-modifying CTEs), built by Django's own
compilers so that field preparation, defaults and auto_now values are exactly those of save() and
bulk_create(). A booking is short; its cost is mostly round trips and per-query overhead, not work.

PostgreSQL runs the sub-statements of one WITH together and checks foreign keys, CHECKs and the
exclusion constraints as it does for separate statements: a violation raises the same IntegrityError
(same SQLSTATE and constraint name), so callers map refusals exactly as before.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery


def insert_sql(objs: Sequence[Model]) -> tuple[str, list]:
    """The INSERT of `objs` (all of one model) as bulk_create would write it, without running it.
    Compiling runs each field's pre_save, so auto_now values are set on the instances here."""
    model = type(objs[0])
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.generated and not (f.primary_key and f.db_returning and objs[0].pk is None)
    ]
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def execute_together(
    statements: Sequence[tuple[str, list]], *, returning: bool = False, named: dict | None = None
) -> tuple | None:
    """Run several statements (from insert_sql, or any data-modifying SQL) as one: `named` ones first
    as CTEs under their names (the others may read them), then all but the last as CTEs, then the
    last. With `returning`, the last statement's first row is returned."""
    *first, (last_sql, last_params) = statements
    named = named or {}
    ctes = [f"{name} AS ({sql})" for name, (sql, _) in named.items()]
    ctes += [f"w{i} AS ({sql})" for i, (sql, _) in enumerate(first)]
    sql = f"WITH {', '.join(ctes)} {last_sql}" if ctes else last_sql
    params = [p for _, ps in named.values() for p in ps]
    params += [p for _, ps in first for p in ps] + list(last_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if returning else None


def substitute(
    statement: tuple[str, list], value, expression: str, expression_params: Sequence = ()
) -> tuple[str, list]:
    """The statement with every parameter equal to `value` replaced by the SQL `expression` (e.g. a
    subquery on an earlier CTE) and its own parameters. Placeholders of an INSERT's VALUES are one
    `%s` per parameter, in order, so the n-th parameter is the n-th `%s`."""
    sql, params = statement
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError("substitute() needs one %s per parameter")
    out, kept = [parts[0]], []
    for param, tail in zip(params, parts[1:], strict=True):
        if param == value:
            out.append(expression)
            kept += list(expression_params)
        else:
            out.append("%s")
            kept.append(param)
        out.append(tail)
    return "".join(out), kept
