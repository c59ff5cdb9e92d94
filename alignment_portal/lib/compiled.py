"""A queryset compiled to SQL once per process, then run with new parameters.

Building and compiling a queryset (filter(), joins, the SELECT list) costs the ORM 0.5-2 ms of
CPU each time, ten to thirty times what the database needs to answer a lookup by key. The few
queries every request runs (the membership of the access helper, the header's switcher) and the
hot ones of the busiest endpoint (a saved value) are built once from a function of their
parameters and kept as (SQL, parameter positions, converters): each run is a cursor execute and
the backend's own converters, so the rows are what the same queryset would have read.

Parameters are ints, strs, dates or datetimes and must reach the SQL unchanged (a lookup by
key, a slug, a day compared with a DateField: the backend passes a date as it is, or as its ISO
text on SQLite; a moment compared with a DateTimeField, adapted by the backend as the ORM
adapts it); a marker that does not appear exactly once among the compiled parameters is refused
when the query is first compiled, so a queryset the helper cannot reproduce fails loudly, not
silently.
"""

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

_markers = itertools.count(1)


class CompiledQuery:
    """`build(**params)` returns a values()/values_list() queryset; `rows(**params)` its rows
    as tuples, in the order of its SELECT list."""

    def __init__(self, build: Callable[..., QuerySet], *, ints=(), strs=(), dates=(),
                 datetimes=()):
        self.build, self.ints, self.strs = build, tuple(ints), tuple(strs)
        self.dates, self.datetimes = tuple(dates), tuple(datetimes)
        self._compiled: dict = {}
        self._lock = threading.Lock()

    def _compile(self, connection):
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        n = next(_markers)
        markers = {name: -(987_650_000 + 16 * n + i) for i, name in enumerate(self.ints)}
        markers |= {name: f"\x1fcompiled-{n}-{name}\x1f" for name in self.strs}
        # Days no query means: the first of January of years 1001... (unique per query).
        markers |= {name: date(1000 + (16 * n + i) % 8000 + 1, 1, 1)
                    for i, name in enumerate(self.dates)}
        # Moments no query means: midnight of those days, plus a unique microsecond.
        zone = UTC if settings.USE_TZ else None
        markers |= {name: datetime(1000 + (16 * n + i) % 8000 + 1, 1, 1,
                                   microsecond=16 * n + i, tzinfo=zone)
                    for i, name in enumerate(self.datetimes)}
        queryset = self.build(**markers)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for name, marker in markers.items():
            forms = [marker] + ([marker.isoformat()] if name in self.dates else [])
            if name in self.datetimes:
                forms.append(connection.ops.adapt_datetimefield_value(marker))
            found = [(i, type(p)) for i, p in enumerate(params)
                     if any(type(p) is type(form) and p == form for form in forms)]
            if len(found) != 1:
                raise ValueError(f"parameter {name} must appear once in the compiled query, "
                                 f"found {len(found)} times: {sql}")
            position, kind = found[0]
            slots.append((position, name, int if name in self.ints else kind))
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        compiled = (sql, params, slots, compiler, converters)
        with self._lock:
            self._compiled[key] = compiled
        return compiled

    def rows(self, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        connection = connections[using]
        sql, params, slots, compiler, converters = self._compile(connection)
        args = list(params)
        for position, name, kind in slots:
            value = values[name]
            if name in self.dates:
                if type(value) is not date:
                    raise TypeError(f"parameter {name} must be a date, not {value!r}")
                args[position] = value if kind is date else value.isoformat()
            elif name in self.datetimes:
                if not isinstance(value, datetime):
                    raise TypeError(f"parameter {name} must be a datetime, not {value!r}")
                args[position] = connection.ops.adapt_datetimefield_value(value)
            else:
                args[position] = int(value) if kind is int else str(value)
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            rows = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


def field_names(model: type[Model]) -> list[str]:
    """The attnames of `model`'s concrete fields, in the order Model.from_db takes them."""
    return [field.attname for field in model._meta.concrete_fields]


def instance(model: type[Model], values, using: str = DEFAULT_DB_ALIAS) -> Model:
    """A model instance from the values of its concrete fields (as from `field_names`), as the
    ORM builds one from a row it read."""
    return model.from_db(using, field_names(model), values)


class CompiledInQuery:
    """A CompiledQuery whose parameter `ids` is a short list of ints (an `__in` of a few
    records' ids): one compiled query per length of the list, up to `max_ids`; a longer
    list runs the queryset as built (each row a tuple all the same). `build` takes the list
    as the keyword `ids`; the ids must be distinct (the ORM drops repeats)."""

    def __init__(self, build: Callable[..., QuerySet], *, max_ids: int, ints=(), strs=(),
                 dates=()):
        self.build, self.max_ids = build, max_ids
        self.ints, self.strs, self.dates = tuple(ints), tuple(strs), tuple(dates)
        self._by_length: dict[int, tuple[CompiledQuery, list[str]]] = {}

    def _query(self, length: int) -> tuple[CompiledQuery, list[str]]:
        compiled = self._by_length.get(length)
        if compiled is None:
            names = [f"ids_{i}" for i in range(length)]

            def build(**params):
                return self.build(ids=[params.pop(name) for name in names], **params)

            compiled = self._by_length.setdefault(length, (CompiledQuery(
                build, ints=[*self.ints, *names], strs=self.strs, dates=self.dates), names))
        return compiled

    def rows(self, *, ids, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        ids = [int(pk) for pk in ids]
        if not ids:
            return []
        if len(ids) > self.max_ids:
            return [tuple(row) for row in self.build(ids=ids, **values).using(using)]
        query, names = self._query(len(ids))
        return query.rows(using=using, **values, **dict(zip(names, ids, strict=True)))
