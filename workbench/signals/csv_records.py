"""Reading a signals CSV: the header (delimiter guessed, byte-order mark dropped) and one record per good row."""

from __future__ import annotations

import csv
from typing import IO, Callable, Iterator, Protocol, TypeVar

from workbench.signals.model import ImportReport
from workbench.signals.reading import EmptyInput
from workbench.signals.xapi import Rejected


class Keyed(Protocol):
    """A record that knows when two rows say the same thing."""

    record_key: str


R = TypeVar("R", bound=Keyed)


def read_header(stream: IO[str]) -> tuple[str, list[str]]:
    """The delimiter (comma, semicolon or tab, whichever the header uses most) and the header cells."""
    header_line = stream.readline()
    if not header_line.replace("\ufeff", "").strip():
        raise EmptyInput("the file is empty" if not header_line and not stream.read(1) else "the file has no header line")
    delimiter = max(",;\t", key=header_line.count)
    return delimiter, next(csv.reader([header_line], delimiter=delimiter))


def records(stream: IO[str], delimiter: str, columns: list[str | None], report: ImportReport,
            parse: Callable[[dict[str, str], ImportReport], R | None]) -> Iterator[R]:
    """Each row parsed into a record; a bad row is rejected by line, a repeated one kept once, blank lines skipped.

    `parse` raises Rejected for a bad row and returns None for one it already counted (e.g. an unknown id).
    """
    seen: dict[str, int] = {}
    rows = csv.reader(stream, delimiter=delimiter)
    for cells in rows:
        line = rows.line_num + 1  # the header was read before the csv reader started
        if not any(cell.strip() for cell in cells):
            continue
        report.read += 1
        if len(cells) != len(columns):
            report.reject(line, f"{len(cells)} cells where the header has {len(columns)}")
            continue
        row = {name: cell.strip() for name, cell in zip(columns, cells) if name}
        try:
            record = parse(row, report)
        except Rejected as rejected:
            report.reject(line, str(rejected))
            continue
        if record is None:
            continue
        if record.record_key in seen:
            report.duplicates += 1
            report.note(line, f"the same record as line {seen[record.record_key]}; kept once")
            continue
        seen[record.record_key] = line
        yield record
    if not report.read:
        raise EmptyInput("the file has a header but no rows")
