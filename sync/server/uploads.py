"""CSV files the owner uploads (members to import, the till's daily totals), read within
bounds: the file's bytes, its rows, each line's and each field's length. What a spreadsheet
writes is read (a UTF-8 byte-order mark, ``;`` or ``,`` between fields, quoted fields);
what no spreadsheet writes (NUL bytes, a quoted field running over lines, a megabyte on
one line) is refused naming its line, and a refused file changes nothing: the pages import
a file only when every line of it is good."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field

from sync.server.texts import BadInput, Msg

#: a line of a member or till file is a few dozen characters; a thousand is no spreadsheet
MAX_LINE = 1000
#: a card number, an amount, a date: far shorter
MAX_FIELD = 200
MAX_FIELDS = 50


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_line: int = MAX_LINE
    max_field: int = MAX_FIELD


@dataclass
class Table:
    """A file's header (each name lower-case, without a unit in brackets) and its rows,
    each with its line number; ``errors`` names every line that could not be read."""

    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    errors: list[Msg] = field(default_factory=list)


def decode(raw: bytes, limits: Limits) -> str:
    """The file's text (a UTF-8 byte-order mark dropped); refused if larger than the limit
    or not UTF-8, naming the line of the first bad byte."""
    if len(raw) > limits.max_bytes:
        raise BadInput(
            Msg(
                "the file is {size} bytes; at most {top} bytes: split it", size=len(raw), top=limits.max_bytes
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(
            Msg("line {line}: not UTF-8 text (save the file from Excel as CSV UTF-8)", line=line)
        ) from None


def _lines(text: str, limits: Limits, errors: list[Msg]) -> Iterator[tuple[int, str]]:
    """Each line with its number; a line too long or holding a NUL byte is named and skipped."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if len(line) > limits.max_line:
            errors.append(Msg("line {line}: longer than {top} characters", line=number, top=limits.max_line))
        elif "\x00" in line:
            errors.append(Msg("line {line}: holds a NUL byte; this is not a CSV file", line=number))
        else:
            yield number, line


def read(raw: bytes, limits: Limits, empty: Msg) -> Table:
    """The rows of an uploaded CSV file, within ``limits``: its first line that is not blank
    is the header (``empty`` says what a file without one should have had). Blank lines
    are skipped."""
    table = Table()
    text = decode(raw, limits)
    first = next((n for n, line in enumerate(text.split("\n"), 1) if line.strip()), None)
    lines = [(n, line) for n, line in _lines(text, limits, table.errors) if line.strip()]
    if first is None:
        table.errors.append(empty)
    if not lines or lines[0][0] != first:  # no header, or it was refused (its line named)
        return table
    delimiter = ";" if ";" in lines[0][1] else ","
    for number, line in lines:
        fields = _fields(number, line, delimiter, limits, table.errors)
        if fields is None:
            if number == first:
                return table
            continue
        if number == first:
            table.header = [f.strip().lower().split("(")[0].strip() for f in fields]
        elif len(table.rows) >= limits.max_rows:
            table.errors.append(
                Msg("line {line}: more than {top} rows; split the file", line=number, top=limits.max_rows)
            )
            break
        else:
            table.rows.append((number, fields))
    return table


def _fields(number: int, line: str, delimiter: str, limits: Limits, errors: list[Msg]) -> list[str] | None:
    """A line's fields, or None with the reason added to ``errors``."""
    # one line is one record: a quote left open would run on into the next lines
    if line.count('"') % 2:
        errors.append(Msg('line {line}: a quote (") is not closed on its line', line=number))
        return None
    fields = next(csv.reader([line], delimiter=delimiter), [])
    if len(fields) > MAX_FIELDS:
        errors.append(Msg("line {line}: more than {top} fields", line=number, top=MAX_FIELDS))
        return None
    if any(len(f) > limits.max_field for f in fields):
        errors.append(
            Msg("line {line}: a field longer than {top} characters", line=number, top=limits.max_field)
        )
        return None
    return fields


def line_of(message: Msg) -> int:
    """The line a message names (0 for the whole file): to list a file's errors in order."""
    line = message.params.get("line", 0)
    return line if isinstance(line, int) else 0
