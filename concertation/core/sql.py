"""Hand-written statements for the few hot paths (a sign-up burst, a vote).

The ORM compiles every query anew: on this project's wide models that costs 0.4 to 3 ms of
CPU per statement, several times what PostgreSQL spends running it, and a sign-up runs about
ten. These helpers keep the model's own conversions (defaults, `auto_now`, JSON, dates and
times on SQLite) and only skip the compilation: `insert` writes a model instance with the
columns its fields declare, `load` turns rows of a hand-written SELECT into instances whose
other fields stay deferred (read on access, like `.only()`). Use them where a benchmark says
the ORM's cost matters, and keep the SQL portable (SQLite and PostgreSQL both run the tests).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from functools import cache

import psycopg
from django.db import connections
from django.db.models import Model


@cache
def _insert_plan(model: type[Model], using: str, auto_pk: bool):
    """The columns and the statement; without the primary key when the database makes it."""
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields
              if not getattr(f, "generated", False) and not (auto_pk and f.primary_key)]
    quote = connections[using].ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)))
    if auto_pk:
        sql += f" RETURNING {quote(meta.pk.column)}"
    return fields, sql


def insert(obj: Model, using: str = "default") -> Model:
    """INSERT `obj` as `obj.save()` would (no signals are sent: none is connected to the
    models this is used for), and set its primary key when the database makes it."""
    connection = connections[using]
    model = type(obj)
    auto_pk = obj.pk is None and getattr(model._meta.pk, "db_returning", False)
    fields, sql = _insert_plan(model, using, auto_pk)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
    with _cursor(connection, sql, params) as cursor:
        if auto_pk:
            if connection.features.can_return_columns_from_insert:
                value = cursor.fetchone()[0]
            else:  # pragma: no cover (SQLite older than 3.35)
                value = cursor.lastrowid
            setattr(obj, model._meta.pk.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return obj


@cache
def _load_plan(model: type[Model], columns: tuple[str, ...], using: str):
    """Per column: its converters; and the order of the model's fields, which `from_db`
    expects its values in."""
    connection = connections[using]
    converters = []
    for name in columns:
        field = model._meta.get_field(name)
        expression = field.get_col(model._meta.db_table)
        converters.append((expression, connection.ops.get_db_converters(expression)
                           + field.get_db_converters(connection)))
    position = {f.attname: i for i, f in enumerate(model._meta.concrete_fields)}
    attnames = [model._meta.get_field(name).attname for name in columns]
    order = sorted(range(len(columns)), key=lambda i: position[attnames[i]])
    return converters, [attnames[i] for i in order], order


def load[M: Model](model: type[M], columns: Sequence[str], rows: Iterable[Sequence],
                   using: str = "default") -> list[M]:
    """Instances of `model` from rows of a SELECT of `columns` (field names, in order)."""
    connection = connections[using]
    converters, attnames, order = _load_plan(model, tuple(columns), using)
    instances = []
    for row in rows:
        values = list(row)
        for i, (expression, functions) in enumerate(converters):
            for convert in functions:
                values[i] = convert(values[i], expression, connection)
        instances.append(model.from_db(using, attnames, [values[i] for i in order]))
    return instances


def fetch(sql: str, params: Sequence = (), using: str = "default") -> list[tuple]:
    with _cursor(connections[using], sql, params) as cursor:
        return cursor.fetchall()


def execute(sql: str, params: Sequence = (), using: str = "default") -> int:
    """Run a statement; the number of rows it changed."""
    with _cursor(connections[using], sql, params) as cursor:
        return cursor.rowcount


@contextmanager
def _cursor(connection, sql: str, params: Sequence):
    """A cursor that has run `sql`. On PostgreSQL it binds the parameters on the server and
    prepares the statement: the connection (kept between requests, CONN_MAX_AGE) plans each
    of these statements once instead of on every request. Django's cursors bind on the
    client, so they cannot. Errors are Django's, as from any cursor, and the statement is
    logged where Django logs queries (DEBUG, tests counting queries)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    with connection.wrap_database_errors:
        cursor = psycopg.Cursor(connection.connection)
        try:
            cursor.execute(sql, params, prepare=True)
            if connection.queries_logged:
                connection.queries_log.append({
                    "sql": f"{sql} -- {list(params)!r}",
                    "time": f"{time.monotonic() - started:.3f}",
                })
            yield cursor
        finally:
            cursor.close()
