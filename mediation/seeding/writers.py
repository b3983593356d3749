"""Writing the generated rows: COPY on PostgreSQL, bulk_create elsewhere, and a background
thread that makes the next batch while the database ingests this one."""

import json
import queue
import threading

from django.db import connection

from mediation.seeding.tables import TableSpec

# --- writers -------------------------------------------------------------------------------


class CopyWriter:
    """PostgreSQL: COPY … FROM STDIN through the psycopg 3 connection Django holds."""

    def __init__(self, spec: TableSpec):
        self.spec = spec
        self.table = spec.model._meta.db_table
        self.sql = f"COPY {self.table} ({', '.join(spec.columns)}) FROM STDIN"
        self.json_varying = [i for i, name in enumerate(spec.varying) if name in spec.json]
        self.constants = tuple(
            json.dumps(value) if name in spec.json else value
            for name, value in spec.constants.items()
        )

    def write(self, rows) -> None:
        constants, json_varying = self.constants, self.json_varying
        with connection.cursor() as cursor, cursor.cursor.copy(self.sql) as copy:
            for row in rows:
                if json_varying:
                    row = list(row)
                    for i in json_varying:
                        row[i] = json.dumps(row[i])
                copy.write_row((*row, *constants))


class BulkWriter:
    """Other databases: bulk_create of model instances."""

    def __init__(self, spec: TableSpec):
        self.spec = spec

    def write(self, rows) -> None:
        names, constants, model = self.spec.varying, self.spec.constants, self.spec.model
        objects = [model(**constants, **dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=2000)


def ahead(batches, depth: int = 2):
    """Iterate `batches` made by a background thread, so the next batch is generated while
    the database ingests this one (the thread runs while COPY waits on the socket)."""
    pending: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def produce():
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        pending.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            pending.put(end)
        except BaseException as error:  # handed to the consumer, raised there
            pending.put(error)

    thread = threading.Thread(target=produce, name="seed_cases-generator", daemon=True)
    thread.start()
    try:
        while (item := pending.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)
