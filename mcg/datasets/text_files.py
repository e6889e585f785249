"""Reading annotation and question files with errors that point at the spot.

Every loader and ``tools/infer.py --questions-file`` read their JSON, JSON
lines and csv/tsv files through these functions, so a malformed file stops
with an :class:`AnnotationError` naming ``<file>:<line>[:<column>]`` (the
form editors jump to) instead of a bare ``JSONDecodeError`` or ``csv.Error``
traceback, or a message without the file.
"""
from __future__ import annotations

import csv
import json
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple


class AnnotationError(ValueError):
    """An annotation file is malformed, or a record lacks a field or has a
    wrong-typed one; the message names the file and where."""


def read_text(path: str) -> str:
    """The file's text (UTF-8, a leading byte-order mark dropped).

    Raises:
        AnnotationError: The bytes are not UTF-8 (names line and column).
    """
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, data, exc) from None


def iter_lines(path: str) -> Iterator[str]:
    """The file's lines, ends kept, read lazily (for large csv files)."""
    try:
        with open(path, encoding='utf-8-sig', newline='') as f:
            yield from f
    except UnicodeDecodeError:
        read_text(path)  # raises with the line and column
        raise


def _not_utf8(path: str, data: bytes,
              exc: UnicodeDecodeError) -> AnnotationError:
    line = data.count(b'\n', 0, exc.start) + 1
    column = exc.start - (data.rfind(b'\n', 0, exc.start) + 1) + 1
    return AnnotationError(f'{path}:{line}:{column}: not UTF-8 text '
                           f'({exc.reason}); save the file as UTF-8')


def parse_json(text: str, path: str, line_no: Optional[int] = None) -> Any:
    """Decode JSON text from ``path``.

    Args:
        text: The JSON document (a whole file, or one line of a JSON-lines
            file).
        path: The file, for messages.
        line_no: 1-based line of ``text`` in a JSON-lines file; None when
            ``text`` is the whole file.

    Returns:
        The decoded value.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = exc.lineno if line_no is None else line_no + exc.lineno - 1
        raise AnnotationError(f'{path}:{line}:{exc.colno}: not valid JSON: '
                              f'{exc.msg}') from None


def read_json(path: str) -> Any:
    """Decode a whole JSON file (errors name file, line and column)."""
    return parse_json(read_text(path), path)


def read_json_lines(path: str) -> Iterator[Tuple[int, Any]]:
    """``(line_no, value)`` for each non-blank line of a JSON-lines file."""
    for line_no, line in enumerate(iter_lines(path), 1):
        if line.strip():
            yield line_no, parse_json(line.rstrip('\r\n'), path, line_no)


def read_csv_rows(path: str, delimiter: str = ',',
                  required: Sequence[str] = (),
                  header: bool = True
                  ) -> Iterator[Tuple[int, Dict[str, str]]]:
    """``(line_no, row)`` for each data row of a csv/tsv file.

    A row with more fields than the header (pandas refuses those too), an
    unterminated quote, or a row too short to hold a ``required`` column
    stops with the file and line.

    Args:
        path: The file.
        delimiter: ``','`` or ``'\\t'``.
        required: Columns every row must have.
        header: Whether the first row names the columns; without one, rows
            are keyed by their 0-based column index as a string.

    Yields:
        The 1-based line a row starts on, and the row.
    """
    reader = csv.reader(iter_lines(path), delimiter=delimiter, strict=True)
    names: Optional[list] = None
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise AnnotationError(
                f'{path}:{start}: not valid '
                f'{"TSV" if delimiter == chr(9) else "CSV"}: {exc}') from None
        line_no, start = start, reader.line_num + 1
        if not fields:
            continue
        if header and names is None:
            names = [n.strip() for n in fields]
            continue
        if names is None:
            yield line_no, {str(i): v for i, v in enumerate(fields)}
            continue
        if len(fields) > len(names):
            raise AnnotationError(
                f'{path}:{line_no}: {len(fields)} fields, but the header has '
                f'{len(names)}' + (' (is it tab-separated?)'
                                   if delimiter == ',' else ''))
        # Missing trailing fields read as None, as csv.DictReader has them.
        row = {n: fields[i] if i < len(fields) else None
               for i, n in enumerate(names)}
        short = [n for n in required if n in row and row[n] is None]
        if short:
            raise AnnotationError(
                f'{path}:{line_no}: {len(fields)} fields, too few for '
                f'column(s) {short}')
        yield line_no, row


def csv_header(path: str, delimiter: str = ',') -> list:
    """The column names of a csv/tsv file (stripped), [] when empty."""
    for line in iter_lines(path):
        if line.strip():
            return [n.strip() for n in next(csv.reader(
                [line], delimiter=delimiter))]
    return []
