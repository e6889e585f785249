"""Reading annotation files (json, jsonl, csv/tsv) with checked fields.

Every error names the file, the record (0-based, header excluded) and the
field, and a missing file names the dataset's preparation doc.
"""
from __future__ import annotations

import csv
import json
from typing import Any, Callable, Dict, List

from .anetqa import AnnotationError
from .base_videoqa import require_file


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
    """Parse a JSON file (FileNotFoundError names ``doc``)."""
    require_file(path, doc)
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as exc:
            raise AnnotationError(f'{path}: not valid JSON ({exc})') from exc


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
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f):
            if not line.strip():
                continue
            where = f'{path}: record {len(records)} (line {line_no + 1})'
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AnnotationError(f'{where}: not valid JSON ({exc})'
                                      ) from exc
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
    with open(path, encoding='utf-8', newline='') as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        header = reader.fieldnames or []
        missing = [n for n in fields if n not in header]
        if missing:
            raise AnnotationError(
                f'{path}: header {header} lacks column(s) {missing}'
                + (' (is it tab-separated?)' if delimiter == ',' else ''))
        rows = []
        for i, row in enumerate(reader):
            for name, convert in fields.items():
                value = row[name]
                try:
                    row[name] = convert(value.strip() if isinstance(
                        value, str) and convert is not str else value)
                except (TypeError, ValueError, AttributeError):
                    raise AnnotationError(
                        f'{path}: record {i}: field {name!r} should be '
                        f'{getattr(convert, "__name__", convert)}, got '
                        f'{value!r}') from None
            rows.append(row)
    return rows
