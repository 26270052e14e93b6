"""Reading the input folder: finding each file family, decoding CSV or Excel, mapping headers.

The only module that opens input files. It returns raw tables — cell values as the file
holds them, each row with its file and spreadsheet line — for `validate` to type and check.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from pathlib import Path

import pandas as pd

from . import schema
from .schema import InputFile, RawTable
from .errors import Problem
from .values import is_blank

SUFFIXES = (".csv", ".xlsx")


def family_files(folder: Path, spec: schema.FileSpec) -> list[Path]:
    """The files of `spec` in `folder`: `org.csv`, or for a family `targets*.csv|xlsx`."""
    pattern = re.compile(rf"^{re.escape(spec.name)}{'(?:[-_. ].*)?' if spec.family else ''}$", re.IGNORECASE)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUFFIXES and pattern.match(p.stem))


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without BOM) first, else GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    # A record's spreadsheet row is its position among records (a quoted newline stays in one).
    return [(number, row) for number, row in enumerate(reader, start=1)]


def _xlsx_rows(path: Path) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()


def normalize_header(text) -> str:
    """Header text compared loosely: NFKC (full-width → ASCII), no spaces, any case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def _header_map(spec: schema.FileSpec, header: list) -> dict[int, str]:
    """Column position → key for the recognised columns of `header`."""
    names = {}
    for column in spec.columns:
        for name in (column.key, *column.aliases):
            names[normalize_header(name)] = column.key
    found: dict[int, str] = {}
    for position, text in enumerate(header):
        key = names.get(normalize_header(text))
        if key and key not in found.values():
            found[position] = key
    return found


def read_table(folder: Path, spec: schema.FileSpec, problems: list[Problem],
               files: list[InputFile]) -> RawTable | None:
    """Every file of `spec` in `folder` as one raw table; None when there is none.

    Unreadable files and missing required columns are added to `problems`; each file read is
    added to `files` with its sha256 and row count.
    """
    paths = family_files(folder, spec)
    if not paths:
        if spec.required:
            problems.append(Problem(spec.label(), None, None, None,
                                    f"缺少必需的输入文件（在 {folder} 中找不到 {spec.label()} 或 .xlsx）"))
        return None
    records, headers = [], {}
    keys = [column.key for column in spec.columns]
    for path in paths:
        name = path.name
        try:
            data = path.read_bytes()
            rows = _xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(data)
        except Exception as error:  # any reader failure is the user's file, not our bug
            problems.append(Problem(name, None, None, None, f"无法读取文件：{type(error).__name__}: {error}"))
            continue
        rows = [(number, row) for number, row in rows if not all(is_blank(cell) for cell in row)]
        if not rows:
            problems.append(Problem(name, None, None, None, "文件是空的，至少需要表头行"))
            continue
        header_line, header = rows[0]
        positions = _header_map(spec, header)
        headers[name] = {key: str(header[pos]).strip() for pos, key in positions.items()}
        missing = [c for c in spec.columns if c.required and c.key not in positions.values()]
        for column in missing:
            problems.append(Problem(name, header_line, column.key, None,
                                    f"缺少必需的列「{column.key}」（也可写作：{'、'.join(column.aliases)}）"))
        body = rows[1:]
        files.append(InputFile(name, hashlib.sha256(data).hexdigest(), len(body)))
        if missing:
            continue
        for number, row in body:
            record = {key: (row[pos] if pos < len(row) else None) for pos, key in positions.items()}
            records.append({**record, "_file": name, "_line": number})
    frame = pd.DataFrame.from_records(records, columns=[*keys, "_file", "_line"]).astype(object)
    return RawTable(spec, frame, headers)


def read_inputs(folder: Path, problems: list[Problem]) -> tuple[dict[str, RawTable | None], list[InputFile]]:
    """Every known file family of `folder` as raw tables, keyed by family name."""
    files: list[InputFile] = []
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, None, "输入文件夹不存在"))
        return {}, files
    tables = {spec.name: read_table(folder, spec, problems, files) for spec in schema.ALL}
    return tables, files
