"""Reading the input folder: finding each file family, decoding CSV or Excel, mapping headers.

The only module that opens input files. It returns raw tables — cell values as the file
holds them, each row with its file and spreadsheet line — for `validate` to type and check.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Iterator

import pandas as pd

from pipeline.inputs import schema
from pipeline.inputs.schema import InputFile, RawTable
from pipeline.errors import Problem, Refused
from pipeline.inputs.values import is_blank

SUFFIXES = (".csv", ".xlsx")

# Limits a real export never reaches but an attack does (README, "Limits"); a file past one
# is refused as a whole, in seconds. Module constants, so tests can lower them.
MAX_ROWS = 1_048_576  # Excel's own rows per sheet, header included
MAX_FILE_BYTES = 512 * 2**20  # a file, and an .xlsx's parts once decompressed
MAX_RATIO = 100  # an .xlsx part inflating beyond 100× its compressed size is a zip bomb
MAX_COLUMNS = 16_384  # Excel's own; checked on CSV lines before csv makes a list of their cells
MAX_CELL_CHARS = 2_000_000
_RATIO_FROM = 2**20  # small parts (styles, a few rows) may compress better than that
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
# A CSV field can never exceed the file; csv's own 131,072-character limit is lifted and
# MAX_CELL_CHARS checked with the line and column instead. 2**31-1 fits a C long everywhere.
csv.field_size_limit(2**31 - 1)


def family_files(folder: Path, spec: schema.FileSpec) -> list[Path]:
    """The files of `spec` in `folder`: `org.csv`, or for a family `targets*.csv|xlsx`."""
    pattern = re.compile(rf"^{re.escape(spec.name)}{'(?:[-_. ].*)?' if spec.family else ''}$", re.IGNORECASE)
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in SUFFIXES and pattern.match(p.stem))


def encoding(data: bytes) -> str:
    """A CSV's encoding: UTF-8 (with or without BOM) if it decodes as such, else GB18030 (⊃ GBK)."""
    check, view = codecs.getincrementaldecoder("utf-8")(), memoryview(data)
    try:
        for start in range(0, len(data), 2**20):  # piece by piece: the text is not kept
            check.decode(view[start:start + 2**20])
        check.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def decode(data: bytes) -> str:
    """CSV bytes as text (see `encoding`)."""
    return data.decode(encoding(data))


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Refused(None, f"文件超过 {_megabytes(MAX_FILE_BYTES)}，未读取（真实导出不会这么大）")
    return data


def _megabytes(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"


def _too_many_rows() -> Refused:
    return Refused(MAX_ROWS + 1, f"超过 {MAX_ROWS:,} 行（Excel 一张表的上限），未读取；请拆成几个文件")


def csv_delimiter(data: bytes, codec: str) -> str:
    """`,`, tab or `;`: whichever the header line holds most of."""
    end = data.find(b"\n", 0, 65536)
    first = data[:end if end >= 0 else 65536].decode(codec, errors="replace")
    return max(",\t;", key=first.count) if first else ","


def _csv_records(data: bytes) -> tuple[str, Iterator[tuple[int, list]]]:
    """The CSV's delimiter and its records (see `_csv_rows`); Refused beyond MAX_ROWS records."""
    codec = encoding(data)
    delimiter = csv_delimiter(data, codec)
    # Lines enough for too many records: count the records first, keeping none of them.
    if data.count(b"\n") >= MAX_ROWS and any(number > MAX_ROWS for number, _ in _csv_rows(data, codec, delimiter)):
        raise _too_many_rows()
    return delimiter, _csv_rows(data, codec, delimiter)


def _csv_rows(data: bytes, codec: str, delimiter: str) -> Iterator[tuple[int, list]]:
    """(spreadsheet line, cells) of each record: a quoted newline stays in one record, as in Excel.

    Decoded as it is read, so a large file is held once, as bytes.
    """
    text = io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")
    reader = csv.reader(_narrow_lines(text, delimiter), delimiter=delimiter, strict=True)
    number = 0
    while True:
        starts_at = reader.line_num + 1  # the text line where the next record begins
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_refusal(number + 1, starts_at, error) from error
        number += 1
        yield number, row


class _TooWide(csv.Error):
    pass


def _narrow_lines(lines, delimiter: str):
    """`lines`, refusing one with more cells than MAX_COLUMNS (a line of a million commas)."""
    for line in lines:
        if line.count(delimiter) >= MAX_COLUMNS:
            raise _TooWide()
        yield line


def _csv_refusal(line: int, text_line: int, error: csv.Error) -> Refused:
    where = f"（文本编辑器里的第{text_line}行）" if text_line != line else ""
    if isinstance(error, _TooWide):
        return Refused(line, f"这一行{where}超过 {MAX_COLUMNS:,} 列（Excel 的上限），未读取")
    if "unexpected end of data" in str(error):
        return Refused(line, f"这一行{where}有一个引号（\"）没有结束，它之后的各行都会被并进同一个单元格；"
                             "请补上结束的引号，或去掉这个引号")
    if "expected after" in str(error):
        return Refused(line, f"这一行{where}的引号结束后应紧跟分隔符；单元格里的引号要写成两个（\"\"）")
    return Refused(line, f"CSV 格式错误{where}：{error}")


def _check_zip(data: bytes) -> None:
    """Refuses an .xlsx whose parts would inflate beyond the limits, before openpyxl opens it.

    The sizes in the zip directory bound what Python's zipfile will ever produce, so they
    can be trusted; a sheet's rows are counted from its XML as it streams by (fast, where
    openpyxl would take half a minute to reach the limit).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        if sum(part.file_size for part in parts) > MAX_FILE_BYTES:
            raise Refused(None, f"解压后超过 {_megabytes(MAX_FILE_BYTES)}，未读取（真实导出不会这么大）")
        for part in parts:
            if part.file_size > _RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                raise Refused(None, f"其中的 {part.filename} 解压后是压缩时的 "
                                    f"{part.file_size // max(part.compress_size, 1):,} 倍（上限 {MAX_RATIO} 倍），"
                                    "疑似压缩炸弹，未读取")
        for part in parts:  # every XML part: the workbook may keep its sheet anywhere
            if part.filename.endswith(".xml") and _row_count(archive, part.filename) > MAX_ROWS:
                raise _too_many_rows()


def _row_count(archive: zipfile.ZipFile, name: str) -> int:
    """`<row>` elements in a sheet's XML, counted up to just past MAX_ROWS."""
    count, rest = 0, b""
    with archive.open(name) as stream:
        while count <= MAX_ROWS and (chunk := stream.read(2**20)):
            block = rest + chunk
            cut = block.rfind(b"<")  # a tag is never split: the text from its last `<` waits
            cut = cut if cut >= 0 else len(block)
            count += len(_ROW_TAG.findall(block, 0, cut))
            rest = block[cut:]
    return count + len(_ROW_TAG.findall(rest + b" "))


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    """(spreadsheet line, cell values) of the first sheet's rows, read as they stream by."""
    from openpyxl import load_workbook

    _check_zip(data)
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a claimed size would pad every row up to it
        yield from enumerate(sheet.iter_rows(max_row=MAX_ROWS + 1, values_only=True), start=1)
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

    Unreadable files, files past a limit and missing required columns are added to
    `problems`; each file read is added to `files` with its sha256 and row count.
    """
    paths = family_files(folder, spec)
    if not paths:
        if spec.required:
            problems.append(Problem(spec.label(), None, None, None,
                                    f"缺少必需的输入文件（在 {folder} 中找不到 {spec.label()} 或 .xlsx）"))
        return None
    keys = [column.key for column in spec.columns]
    columns: dict[str, list] = {key: [] for key in [*keys, "_file", "_line"]}
    headers, delimiters = {}, {}
    for path in paths:
        name = path.name
        try:
            data = _read_bytes(path)
            if path.suffix.lower() == ".xlsx":
                rows = _xlsx_rows(data)
            else:
                delimiters[name], rows = _csv_records(data)
            with closing(rows):
                read = _file_table(name, spec, rows, problems)
        except Refused as refusal:
            problems.append(Problem(name, refusal.line, refusal.column, None, refusal.message))
            continue
        except Exception as error:  # any reader failure is the user's file, not our bug
            problems.append(Problem(name, None, None, None, f"无法读取文件：{type(error).__name__}: {error}"))
            continue
        if read is None:
            continue
        headers[name], body = read
        count = len(body["_line"])
        files.append(InputFile(name, hashlib.sha256(data).hexdigest(), count))
        for key in keys:
            columns[key].extend(body.get(key, [None] * count))
        columns["_file"].extend([name] * count)
        columns["_line"].extend(body["_line"])
    frame = pd.DataFrame(columns, dtype=object)
    return RawTable(spec, frame, headers, delimiters)


def _file_table(name: str, spec: schema.FileSpec, rows, problems: list[Problem]):
    """One file's header (key → header as written) and recognised columns (key → cells, `_line`).

    None, with a problem added, when the file is empty or lacks a required column.
    """
    header, positions, body = {}, None, {}
    for number, row in rows:
        if number > MAX_ROWS:
            raise _too_many_rows()
        if all(is_blank(cell) for cell in row):
            continue
        if positions is None:
            positions = _header_map(spec, row)
            header = {key: str(row[pos]).strip() for pos, key in positions.items()}
            missing = [c for c in spec.columns if c.required and c.key not in positions.values()]
            for column in missing:
                problems.append(Problem(name, number, column.key, None,
                                        f"缺少必需的列「{column.key}」（也可写作：{'、'.join(column.aliases)}）"))
            if missing:
                return None
            body = {key: [] for key in [*positions.values(), "_line"]}
            continue
        for position, key in positions.items():
            cell = row[position] if position < len(row) else None
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise Refused(number, f"单元格有 {len(cell):,} 个字符，超过上限 {MAX_CELL_CHARS:,}，未读取",
                              header[key])
            body[key].append(cell)
        body["_line"].append(number)
    if positions is None:
        problems.append(Problem(name, None, None, None, "文件是空的，至少需要表头行"))
        return None
    return header, body


def read_inputs(folder: Path, problems: list[Problem], specs=schema.ALL
                ) -> tuple[dict[str, RawTable | None], list[InputFile]]:
    """The file families `specs` of `folder` as raw tables, keyed by family name."""
    files: list[InputFile] = []
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, None, "输入文件夹不存在"))
        return {}, files
    tables = {spec.name: read_table(folder, spec, problems, files) for spec in specs}
    return tables, files
