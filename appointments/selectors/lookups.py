"""Several rows, each by its id, in one round trip: what a booking request names (branch, doctor,
patient, service, room, therapist) is read by one query instead of one each.

Each lookup is an ordinary queryset (with its filters, e.g. "doctors only", "patients not deleted")
compiled once by Django with a placeholder id and kept; a request only fills in its ids and joins the
compiled statements side by side (LEFT JOIN LATERAL), so a missing row is a row of NULLs. Rows are
built as the ORM builds them: the same converters, then Model.from_db. One level of select_related
(forward or reverse one-to-one) is read by a sibling lookup on the same id and attached to the cache.
"""

import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model, QuerySet, Subquery
from django.db.models.sql.compiler import SQLCompiler

_PLACEHOLDER = uuid.UUID("00000000-0000-4000-8000-00000000feed")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    at: int  # where the id goes in params
    compiler: SQLCompiler
    model: type[Model]
    attnames: list[str]

    def build(self, values: list) -> Model | None:
        if values[self.attnames.index(self.model._meta.pk.attname)] is None:
            return None
        (row,) = list(self.compiler.results_iter(results=[[values]]))
        return self.model.from_db(connection.alias, self.attnames, row)


def _compile(queryset: QuerySet) -> _Compiled:
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    at = [i for i, p in enumerate(params) if p in (_PLACEHOLDER, str(_PLACEHOLDER), _PLACEHOLDER.hex)]
    if len(at) != 1:
        raise ValueError(f"{queryset.model.__name__}: a lookup must use its id exactly once")
    attnames = [col[0].target.attname for col in compiler.select[: compiler.col_count]]
    return _Compiled(sql, tuple(params), at[0], compiler, queryset.model, attnames)


_cache: dict[tuple, list[tuple[_Compiled, object]]] = {}


def _parts(key: tuple, queryset: QuerySet) -> list[tuple[_Compiled, object]]:
    """The lookup itself and one per select_related name, each with the field that attaches it;
    compiled on first use."""
    parts = _cache.get(key)
    if parts is not None:
        return parts
    related = queryset.query.select_related
    model = queryset.model
    parts = [(_compile(queryset.select_related(None).filter(pk=_PLACEHOLDER)), None)]
    for name in related if isinstance(related, dict) else ():
        field = model._meta.get_field(name)
        if field.auto_created:  # reverse one-to-one: the other row points at ours
            lookup = field.related_model._base_manager.filter(**{field.field.attname: _PLACEHOLDER})
        else:  # forward: the row ours points at
            pointer = model._base_manager.filter(pk=_PLACEHOLDER).values(field.attname)[:1]
            lookup = field.related_model._base_manager.filter(pk=Subquery(pointer))
        parts.append((_compile(lookup), field))
    _cache[key] = parts
    return parts


def rows_by_id(wanted: dict[str, tuple[tuple, QuerySet, uuid.UUID]]) -> dict[str, Model | None]:
    """{name: (cache key, queryset, id)} -> {name: the row or None}, in one query.

    The cache key names the queryset for the life of the process (e.g. the serializer field), so it
    must always stand for the same queryset."""
    plan = [(name, _parts(key, queryset), value) for name, (key, queryset, value) in wanted.items()]
    selects, joins, params, i = [], [], [], 0
    for _, parts, value in plan:
        for compiled, _ in parts:
            selects.append(f"q{i}.*")
            joins.append(f"LEFT JOIN LATERAL ({compiled.sql}) q{i} ON TRUE")
            params += [value if n == compiled.at else p for n, p in enumerate(compiled.params)]
            i += 1
    if not plan:
        return {}
    # Only SQL that Django compiled is joined here; every value is a parameter.
    sql = f"SELECT {', '.join(selects)} FROM (SELECT) one {' '.join(joins)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = list(cursor.fetchone())
    found, offset = {}, 0
    for name, parts, _ in plan:
        objs = []
        for compiled, _ in parts:
            width = len(compiled.attnames)
            objs.append(compiled.build(row[offset : offset + width]))
            offset += width
        main = objs[0]
        if main is not None:
            for (_, cache), obj in zip(parts[1:], objs[1:], strict=True):
                if cache.auto_created:
                    cache.set_cached_value(main, obj)
                    if obj is not None:
                        cache.remote_field.set_cached_value(obj, main)
                else:
                    cache.set_cached_value(main, obj)
        found[name] = main
    return found
