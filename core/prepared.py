"""Hot reads compiled once per process. Django compiles a queryset to SQL each time it runs;
for the two reads every lesson page makes (the viewer's enrollment and progress rows) that
compiling cost more CPU than running the query (bench/README.md "Lesson page, round four").
A `Prepared` read builds its queryset once per database alias with marker values for its
parameters, keeps the SQL, where each parameter goes and the column converters, and runs it
with the caller's values through the connection's cursor (query logging, execute wrappers and
the database router apply as for any query).

Mostly `values_list()` querysets (`rows`, `instances`); a model queryset, select_related and
only() included, gives its instances through `objects`. Only parameters that reach the SQL as
themselves (ids, strings compared as they are: a string column's marker reaches the SQL as
the marker's text) or as a UUID (a UUID column: the UUID itself where the database has a
uuid type, its 32 hex digits on SQLite, as Django passes it): the values are passed as query
parameters, never into the text."""

import threading
import uuid

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Marker parameter values: ints no id column ever holds, UUIDs no uuid4 ever is (version 0).
_MARKER_BASE = -7_654_321_000_000
_UUID_MARKER_BASE = 0x7654_3210_0000_0000


def _marker(kind: type, index: int):
    if kind is uuid.UUID:
        return uuid.UUID(int=_UUID_MARKER_BASE + index)
    return _MARKER_BASE - index


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_uuid_hex(value) -> str:
    return _as_uuid(value).hex


class Prepared:
    def __init__(self, model, build, arity: int, kinds: tuple[type, ...] = ()):
        """`build(*params) -> QuerySet` (a values_list of `model`) with `arity` parameters;
        `kinds` names a parameter's type when it is not an int or str (`uuid.UUID`)."""
        self.model, self.build, self.arity = model, build, arity
        self.kinds = tuple(kinds) + (int,) * (arity - len(kinds))
        self._compiled: dict = {}
        self._names: list[str] | None = None
        self._lock = threading.Lock()

    def _compile(self, alias: str):
        markers = tuple(_marker(kind, index) for index, kind in enumerate(self.kinds))
        queryset: QuerySet = self.build(*markers).using(alias)
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        # Where each marker reached the SQL, and how the caller's value is passed there: an int
        # column's marker as itself, a string column's as its text, a UUID as itself or its hex.
        where = {}
        for index, marker in enumerate(markers):
            if isinstance(marker, uuid.UUID):
                where |= {marker: (index, _as_uuid), marker.hex: (index, _as_uuid_hex)}
            else:
                where |= {marker: (index, None), str(marker): (index, None)}
        slots = tuple(where.get(param) if isinstance(param, int | str | uuid.UUID) else None for param in params)
        if sorted({slot[0] for slot in slots if slot is not None}) != list(range(self.arity)):
            raise ValueError(f"every parameter of a prepared {self.model.__name__} read must reach its SQL")
        converters = compiler.get_converters([column for column, _alias in _select(compiler)])
        return sql, slots, tuple(params), tuple(converters.items()), _model_plan(compiler, alias)

    def rows(self, *values) -> list[tuple]:
        """The rows of the read, converted as the ORM converts them."""
        return self._run(values)[1]

    def instances(self, *values) -> list:
        """The rows as `model` instances, for a read whose values_list names every concrete
        field's attname in order (`concrete_attnames(model)`)."""
        alias, rows = self._run(values)
        names = self._names or concrete_attnames(self.model)
        self._names = names
        return [self.model.from_db(alias, names, row) for row in rows]

    def instances_and_extras(self, *values) -> list[tuple]:
        """(instance, further columns) for each row of a read whose values_list names every
        concrete field's attname in order and then further columns (e.g. an array of a related
        table's rows, read in the same query)."""
        alias, rows = self._run(values)
        names = self._names or concrete_attnames(self.model)
        self._names = names
        width = len(names)
        return [(self.model.from_db(alias, names, row[:width]), row[width:]) for row in rows]

    def objects(self, *values) -> list:
        """The rows as `model` instances with their `select_related` objects, built as Django's
        ModelIterable builds them (deferred columns of `only()` stay deferred), for a model
        queryset rather than a values_list. A `select_for_update()` read is compiled on its
        first call, which must be inside a transaction (as any locking read)."""
        alias, rows = self._run(values)
        init_list, start, end, populators = self._compiled[alias][4]
        found = []
        for row in rows:
            instance = self.model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, instance)
            found.append(instance)
        return found

    def _run(self, values) -> tuple[str, list[tuple]]:
        if len(values) != self.arity:
            raise TypeError(f"expected {self.arity} parameters, got {len(values)}")
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias) or self._compile(alias)
                self._compiled[alias] = compiled
        sql, slots, constants, converters, _plan = compiled
        params = [
            constant if slot is None else values[slot[0]] if slot[1] is None else slot[1](values[slot[0]])
            for slot, constant in zip(slots, constants, strict=True)
        ]
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return alias, [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return alias, converted


def _model_plan(compiler, alias: str):
    """For a model queryset: the main model's columns (attnames, slice of the row) and the
    populators of its select_related objects; None for a values_list."""
    klass_info = compiler.klass_info
    if klass_info is None:
        return None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in compiler.select[start:end]]
    return init_list, start, end, tuple(get_related_populators(klass_info, compiler.select, alias))


def concrete_attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _select(compiler):
    return [(column, alias) for column, _sql, alias in compiler.select]
