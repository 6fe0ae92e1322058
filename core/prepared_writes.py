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
Not handled: multi-table inheritance, expressions as values."""

from collections.abc import Sequence

from django.db import connections, router
from django.db.models import Model, signals
from django.db.models.constants import OnConflict


def row_fields(model) -> list[str]:
    """Every concrete field of `model` but its primary key: what `create()` inserts."""
    return [field.name for field in model._meta.concrete_fields if not field.primary_key and not field.generated]


def _fields(model, names: Sequence[str]) -> tuple:
    fields = tuple(model._meta.get_field(name) for name in names)
    for field in fields:
        if not field.concrete or field.generated or hasattr(field, "get_placeholder"):
            raise ValueError(f"{model.__name__}.{field.name} cannot be written by a prepared statement")
    return fields


def _prepared_values(instance: Model, fields, connection, *, add: bool) -> list:
    values = []
    for field in fields:
        value = field.pre_save(instance, add)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{field.name}: an expression cannot be written by a prepared statement")
        values.append(field.get_db_prep_save(value, connection))
    return values


class PreparedInsert:
    def __init__(self, model, fields: Sequence[str], *, unique_fields: Sequence[str] = (), update_fields=()):
        """INSERT of one `model` instance's `fields` (not its auto primary key), which sets the
        instance's primary key from `RETURNING`. With `unique_fields` and `update_fields`: `ON
        CONFLICT (unique_fields) DO UPDATE SET` each update field to the new row's value, as
        `bulk_create(update_conflicts=True)` writes it (the row that existed is then updated)."""
        self.model = model
        self.fields = _fields(model, fields)
        self.unique_fields = _fields(model, unique_fields)
        self.update_fields = _fields(model, update_fields)
        if bool(self.unique_fields) != bool(self.update_fields):
            raise ValueError("an upsert names both its unique fields and the fields it updates")
        self._sql: dict[str, str] = {}

    def _build(self, connection) -> str:
        quote, opts = connection.ops.quote_name, self.model._meta
        columns = ", ".join(quote(field.column) for field in self.fields)
        sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(self.fields))})"
        if self.unique_fields:
            conflict = connection.ops.on_conflict_suffix_sql(
                self.fields,
                OnConflict.UPDATE,
                [field.column for field in self.update_fields],
                [field.column for field in self.unique_fields],
            )
            sql = f"{sql} {conflict}"
        return f"{sql} RETURNING {quote(opts.pk.column)}"

    def insert(self, instance: Model) -> Model:
        """Write `instance` (the model's row, as `Model.objects.create` would) and return it
        with its primary key set and marked as saved to this database."""
        alias = router.db_for_write(self.model, instance=instance)
        connection = connections[alias]
        if not connection.features.can_return_rows_from_bulk_insert:  # no INSERT … RETURNING
            return self._insert_by_the_orm(instance, alias)
        sql = self._sql.get(alias)
        if sql is None:
            sql = self._sql[alias] = self._build(connection)
        upsert = bool(self.unique_fields)
        if not upsert:
            signals.pre_save.send(sender=self.model, instance=instance, raw=False, using=alias, update_fields=None)
        values = _prepared_values(instance, self.fields, connection, add=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            (pk,) = cursor.fetchone()
        instance.pk = self.model._meta.pk.to_python(pk)
        instance._state.adding, instance._state.db = False, alias
        if not upsert:
            signals.post_save.send(
                sender=self.model, instance=instance, created=True, update_fields=None, raw=False, using=alias
            )
        return instance

    def _insert_by_the_orm(self, instance: Model, alias: str) -> Model:
        """The same write through the ORM, where the database cannot return the new row's key
        with the INSERT (neither PostgreSQL nor SQLite ≥ 3.35: another backend)."""
        if not self.unique_fields:
            instance.save(force_insert=True, using=alias)
            return instance
        self.model._default_manager.using(alias).bulk_create(
            [instance],
            update_conflicts=True,
            unique_fields=[field.name for field in self.unique_fields],
            update_fields=[field.name for field in self.update_fields],
        )
        key = {field.attname: getattr(instance, field.attname) for field in self.unique_fields}
        instance.pk = self.model._default_manager.using(alias).filter(**key).values_list("pk", flat=True).get()
        instance._state.adding, instance._state.db = False, alias
        return instance


class PreparedUpdate:
    def __init__(self, model, fields: Sequence[str]):
        """UPDATE of `fields` of one `model` row chosen by its primary key."""
        self.model = model
        self.fields = _fields(model, fields)
        self._names = frozenset(field.name for field in self.fields)
        self._sql: dict[str, str] = {}

    def _statement(self, alias: str, connection) -> str:
        sql = self._sql.get(alias)
        if sql is None:
            quote, opts = connection.ops.quote_name, self.model._meta
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in self.fields)
            sql = self._sql[alias] = (
                f"UPDATE {quote(opts.db_table)} SET {assignments} WHERE {quote(opts.pk.column)} = %s"
            )
        return sql

    def save(self, instance: Model) -> int:
        """`instance.save(update_fields=fields)` (auto_now fields among them are set): the
        number of rows updated, 0 when the row is gone."""
        alias = router.db_for_write(self.model, instance=instance)
        connection = connections[alias]
        sql = self._statement(alias, connection)
        names = self._names
        signals.pre_save.send(sender=self.model, instance=instance, raw=False, using=alias, update_fields=names)
        values = _prepared_values(instance, self.fields, connection, add=False)
        pk = self.model._meta.pk.get_db_prep_value(instance.pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*values, pk])
            updated = cursor.rowcount
        instance._state.adding, instance._state.db = False, alias
        signals.post_save.send(
            sender=self.model, instance=instance, created=False, update_fields=names, raw=False, using=alias
        )
        return updated

    def update(self, pk, *values) -> int:
        """`Model.objects.filter(pk=pk).update(**dict(zip(fields, values)))`: rows updated."""
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        sql = self._statement(alias, connection)
        if len(values) != len(self.fields):
            raise TypeError(f"expected {len(self.fields)} values, got {len(values)}")
        for value in values:
            if hasattr(value, "resolve_expression"):
                raise TypeError("an expression cannot be written by a prepared statement")
        params = [field.get_db_prep_save(value, connection) for field, value in zip(self.fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, self.model._meta.pk.get_db_prep_value(pk, connection)])
            return cursor.rowcount
