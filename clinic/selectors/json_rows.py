"""Model instances from rows that PostgreSQL handed over as JSON.

A page that needs a record and a dozen of its relations can ask for all of them in one statement
(`to_json(alias)` per row, `json_agg` per list) instead of one ORM query each; what costs there is
the ORM compiling each query in Python, not PostgreSQL running it (decision 0045, "Third round").
This turns each JSON row back into the instance the ORM would have built: every column converted
by its field's own `to_python`, then `Model.from_db`, so the instance behaves as a loaded one
(unsaved-changes checks, lazy decryption of encrypted fields, `refresh_from_db`). Columns the row
leaves out are deferred, as with `.only()`.
"""

import json
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, models

_fields_cache: dict[type[models.Model], list[tuple[str, str, object]]] = {}
# JSON already gives these their Python type (str, int, bool): no conversion to make.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.JSONField,
    models.GenericIPAddressField,
)


def json_value(text):
    """A json column as Python, numbers with a fraction as Decimal (as the ORM gives numeric)."""
    return json.loads(text, parse_float=Decimal) if isinstance(text, str | bytes) else text


def _columns(model: type[models.Model]) -> list[tuple[str, str, object]]:
    """(column, attname, converter or None) per concrete field, worked out once per model."""
    columns = _fields_cache.get(model)
    if columns is None:
        columns = [(f.column, f.attname, _converter(f)) for f in model._meta.concrete_fields]
        _fields_cache[model] = columns
    return columns


def _converter(field: models.Field):
    if isinstance(field, models.BinaryField):
        # bytea arrives in PostgreSQL's hex output: "\x0a1b..."
        return lambda value: bytes.fromhex(value[2:]) if isinstance(value, str) else value
    target = field.target_field if field.is_relation else field
    if isinstance(target, _AS_IS) and not isinstance(target, models.DecimalField | models.DurationField):
        return None
    return field.to_python


def instance_from_json(model: type[models.Model], row: dict | None) -> models.Model | None:
    """The instance of `model` for one JSON row (`to_json(t)` or `json_build_object(...)` keyed by
    column name), or None for a JSON null (a LEFT JOIN that found nothing)."""
    if row is None:
        return None
    attnames, values = [], []
    for column, attname, convert in _columns(model):
        if column in row:
            value = row[column]
            attnames.append(attname)
            values.append(value if convert is None or value is None else convert(value))
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


def instances_from_json(model: type[models.Model], rows: list[dict] | None) -> list[models.Model]:
    return [instance_from_json(model, row) for row in rows or ()]
