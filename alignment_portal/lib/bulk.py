"""Insert many plain rows fast: PostgreSQL's COPY, bulk_create elsewhere (SQLite).

Going through model instances costs a Python object and a round of field preparation per
value; for the thousands of rows of a value import or a large organization's first scores,
that is most of the time spent. Rows here are tuples of column values in `columns` order
(attribute names, e.g. "organization_id"), already of the database's types; JSON columns
are adapted here.

Constraints hold as usual: a row that breaks one (a unique key a concurrent writer took)
fails the whole statement, and with it the surrounding transaction.
"""

import itertools
import json
import time
from collections.abc import Iterable, Sequence
from functools import partial

from django.db import connections, models, router


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple],
                *, batch_size: int = 2000) -> None:
    """Insert `rows` (tuples in `columns` order) into `model`'s table. `batch_size` is for
    bulk_create; COPY streams every row in one statement."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain([first], rows)
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(column) for column in columns]
    json_at = [i for i, field in enumerate(fields) if isinstance(field, models.JSONField)]
    if connection.vendor != "postgresql":
        names = [field.attname for field in fields]
        model.objects.bulk_create((model(**dict(zip(names, row, strict=True))) for row in rows),
                                  batch_size=batch_size)
        return
    # JSON as its text (COPY's text format reads it as such): json.dumps with the field's
    # encoder, as Django's adaptation does, without a Jsonb wrapper per value.
    dumps = {i: json.dumps if fields[i].encoder is None else partial(json.dumps,
                                                                    cls=fields[i].encoder)
             for i in json_at}
    # A timestamp as the text psycopg would send for it (str()), made once per distinct value:
    # a recompute stamps every row with the same `now`, and dumping it per row was a third of
    # a first recompute's COPY time.
    datetime_at = [i for i, field in enumerate(fields) if isinstance(field, models.DateTimeField)]
    texts: dict = {}
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    sql = f"COPY {table} ({names}) FROM STDIN"
    started, count = time.monotonic(), 0
    # Django's own error types (IntegrityError, ...), as for any query.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(sql) as copy:  # the psycopg cursor under Django's wrapper
            for row in rows:
                if json_at or datetime_at:
                    row = list(row)
                    for i, dump in dumps.items():
                        if row[i] is not None:  # None is SQL NULL, as for the ORM
                            row[i] = dump(row[i])
                    for i in datetime_at:
                        moment = row[i]
                        if moment is not None:
                            text = texts.get(moment)
                            if text is None:
                                text = texts[moment] = str(moment)
                            row[i] = text
                copy.write_row(row)
                count += 1
    if connection.queries_logged:  # COPY bypasses Django's cursor: count it like a query
        connection.queries_log.append({"sql": f"{sql} -- {count} rows",
                                       "time": f"{time.monotonic() - started:.3f}"})
