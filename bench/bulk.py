"""Rows written with Postgres COPY, for the bench's seed: no INSERT statement to build and parse per batch.

Driven by the model's own fields (`_meta.concrete_fields`, each value prepared as Django would save it),
so a field another change adds is written too, with the default the model gives it. Primary keys are
taken from the table's sequence first, so that the objects can be used as foreign keys afterwards, as
bulk_create's would be. A model with a database-side default (`db_default`) goes through bulk_create,
which knows how to leave such a column out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED, AutoFieldMixin

BATCH = 5000
# Values psycopg writes as they are; anything else (a JSON value, a country) is prepared by its field.
PLAIN = (str, int, float, bool, Decimal, datetime, date, type(None))


def _copyable(model: type[Model], connection) -> bool:
    return connection.vendor == "postgresql" and all(
        getattr(field, "db_default", NOT_PROVIDED) is NOT_PROVIDED for field in model._meta.concrete_fields
    )


def insert(model: type[Model], objs: Iterable[Model]) -> list[Model]:
    """Insert the objects (with their primary keys set on return), in one COPY."""
    objs = list(objs)
    if not objs:
        return objs
    # The wrapper itself, not the thread-local proxy django.db.connection: a million field values read
    # its attributes.
    connection = connections[DEFAULT_DB_ALIAS]
    if not _copyable(model, connection):
        return model.objects.bulk_create(objs, batch_size=BATCH)
    meta = model._meta
    quote = connection.ops.quote_name
    if isinstance(meta.pk, AutoFieldMixin) and any(obj.pk is None for obj in objs):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
    fields = [field for field in meta.concrete_fields if not getattr(field, "generated", False)]
    columns = ", ".join(quote(field.column) for field in fields)
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            row = []
            for field in fields:
                value = field.pre_save(obj, True)
                row.append(value if type(value) in PLAIN else field.get_db_prep_save(value, connection))
            copy.write_row(row)
            obj._state.adding = False
            obj._state.db = connection.alias
    return objs
