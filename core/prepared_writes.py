"""Hot writes built once per process: the INSERT, or the UPDATE by primary key, of one row with
a fixed list of fields. Django's `create()`, `save()` and `update()` build their SQL through
the query compiler on every call, which for the rows a quiz submit and a payment webhook write
cost more CPU than running the statements (bench/README.md, "Writes: quiz submit and PayStack
webhook", round four). A prepared write keeps its statement's text per database alias and
passes each call's values as the ORM's save() does (`field.pre_save`, so auto_now(_add) fields
are set, then `get_db_prep_save`), through the connection's cursor: query logging, execute
wrappers and the wrapping of database errors (IntegrityError) apply as for any query.

The model signals are sent as the ORM sends them: pre_save and post_save around an insert
(as `create()`) and a `save()`, none around an upsert (as `bulk_create()`) nor an `update()`.
Not handled: multi-table inheritance, expressions as values (but for an update's two fixed
forms: set only while empty, set only from a given value).

Several writes that send no signals (upserts, updates) may go to PostgreSQL as one statement,
one round trip and one commit (`write_together`: data-modifying WITH clauses), and a write
whose loss in a crash is harmless may commit asynchronously there (`relaxed_commit_possible`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import NotSupportedError, connections, router
from django.db.models import DateField, DateTimeField, Field, Model, TimeField, signals
from django.db.models.constants import OnConflict

# Sent before a statement in the same execute, it makes that statement's implicit transaction
# commit without waiting for its WAL to reach the disk (`relaxed_commit_possible`).
RELAXED_COMMIT_SQL = "SET LOCAL synchronous_commit = off; "


def relaxed_commit_possible(connection) -> bool:
    """May a statement sent now on `connection` commit asynchronously (`RELAXED_COMMIT_SQL`
    sent with it, in the same round trip)? Only on PostgreSQL, outside a transaction (the
    statement is then its own implicit transaction and the setting ends with it: inside a
    caller's transaction it would reach that transaction's other writes), and with Django's
    client-side parameter binding (a server-side bound execute carries one statement only).

    What an asynchronous commit risks: a crash of the database server can lose the last
    fraction of a second of such commits, never a half-written row; every other commit stays
    synchronous. Only for low-value, frequent writes (the lesson heartbeat, the lesson visit),
    where it saves about a third of PostgreSQL's machine time per commit (bench/README.md
    "Heartbeat, round five")."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )


def can_write_together(connection) -> bool:
    """Does `connection`'s database run data-modifying WITH clauses (`write_together`)?
    PostgreSQL does; SQLite allows only SELECTs there."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Write:
    """One prepared write with its values, not yet run (`PreparedInsert.write`,
    `PreparedInsert.write_values`, `PreparedUpdate.write`)."""

    alias: str
    sql: str
    params: tuple


# The text of several writes sent together, per (relaxed commit, their texts): a few shapes.
_together: dict[tuple, str] = {}


def write_together(writes: Sequence[Write], *, relaxed_commit: bool = False) -> int:
    """Run `writes` (at least one, all for one database) as one statement: each but the last
    as a data-modifying WITH clause of the last, so one round trip and one commit (PostgreSQL
    runs the clauses and the main statement on one snapshot, in no defined order: the writes
    must not touch the same rows). A single write is sent as it is. `relaxed_commit`: the
    caller accepts an asynchronous commit (`relaxed_commit_possible` decides whether it is
    sent). Returns the number of rows the last write wrote."""
    if not writes:
        raise ValueError("nothing to write")
    alias = writes[0].alias
    if any(write.alias != alias for write in writes):
        raise ValueError("writes sent together go to one database")
    connection = connections[alias]
    if len(writes) > 1 and not can_write_together(connection):
        raise NotSupportedError(f"{connection.vendor} cannot run writes in WITH clauses")
    relaxed = relaxed_commit and relaxed_commit_possible(connection)
    key = (relaxed, tuple(write.sql for write in writes))
    sql = _together.get(key)
    if sql is None:
        clauses = ", ".join(f"w{index} AS ({write.sql})" for index, write in enumerate(writes[:-1]))
        sql = f"WITH {clauses} {writes[-1].sql}" if clauses else writes[-1].sql
        sql = _together[key] = f"{RELAXED_COMMIT_SQL}{sql}" if relaxed else sql
    params = [param for write in writes for param in write.params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if relaxed:  # the SET's result comes first
            cursor.nextset()
        return cursor.rowcount


def row_fields(model) -> list[str]:
    """Every concrete field of `model` but its primary key: what `create()` inserts."""
    return [field.name for field in model._meta.concrete_fields if not field.primary_key and not field.generated]


def _fields(model, names: Sequence[str]) -> tuple:
    fields = tuple(model._meta.get_field(name) for name in names)
    for field in fields:
        if not field.concrete or field.generated or hasattr(field, "get_placeholder"):
            raise ValueError(f"{model.__name__}.{field.name} cannot be written by a prepared statement")
    return fields


# The fields' pre_save methods that, on an insert, return the instance's value or (with auto_now
# or auto_now_add) the time: any other computes the value being saved in its own way.
_PLAIN_PRE_SAVE = frozenset({Field.pre_save, DateField.pre_save, DateTimeField.pre_save, TimeField.pre_save})


def _computed_in_pre_save(field) -> bool:
    """Would the ORM's insert compute `field`'s value in pre_save (auto_now, auto_now_add, or a
    pre_save of its own, as a FileField's)?"""
    return (
        getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
        or type(field).pre_save not in _PLAIN_PRE_SAVE
    )


# In a row's plan (`PreparedInsert._values_plan`), a field without a value prepared once.
_CALLED = object()  # a callable default: called, and its value prepared, per write
_REQUIRED = object()  # a value the ORM would compute or the database gives: the row must name it


def _prepared_values(instance: Model, fields, connection, *, add: bool) -> list:
    values = []
    for field in fields:
        value = field.pre_save(instance, add)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{field.name}: an expression cannot be written by a prepared statement")
        values.append(field.get_db_prep_save(value, connection))
    return values


def _related_key(field, value):
    """The key a relation `field` given by name stores for `value`, as the model's descriptor
    sets it: an instance of the related model, saved."""
    if not isinstance(value, field.remote_field.model):
        raise ValueError(f"{field.name} must be a {field.remote_field.model.__name__} instance, not {value!r}")
    key = getattr(value, field.target_field.attname)
    if key is None:
        raise ValueError(f"{field.name}: an unsaved {field.remote_field.model.__name__} cannot be written")
    return key


class PreparedInsert:
    def __init__(
        self,
        model,
        fields: Sequence[str],
        *,
        unique_fields: Sequence[str] = (),
        update_fields=(),
        ignore_conflicts: bool = False,
    ):
        """INSERT of one `model` instance's `fields` (not its auto primary key), which sets the
        instance's primary key from `RETURNING`. With `unique_fields` and `update_fields`: `ON
        CONFLICT (unique_fields) DO UPDATE SET` each update field to the new row's value, as
        `bulk_create(update_conflicts=True)` writes it (the row that existed is then updated).
        With `unique_fields` and `ignore_conflicts`: `ON CONFLICT (unique_fields) DO NOTHING`,
        as `bulk_create(ignore_conflicts=True)` (the row that existed is left as it is)."""
        self.model = model
        self.fields = _fields(model, fields)
        self.unique_fields = _fields(model, unique_fields)
        self.update_fields = _fields(model, update_fields)
        self.ignore_conflicts = ignore_conflicts
        if ignore_conflicts and (self.update_fields or not self.unique_fields):
            raise ValueError("an insert that ignores conflicts names its unique fields and updates nothing")
        if not ignore_conflicts and bool(self.unique_fields) != bool(self.update_fields):
            raise ValueError("an upsert names both its unique fields and the fields it updates")
        self._sql: dict[str, str] = {}  # per database alias, without and with RETURNING
        self._returning: dict[str, str] = {}
        # write_values: each field by name and by attname; per alias, each field's prepared
        # constant default (or _CALLED, _REQUIRED).
        self._by_name = {name: field for field in self.fields for name in (field.name, field.attname)}
        self._plans: dict[str, tuple] = {}

    def _build(self, connection) -> str:
        """The statement without its RETURNING clause."""
        quote, opts = connection.ops.quote_name, self.model._meta
        columns = ", ".join(quote(field.column) for field in self.fields)
        sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(self.fields))})"
        if self.ignore_conflicts:
            unique = ", ".join(quote(field.column) for field in self.unique_fields)
            sql = f"{sql} ON CONFLICT ({unique}) DO NOTHING"
        elif self.unique_fields:
            conflict = connection.ops.on_conflict_suffix_sql(
                self.fields,
                OnConflict.UPDATE,
                [field.column for field in self.update_fields],
                [field.column for field in self.unique_fields],
            )
            sql = f"{sql} {conflict}"
        return sql

    def _statement(self, alias: str, connection) -> str:
        sql = self._sql.get(alias)
        if sql is None:
            sql = self._sql[alias] = self._build(connection)
        return sql

    def insert(self, instance: Model) -> Model | None:
        """Write `instance` (the model's row, as `Model.objects.create` would) and return it
        with its primary key set and marked as saved to this database; None when the insert
        ignores conflicts and the row was there already (that row is left as it is)."""
        alias = router.db_for_write(self.model, instance=instance)
        connection = connections[alias]
        if not connection.features.can_return_rows_from_bulk_insert:  # no INSERT … RETURNING
            return self._insert_by_the_orm(instance, alias)
        sql = self._returning.get(alias)
        if sql is None:
            pk = connection.ops.quote_name(self.model._meta.pk.column)
            sql = self._returning[alias] = f"{self._statement(alias, connection)} RETURNING {pk}"
        upsert = bool(self.unique_fields)
        if not upsert:
            signals.pre_save.send(sender=self.model, instance=instance, raw=False, using=alias, update_fields=None)
        values = _prepared_values(instance, self.fields, connection, add=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            row = cursor.fetchone()
        if row is None:  # ON CONFLICT DO NOTHING: the row was there
            return None
        instance.pk = self.model._meta.pk.to_python(row[0])
        instance._state.adding, instance._state.db = False, alias
        if not upsert:
            signals.post_save.send(
                sender=self.model, instance=instance, created=True, update_fields=None, raw=False, using=alias
            )
        return instance

    def write(self, instance: Model) -> Write:
        """The upsert (or insert ignoring conflicts) of `instance`, to send with other writes
        (`write_together`). Not for a plain insert: it sends the save signals and sets the key."""
        if not self.unique_fields:
            raise TypeError("only an upsert is written together with others")
        alias = router.db_for_write(self.model, instance=instance)
        connection = connections[alias]
        values = _prepared_values(instance, self.fields, connection, add=True)
        return Write(alias, self._statement(alias, connection), tuple(values))

    def write_values(self, **values) -> Write:
        """`write(Model(**values))` without the instance: the upsert (or insert ignoring
        conflicts) of the row whose fields are `values`, by name or attname (a relation by name
        takes its model's instance, as the model does; by attname, the key), to send with other
        writes (`write_together`). The same statement and parameters as `write` for that row, at
        less cost: the named fields' values are prepared per call (`get_db_prep_save`); a field
        not named takes its default as the model would (`field.get_default()`: a field without
        one gets None, or "" where the field allows empty strings and is not nullable), a constant
        one (or none) prepared once per process and database, a callable one (`default=list`)
        called and prepared per call.

        Refused: a name not among the insert's fields (ValueError), a field named twice (by name
        and attname, TypeError), an expression as a value (TypeError), an unsaved instance for a
        relation (ValueError), and, not given, a field whose value the ORM computes in pre_save
        (auto_now or auto_now_add: the time; another field's own pre_save, as a FileField's) or
        whose default is the database's (db_default): ValueError. Given, such a field's value is
        written as given (save() and create() would write the time over an auto_now(_add)
        field's). Not for a plain insert (TypeError), as `write`."""
        if not self.unique_fields:
            raise TypeError("only an upsert is written together with others")
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        plan = self._plans.get(alias)
        if plan is None:
            plan = self._plans[alias] = self._values_plan(connection)
        by_name, given = self._by_name, {}  # by attname: a field's hash is not cached
        for name, value in values.items():
            field = by_name.get(name)
            if field is None:
                raise ValueError(f"{self.model.__name__}.{name} is not one of this insert's fields")
            if field.attname in given:
                raise TypeError(f"{self.model.__name__}.{field.name} given twice (by name and attname)")
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field.name}: an expression cannot be written by a prepared statement")
            if name != field.attname and value is not None and field.is_relation:
                value = _related_key(field, value)
            given[field.attname] = value
        params = []
        for field, attname, default in plan:
            if attname in given:
                params.append(field.get_db_prep_save(given[attname], connection))
            elif default is _CALLED:
                value = field.get_default()
                if hasattr(value, "resolve_expression"):
                    raise TypeError(f"{field.name}: an expression cannot be written by a prepared statement")
                params.append(field.get_db_prep_save(value, connection))
            elif default is _REQUIRED:
                raise ValueError(
                    f"{self.model.__name__}.{field.name}: its value is computed when saved (auto_now, "
                    "auto_now_add, its own pre_save) or given by the database (db_default): name it"
                )
            else:
                params.append(default)
        return Write(alias, self._statement(alias, connection), tuple(params))

    def _values_plan(self, connection) -> tuple:
        """For `write_values` on `connection`: each field with its default prepared (a constant
        default's, or the model's value for a field without one), _CALLED for a callable
        default, _REQUIRED where the row must name the field."""
        plan = []
        for field in self.fields:
            if _computed_in_pre_save(field):
                default = _REQUIRED
            elif field.has_default() and callable(field.default):
                default = _CALLED
            else:
                value = field.get_default()
                if hasattr(value, "resolve_expression"):  # db_default: the database's value
                    default = _REQUIRED
                else:
                    default = field.get_db_prep_save(value, connection)
            plan.append((field, field.attname, default))
        return tuple(plan)

    def _insert_by_the_orm(self, instance: Model, alias: str) -> Model | None:
        """The same write through the ORM, where the database cannot return the new row's key
        with the INSERT (neither PostgreSQL nor SQLite ≥ 3.35: another backend)."""
        if not self.unique_fields:
            instance.save(force_insert=True, using=alias)
            return instance
        key = {field.attname: getattr(instance, field.attname) for field in self.unique_fields}
        manager = self.model._default_manager.using(alias)
        if self.ignore_conflicts:
            # Without RETURNING the ORM cannot tell whose row it is: a row there before is not ours.
            if manager.filter(**key).exists():
                return None
            manager.bulk_create([instance], ignore_conflicts=True)
            instance.pk = manager.filter(**key).values_list("pk", flat=True).get()
            instance._state.adding, instance._state.db = False, alias
            return instance
        manager.bulk_create(
            [instance],
            update_conflicts=True,
            unique_fields=[field.name for field in self.unique_fields],
            update_fields=[field.name for field in self.update_fields],
        )
        instance.pk = manager.filter(**key).values_list("pk", flat=True).get()
        instance._state.adding, instance._state.db = False, alias
        return instance


class PreparedUpdate:
    def __init__(
        self,
        model,
        fields: Sequence[str],
        *,
        key: Sequence[str] = (),
        if_null: Sequence[str] = (),
        if_equal: Mapping[str, object] | None = None,
    ):
        """UPDATE of `fields` of one `model` row chosen by its primary key, or by the fields of
        `key` (a unique constraint's). Two fixed forms instead of a plain assignment, so that a
        write decided on a row read earlier cannot undo what another wrote meanwhile: a field of
        `if_null` is set only while empty (`COALESCE(column, value)`: a first time), a field of
        `if_equal` only from the value given for it there (`CASE WHEN column = from THEN value
        ELSE column END`: a state moving on, never back)."""
        self.model = model
        self.fields = _fields(model, fields)
        self.key = _fields(model, key) if key else (model._meta.pk,)
        self.if_null = frozenset(if_null)
        self.if_equal = dict(if_equal or {})
        self._names = frozenset(field.name for field in self.fields)
        if not (self.if_null | set(self.if_equal)) <= self._names:
            raise ValueError("a conditional assignment names one of the updated fields")
        self._sql: dict[str, str] = {}

    def _statement(self, alias: str, connection) -> str:
        sql = self._sql.get(alias)
        if sql is None:
            quote, opts = connection.ops.quote_name, self.model._meta
            assignments = []
            for field in self.fields:
                column = quote(field.column)
                if field.name in self.if_null:
                    assignments.append(f"{column} = COALESCE({column}, %s)")
                elif field.name in self.if_equal:
                    assignments.append(f"{column} = CASE WHEN {column} = %s THEN %s ELSE {column} END")
                else:
                    assignments.append(f"{column} = %s")
            where = " AND ".join(f"{quote(field.column)} = %s" for field in self.key)
            sql = self._sql[alias] = f"UPDATE {quote(opts.db_table)} SET {', '.join(assignments)} WHERE {where}"
        return sql

    def _params(self, values: list, keys: Sequence, connection) -> list:
        """The statement's parameters: the fields' values ready for the database (the `from`
        value before an `if_equal` field's), then the key's."""
        params = []
        for field, value in zip(self.fields, values, strict=True):
            if field.name in self.if_equal:
                params.append(field.get_db_prep_save(self.if_equal[field.name], connection))
            params.append(value)
        params += [field.get_db_prep_value(value, connection) for field, value in zip(self.key, keys, strict=True)]
        return params

    def save(self, instance: Model) -> int:
        """`instance.save(update_fields=fields)` (auto_now fields among them are set): the
        number of rows updated, 0 when the row is gone."""
        alias = router.db_for_write(self.model, instance=instance)
        connection = connections[alias]
        sql = self._statement(alias, connection)
        names = self._names
        signals.pre_save.send(sender=self.model, instance=instance, raw=False, using=alias, update_fields=names)
        values = _prepared_values(instance, self.fields, connection, add=False)
        keys = [getattr(instance, field.attname) for field in self.key]
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(values, keys, connection))
            updated = cursor.rowcount
        instance._state.adding, instance._state.db = False, alias
        signals.post_save.send(
            sender=self.model, instance=instance, created=False, update_fields=names, raw=False, using=alias
        )
        return updated

    def write(self, key, *values) -> Write:
        """The update of the row `key` (its primary key, or a tuple of the `key` fields' values)
        to `values` (one per field, in order), to run (`update`) or to send with other writes
        (`write_together`)."""
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        if len(values) != len(self.fields):
            raise TypeError(f"expected {len(self.fields)} values, got {len(values)}")
        for value in values:
            if hasattr(value, "resolve_expression"):
                raise TypeError("an expression cannot be written by a prepared statement")
        prepared = [field.get_db_prep_save(value, connection) for field, value in zip(self.fields, values, strict=True)]
        keys = key if len(self.key) > 1 else (key,)
        return Write(alias, self._statement(alias, connection), tuple(self._params(prepared, keys, connection)))

    def update(self, key, *values) -> int:
        """`Model.objects.filter(pk=key).update(**dict(zip(fields, values)))` (by the `key`
        fields: `key` is a tuple of their values), the forms of `if_null` and `if_equal`
        applied: rows updated."""
        write = self.write(key, *values)
        with connections[write.alias].cursor() as cursor:
            cursor.execute(write.sql, write.params)
            return cursor.rowcount
