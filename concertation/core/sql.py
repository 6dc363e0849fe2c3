"""Hand-written statements for the few hot paths (a sign-up burst, a vote).

The ORM compiles every query anew: on this project's wide models that costs 0.4 to 3 ms of
CPU per statement, several times what PostgreSQL spends running it, and a sign-up runs about
ten. These helpers keep the model's own conversions (defaults, `auto_now`, JSON, dates and
times on SQLite) and only skip the compilation: `insert` writes a model instance with the
columns its fields declare, `load` turns rows of a hand-written SELECT into instances whose
other fields stay deferred (read on access, like `.only()`). Use them where a benchmark says
the ORM's cost matters, and keep the SQL portable (SQLite and PostgreSQL both run the tests).

Every statement goes through Django's cursor wrapper, so `connection.execute_wrapper` hooks
(monitoring, query guards) and the query log see it as they see the ORM's; on PostgreSQL the
wrapper holds a psycopg raw cursor that prepares the statement (see `_cursor`). Rows come back
as named tuples: read columns by the name the SELECT gives them, never by position.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Field, Model


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


@dataclass(frozen=True)
class Ref:
    """A value for `insert_chain`, made from the primary key of an earlier row of the chain:
    `sql` is its expression on PostgreSQL (`{}` stands for the key), `python` its value on
    the other databases."""

    row: int
    sql: str = "{}"
    python: Callable[[Any], Any] = lambda pk: pk


# Fields whose database value is the Python value itself when it is of one of these types:
# `insert_chain` passes such values as they are instead of through the field's preparation
# (about 3 µs a field; a sign-up writes 46).
_PLAIN_FIELDS = {"CharField", "TextField", "EmailField", "SlugField", "BooleanField",
                 "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
                 "PositiveSmallIntegerField", "PositiveBigIntegerField", "ForeignKey",
                 "OneToOneField"}
_PLAIN_TYPES = {str, int, bool, type(None)}


def _plain(field) -> bool:
    return (field.get_internal_type() in _PLAIN_FIELDS
            and type(field).pre_save is Field.pre_save
            and (not field.is_relation or field.target_field.get_internal_type()
                 in {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField",
                     "BigIntegerField"}))


@cache
def _chain_plan(shape: tuple, using: str, condition: str | None, also: str | None
                ) -> tuple[str, list[list]]:
    """`insert_chain`'s statement for rows of this shape, and each row's fields given as
    parameters (the others are `Ref`s)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    # The condition is evaluated once, in its own clause, and every row depends on it.
    clauses = [f"ok AS (SELECT {condition} AS ok)"] if condition else []
    own_fields = []
    for i, (model, auto_pk, refs) in enumerate(shape):
        meta = model._meta
        fields, _ = _insert_plan(model, using, auto_pk)
        by_attname = {attname: (row, sql) for attname, row, sql in refs}
        values, sources, own = [], set(), []
        for field in fields:
            if field.attname in by_attname:
                row, expression = by_attname[field.attname]
                key = quote(shape[row][0]._meta.pk.column)
                values.append(expression.format(f"r{row}.{key}"))
                sources.add(row)
            else:
                # Typed: a parameter in a SELECT list has no column to take its type from.
                values.append(f"%s::{field.cast_db_type(connection)}")
                own.append((field, _plain(field)))
        tables = [f"r{j}" for j in sorted(sources)] + (["ok"] if condition else [])
        source = f" FROM {', '.join(tables)}" if tables else ""
        if condition:
            source += " WHERE ok.ok"
        clauses.append(
            f"r{i} AS (INSERT INTO {quote(meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) SELECT {', '.join(values)}{source} "
            f"RETURNING {quote(meta.pk.column)})")
        own_fields.append(own)
    keys = [f"r{i}.{quote(model._meta.pk.column)}" for i, (model, _, _) in enumerate(shape)]
    tables = ", ".join(f"r{i}" for i in range(len(shape)))
    if also:
        clauses.append(f"also AS ({also})")
        keys.append("also.*")
        tables += " LEFT OUTER JOIN also ON TRUE"
    statement = f"WITH {', '.join(clauses)} SELECT {', '.join(keys)} FROM {tables}"
    return statement, own_fields


def insert_chain(objs: Sequence[Model], using: str = "default",
                 only_if: tuple[str, Sequence] | None = None,
                 also: tuple[str, Sequence] | None = None) -> tuple | None:
    """INSERT `objs` in order, as `insert` does, where a field may hold a `Ref` to an earlier
    row's primary key (a registration's id in its e-mail row, say), and set their keys.
    With `only_if` (an SQL condition and its parameters), nothing is written unless the
    condition holds. `also` is a SELECT of at most one row run with the inserts (on
    PostgreSQL, in the same statement: a row lock it takes lasts until they commit).
    The result is None when nothing was written, otherwise the row `also` read, named by its
    columns (NULLs when it found none; an empty tuple without `also`).

    On PostgreSQL it is one statement (data-modifying WITH clauses): atomic by itself, one
    round trip, no BEGIN and COMMIT of its own. Elsewhere, the condition then one INSERT per
    row, in a transaction. Either way an error aborts a transaction it runs in, as one
    statement's would: a caller that goes on after catching one wraps the call in
    `atomic()`."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using, savepoint=False):
            if only_if is not None and not fetch(f"SELECT {only_if[0]}", only_if[1], using)[0][0]:
                return None
            for obj in objs:
                for field in obj._meta.local_concrete_fields:
                    value = getattr(obj, field.attname)
                    if isinstance(value, Ref):
                        setattr(obj, field.attname, value.python(objs[value.row].pk))
                insert(obj, using)
            if also is None:
                return ()
            with _cursor(connection, also[0], also[1]) as cursor:
                make = _row_type(_names(cursor.description))
                row = cursor.fetchone()
                return make(*(row if row is not None else (None,) * len(make._fields)))
    # The statement depends only on the models and on which fields hold which `Ref`: built
    # once per shape and process.
    refs = [[(name, value) for name, value in vars(obj).items() if type(value) is Ref]
            for obj in objs]
    shape = tuple(
        (type(obj), obj.pk is None and getattr(obj._meta.pk, "db_returning", False),
         tuple((name, ref.row, ref.sql) for name, ref in mine))
        for obj, mine in zip(objs, refs, strict=True))
    statement, fields = _chain_plan(shape, using, only_if[0] if only_if else None,
                                    also[0] if also else None)
    params = list(only_if[1]) if only_if else []
    for obj, own in zip(objs, fields, strict=True):
        values = vars(obj)
        for field, plain in own:
            value = values.get(field.attname) if plain else None
            if plain and type(value) in _PLAIN_TYPES:
                params.append(value)
            else:
                params.append(field.get_db_prep_save(field.pre_save(obj, True),
                                                     connection=connection))
    if also is not None:
        params += also[1]
    with _cursor(connection, statement, params) as cursor:
        row = cursor.fetchone()
        names = _names(cursor.description)
    if row is None:
        return None
    # The keys are the statement's first columns, in the order of `objs` (written above).
    keys = row[:len(objs)]
    extra = _row_type(names[len(objs):])(*row[len(objs):]) if also is not None else ()
    for obj, key, mine in zip(objs, keys, refs, strict=True):
        setattr(obj, obj._meta.pk.attname, key)
        for name, ref in mine:
            setattr(obj, name, ref.python(objs[ref.row].pk))
        obj._state.adding = False
        obj._state.db = using
    return extra


@cache
def _load_plan(model: type[Model], names: tuple[str, ...], prefix: str, using: str):
    """Which columns of rows named `names` hold the fields of `model` (those named
    `prefix` + a field's name or attname), their converters, and the fields' names in the
    order `from_db` expects their values."""
    connection = connections[using]
    meta = model._meta
    taken = [(i, meta.get_field(name[len(prefix):])) for i, name in enumerate(names)
             if name.startswith(prefix)]
    if not taken:
        raise ValueError(f"No column named {prefix}… for {meta.label} in {names}.")
    position = {f.attname: i for i, f in enumerate(meta.concrete_fields)}
    taken.sort(key=lambda item: position[item[1].attname])
    columns, converters = [], []
    for i, field in taken:
        expression = field.get_col(meta.db_table)
        columns.append(i)
        converters.append((expression, connection.ops.get_db_converters(expression)
                           + field.get_db_converters(connection)))
    return columns, converters, [field.attname for _, field in taken]


def load[M: Model](model: type[M], rows: Iterable[Any], prefix: str = "",
                   using: str = "default") -> list[M]:
    """Instances of `model` from rows of `fetch`: each column named `prefix` followed by a
    field's name (or attname: `day_campaign_id`) gives that field; the other fields are
    deferred. A row whose primary key column is NULL (the missing side of an outer join)
    gives no instance."""
    connection = connections[using]
    instances = []
    plan = None
    for row in rows:
        if plan is None:
            plan = _load_plan(model, row._fields, prefix, using)
            columns, converters, attnames = plan
            pk = attnames.index(model._meta.pk.attname)
        values = [row[i] for i in columns]
        if values[pk] is None:
            continue
        for i, (expression, functions) in enumerate(converters):
            for convert in functions:
                values[i] = convert(values[i], expression, connection)
        instances.append(model.from_db(using, attnames, values))
    return instances


@cache
def _row_type(names: tuple[str, ...]) -> type:
    """The named tuple of rows with these columns (`rename`: an unnamed or repeated column
    becomes `_3`, which nobody should read: name it in the SELECT)."""
    return namedtuple("Row", names, rename=True)


def _names(description) -> tuple[str, ...]:
    return tuple(column[0] for column in description)


# Any: each statement makes its own named-tuple type, its columns known only at run time.
def fetch(sql: str, params: Sequence = (), using: str = "default") -> list[Any]:
    """The rows of a SELECT (or of a statement with RETURNING), as named tuples: read each
    column by the name the statement gives it (`SELECT COUNT(*) AS n …`, then `rows[0].n`)."""
    with _cursor(connections[using], sql, params) as cursor:
        make = _row_type(_names(cursor.description))
        return [make(*row) for row in cursor.fetchall()]


def execute(sql: str, params: Sequence = (), using: str = "default") -> int:
    """Run a statement; the number of rows it changed."""
    with _cursor(connections[using], sql, params) as cursor:
        return cursor.rowcount


_PLACEHOLDER = re.compile(r"%([%s])")


@cache
def _numbered(sql: str) -> bytes:
    """`sql` with PostgreSQL's own placeholders ($1, $2…) instead of `%s` (and `%` for
    `%%`), encoded: what psycopg's raw cursor sends as it is. psycopg's usual cursor parses
    the `%s` out of every statement and keeps the result only for statements of at most 50
    parameters: a sign-up's write has more, and that parse cost 0.3 ms of CPU each time."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda m: "%" if m[1] == "%" else f"${next(numbers)}",
                            sql).encode()


class _Prepared(CursorWrapper):
    """Django's cursor wrapper (its execute wrappers, its errors) around a psycopg raw
    cursor: the statement, as the wrappers see it, keeps its `%s`; only the driver gets it
    numbered, bound on the server and prepared."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.execute(_numbered(sql), params, prepare=True)


class _PreparedDebug(_Prepared, CursorDebugWrapper):
    """The same, logged where Django logs queries (DEBUG, tests counting queries), with its
    parameters: the server-side statement, `$1`…, would tell less."""

    def execute(self, sql, params=None):
        with self.debug_sql(f"{sql} -- {list(params or ())!r}", params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def _cursor(connection, sql: str, params: Sequence):
    """A cursor that has run `sql`, always one of Django's wrappers. On PostgreSQL it binds
    the parameters on the server and prepares the statement: the connection (kept between
    requests, CONN_MAX_AGE) plans each of these statements once instead of on every request.
    Django's own cursors bind on the client, so they cannot."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.RawCursor(connection.connection)
    wrapper = _PreparedDebug if connection.queries_logged else _Prepared
    with wrapper(raw, connection) as cursor:
        cursor.execute(sql, params)
        yield cursor
