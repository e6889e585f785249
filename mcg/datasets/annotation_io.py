"""Reading annotation files (json, jsonl, csv/tsv) with checked fields.

Every error names the file, the record (0-based, header excluded) and the
field, and a missing file names the dataset's preparation doc.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List

from .base_videoqa import require_file
from .text_files import (AnnotationError, csv_header, read_csv_rows,
                         read_json, read_json_lines)


def check_fields(rec: Any, fields: Dict[str, type], where: str) -> dict:
    """Check that ``rec`` is a dict with the typed ``fields``.

    Args:
        rec: A decoded record.
        fields: Field name -> expected type (bool never passes as int).
        where: ``'<file>: record <i>'`` for messages.

    Returns:
        ``rec``.
    """
    if not isinstance(rec, dict):
        raise AnnotationError(f'{where} is not an object')
    for name, typ in fields.items():
        if name not in rec:
            raise AnnotationError(f'{where}: missing field {name!r}')
        value = rec[name]
        if not isinstance(value, typ) or isinstance(value, bool):
            raise AnnotationError(
                f'{where}: field {name!r} should be {typ.__name__}, got '
                f'{type(value).__name__} ({value!r})')
    return rec


def load_json(path: str, doc: str) -> Any:
    """Parse a JSON file (FileNotFoundError names ``doc``; a syntax error
    names the file, line and column)."""
    require_file(path, doc)
    return read_json(path)


def load_json_records(path: str, fields: Dict[str, type],
                      doc: str) -> List[dict]:
    """Records of a JSON file holding a list of objects, fields checked.

    Args:
        path: The ``.json`` file.
        fields: Required field name -> type (bool never passes as int).
        doc: Preparation doc named when the file is missing.

    Returns:
        The records, in file order.

    Raises:
        FileNotFoundError: The file does not exist (names ``doc``).
        AnnotationError: Not valid JSON (file, line, column), not a list,
            or a record lacks a field or has a wrong-typed one (file,
            record index, field).
    """
    records = load_json(path, doc)
    if not isinstance(records, list):
        raise AnnotationError(f'{path}: expected a JSON list of records, got '
                              f'{type(records).__name__}')
    return [check_fields(rec, fields, f'{path}: record {i}')
            for i, rec in enumerate(records)]


def load_jsonl_records(path: str, fields: Dict[str, type],
                       doc: str) -> List[dict]:
    """Records of a JSON-lines file; blank lines are skipped.

    Args:
        path: The ``.jsonl`` file.
        fields: Required field name -> type.
        doc: Preparation doc named when the file is missing.

    Returns:
        The records, in file order.
    """
    require_file(path, doc)
    records = []
    for line_no, rec in read_json_lines(path):
        where = f'{path}:{line_no}: record {len(records)}'
        records.append(check_fields(rec, fields, where))
    return records


def load_csv_records(path: str, fields: Dict[str, Callable[[str], Any]],
                     doc: str, delimiter: str = ',') -> List[dict]:
    """Rows of a headed csv/tsv file as dicts, with converted fields.

    Args:
        path: The file (its first row is the header).
        fields: Required column -> converter (``int``, ``str``...); other
            columns are kept as strings.
        doc: Preparation doc named when the file is missing.
        delimiter: ``','`` or ``'\\t'`` (TGIF-QA's ``.csv`` files are TSV).

    Returns:
        One dict per row.
    """
    require_file(path, doc)
    header = csv_header(path, delimiter)
    missing = [n for n in fields if n not in header]
    if missing:
        raise AnnotationError(
            f'{path}: header {header} lacks column(s) {missing}'
            + (' (is it tab-separated?)' if delimiter == ',' else ''))
    rows = []
    for line_no, row in read_csv_rows(path, delimiter, required=fields):
        for name, convert in fields.items():
            value = row[name]
            try:
                row[name] = convert(value.strip() if convert is not str
                                    else value)
            except (TypeError, ValueError):
                raise AnnotationError(
                    f'{path}:{line_no}: record {len(rows)}: field {name!r} '
                    f'should be {getattr(convert, "__name__", convert)}, '
                    f'got {value!r}') from None
        rows.append(row)
    return rows
