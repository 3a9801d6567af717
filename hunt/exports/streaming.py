"""Constant-memory CSV: rows or PostgreSQL COPY output, gathered into chunks of a few tens of kB.

A streamed export never holds more than one chunk (plus one database fetch) in memory, whatever its size.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection
from django.http import StreamingHttpResponse

from hunt.core.spreadsheet import spreadsheet_safe_cell

CHUNK_BYTES = 256 * 1024
RowsDone = Callable[[int], None]


def csv_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    progress: RowsDone | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[bytes]:
    """CSV (RFC 4180, "\\n" line ends, UTF-8) of `rows` under `header`, in chunks of about `chunk_bytes`.

    Every text cell goes through `spreadsheet_safe` (no cell can start a spreadsheet formula).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    done = 0
    for row in rows:
        writer.writerow([spreadsheet_safe_cell(value) for value in row])
        done += 1
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            if progress is not None:
                progress(done)
    yield buffer.getvalue().encode()
    if progress is not None:
        progress(done)


def copy_chunks(
    sql: str,
    params: Sequence[Any],
    *,
    progress: RowsDone | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[bytes]:
    """PostgreSQL's own CSV writer: `COPY (sql) TO STDOUT WITH (FORMAT csv, HEADER)`, re-chunked.

    psycopg hands over COPY data one row at a time; gathering rows into larger chunks keeps the number of
    writes to the client (and Python overhead per write) small. Progress counts rows by line ends, which is
    exact as long as no value holds a newline (none of the exported columns can).
    """
    statement = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        buffer = bytearray()
        lines = 0
        for data in copy:
            buffer += data
            if len(buffer) >= chunk_bytes:
                if progress is not None:
                    lines += buffer.count(b"\n")
                    progress(max(lines - 1, 0))
                yield bytes(buffer)
                buffer.clear()
        if progress is not None:
            lines += buffer.count(b"\n")
            progress(max(lines - 1, 0))
        yield bytes(buffer)


def uses_copy() -> bool:
    """COPY is PostgreSQL's; the SQLite demo streams through Python's csv module instead."""
    return connection.vendor == "postgresql"


def streaming_csv_response(chunks: Iterator[bytes], *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Personal data: never cached by a shared proxy; and no proxy buffering of a long stream.
    response["Cache-Control"] = "private, no-store"
    response["X-Accel-Buffering"] = "no"
    return response
