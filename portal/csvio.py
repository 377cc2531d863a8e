"""The one CSV module of every export and import.

Export cells are never run as formulas by a spreadsheet: text starting with `=`, `+`, `-`, `@`,
a tab or a carriage return gets a leading `'` (OWASP's CSV injection advice); genuine numbers
stay as they are. Imports take that `'` off again, so an export reads back unchanged. Files
that can't be read (not UTF-8, a NUL byte, a giant cell, empty, no header) are one clear
`CsvFileError`, never a crash. Downloads stream as attachments, and each is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Iterator

from flask import Response, stream_with_context

from portal.audit import service as audit
from portal.errors import DomainError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "|"
MAX_BYTES = 50 * 1024 * 1024
FIELD_LIMIT = 128 * 1024  # characters in one cell (the csv module's own default limit)
DELIMITERS = (",", ";", "\t")


class CsvFileError(DomainError):
    """The file as a whole can't be read (encoding, no header, a missing key column)."""

    status = 422
    code = "invalid"


# Writing -------------------------------------------------------------------------------------


def _needs_quote(text: str) -> bool:
    # Quotes already in front are looked through, so a value that starts with `'=` keeps its
    # own quote through a round trip (it is written `''=` and read back `'=`).
    return text.lstrip("'")[:1] in FORMULA_STARTS and text[:1] in ("'", *FORMULA_STARTS)


def cell(value) -> str:
    """`value` as a CSV cell that a spreadsheet shows as text, never runs."""
    if value is None:
        return ""
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)  # a real number, negative or not, is no formula
    if isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).isoformat(timespec="seconds")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = LIST_SEPARATOR.join(str(v) for v in value)
    else:
        text = str(value)
    return "'" + text if _needs_quote(text) else text


def lines(columns: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header then one CSV line per row, as text chunks to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(v) for v in row])
        yield buffer.getvalue()


def text(columns: Iterable[str], rows: Iterable[Iterable]) -> str:
    """The whole CSV file as one string."""
    return "".join(lines(columns, rows))


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """A download name with letters, digits, dots, dashes and underscores only."""
    stem = _UNSAFE_NAME.sub("-", name.removesuffix(".csv")).strip(".-") or "export"
    return f"{stem[:100]}.csv"


def download(chunks: Iterable[str], filename: str) -> Response:
    """A streamed CSV attachment the browser never sniffs or caches."""
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_filename(filename)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


class _ExportEntity:
    """The audited entity of an export: a file, not one record."""

    __tablename__ = "exports"
    id = None


def record_export(
    actor, kind: str, *, rows: int, filters: dict | None = None, via: str = "page"
) -> None:
    """Audit a download of `kind`: who, which filters, how many rows, from the pages or the
    command line. The caller commits it before the file streams."""
    audit.record(
        actor,
        "export.downloaded",
        _ExportEntity(),
        {"kind": kind, "filters": dict(filters or {}), "rows": rows, "via": via},
    )


# Reading -------------------------------------------------------------------------------------


def unquote(value: str) -> str:
    """A cell as it was before `cell()` guarded it: one leading `'` off, when what follows
    starts a formula."""
    return value[1:] if value[:1] == "'" and _needs_quote(value[1:]) else value


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def decode(data: bytes | str) -> str:
    """The file's text, or a CsvFileError saying why it isn't a CSV file we can read."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise CsvFileError(
                f"The file is larger than {MAX_BYTES // 1024 // 1024} MB.", field="file"
            )
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvFileError(
                f"The file is not UTF-8 (byte {exc.start}): save it as CSV UTF-8.", field="file"
            ) from exc
    text = data.lstrip("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise CsvFileError(
            f"The file holds a NUL character (line {_line_of(text, nul)}): it is not a text "
            "CSV file; save it as CSV UTF-8.",
            field="file",
        )
    if not text.strip():
        raise CsvFileError("The file is empty.", field="file")
    return text


def read(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (line, cells) rows of `text`; the delimiter is guessed from the header.

    Cells come back unquoted (see `unquote`); blank rows are skipped. Reading the rows raises
    CsvFileError for a cell over FIELD_LIMIT or a line the csv module can't parse.
    """
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = _next(reader)
    if header is None:
        raise CsvFileError("The file is empty.", field="file")
    if not any(h.strip() for h in header):
        raise CsvFileError("The first line is blank: it must name the columns.", field="file")

    def rows():
        line = reader.line_num + 1
        while (values := _next(reader)) is not None:
            start, line = line, reader.line_num + 1
            if any(v.strip() for v in values):
                yield start, [unquote(v) for v in values]

    return header, rows()


def _next(reader) -> list[str] | None:
    try:
        values = next(reader)
    except StopIteration:
        return None
    except csv.Error as error:
        line = reader.line_num
        if "field larger than field limit" in str(error):
            why = f"a cell is longer than {FIELD_LIMIT // 1024} KiB"
        else:
            why = f"it can't be read as CSV ({error})"
        raise CsvFileError(f"Line {line}: {why}.", field="file") from None
    if any(len(v) > FIELD_LIMIT for v in values):
        # The csv module's limit is process-wide: the file's own limit doesn't rely on it.
        raise CsvFileError(
            f"Line {reader.line_num}: a cell is longer than {FIELD_LIMIT // 1024} KiB.",
            field="file",
        )
    return values
