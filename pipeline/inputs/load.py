"""Reading the input folder: finding each file family, decoding CSV or Excel, mapping headers.

The only module that opens input files. It returns raw tables — cell values as the file
holds them, each row with its file and spreadsheet line — for `validate` to type and check.

A CSV is read by pyarrow into columns of text, repeated values (months, reps, metrics) as
categories, so memory follows the file's size rather than a Python object per cell. The spreadsheet line of each row comes from a pass of Python's csv reader, which also
holds the file to its strict rules; a file pyarrow would split differently (a short line, a
stray space line, a quote error) is read row by row as before, which words the refusal.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from array import array
from contextlib import closing
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.inputs import schema
from pipeline.inputs.schema import InputFile, RawTable
from pipeline.errors import Problem, Refused
from pipeline.inputs.values import formula_unguarded, is_blank

SUFFIXES = (".csv", ".xlsx")

# Limits a real export never reaches but an attack does (README, "Limits"); a file past one
# is refused as a whole, in seconds. Module constants, so tests can lower them.
MAX_ROWS = 1_048_576  # Excel's own rows per sheet, header included: the limit of an .xlsx
MAX_CSV_ROWS = 10_000_000  # a CSV is no sheet: a real export may pass Excel's rows, not ten million
MAX_FILE_BYTES = 512 * 2**20  # a file, and an .xlsx's parts once decompressed
MAX_RATIO = 100  # an .xlsx part inflating beyond 100× its compressed size is a zip bomb
MAX_COLUMNS = 16_384  # Excel's own; checked on CSV lines before csv makes a list of their cells
MAX_CELL_CHARS = 2_000_000
_RATIO_FROM = 2**20  # small parts (styles, a few rows) may compress better than that
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
# Arrow's own allocator would keep what the read frees for Arrow alone; through malloc, the
# validation's arrays reuse it (the peak of a million-row read is a fifth lower).
pa.set_memory_pool(pa.system_memory_pool())
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


def _too_many_csv_rows() -> Refused:
    return Refused(MAX_CSV_ROWS + 1, f"超过 {MAX_CSV_ROWS:,} 行，未读取（真实导出不会这么多）；请拆成几个文件")


def csv_delimiter(data: bytes, codec: str) -> str:
    """`,`, tab or `;`: whichever the header line holds most of."""
    end = data.find(b"\n", 0, 65536)
    first = data[:end if end >= 0 else 65536].decode(codec, errors="replace")
    return max(",\t;", key=first.count) if first else ","


def _csv_rows(data: bytes, codec: str, delimiter: str, spec: schema.FileSpec) -> Iterator[tuple[int, list]]:
    """(spreadsheet line, cells) of each record: a quoted newline stays in one record, as in Excel.

    Every record after the header is held to its shape (`_RowShape`): as many cells as the
    header, line breaks only in free text, never what looks like further rows. Decoded as it is
    read, so a large file is held once, as bytes.
    """
    text = io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")
    reader = csv.reader(_narrow_lines(text, delimiter), delimiter=delimiter, strict=True)
    number, shape = 0, None
    while True:
        starts_at = reader.line_num + 1  # the text line where the next record begins
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _csv_refusal(number + 1, starts_at, error) from error
        number += 1
        if shape is not None:
            shape.check(number, starts_at, reader.line_num, row)
        elif "".join(row).strip():
            shape = _RowShape(spec, row, delimiter)
        yield number, row


_DIGITS_BEFORE = re.compile(r".*\d")  # a cell ending in a digit: `200` of `200,000`
_THOUSANDS_GROUP = re.compile(r"\d{3}(?:\.\d*)?\s*元?")  # `000` or `000.50` of `200,000.50`


def _shape(value: str) -> str:
    """`2025-10` → `0000-00`, `S1002` → `a0000`: what a column's values share from row to row."""
    return re.sub(r"\d", "0", re.sub(r"[A-Za-z]", "a", value.strip()))


class _RowShape:
    """What every record after a CSV's header must be: as wide as the header (trailing empty
    cells apart), and without a line break except in free text, where one may not hold what
    looks like further rows of the file (a quote left open merges them into one cell)."""

    def __init__(self, spec: schema.FileSpec, header: list, delimiter: str):
        self.delimiter = delimiter
        self.width = len(header)
        while self.width and not str(header[self.width - 1]).strip():
            self.width -= 1
        free = {c.key for c in spec.columns if c.free_text}
        keys = _header_map(spec, header)
        required = {c.key for c in spec.columns if c.required}
        # a row may leave out trailing optional cells (notes without `response`), no more
        self.shortest = max((position + 1 for position, key in keys.items() if key in required), default=0)
        self.names = {position: str(header[position]).strip() for position in range(self.width)}
        # an unknown column is ignored, so it may hold text; a known one is free text or not
        self.free = {position for position in range(len(header)) if position not in keys or keys[position] in free}

    def check(self, line: int, text_line: int, last_text_line: int, row: list) -> None:
        if not row or not "".join(row).strip():
            return
        where = f"（文本编辑器里的第{text_line}行）" if text_line != line else ""
        if len(row) < self.shortest or any(cell.strip() for cell in row[self.width:]):
            raise Refused(line, self._width_message(row, where))
        for position, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            name = self.names.get(position, f"第{position + 1}列")
            spanned = f"引号从文本编辑器里的第{text_line}行开始，到第{last_text_line}行才结束"
            if position not in self.free:
                raise Refused(line, f"这一行的单元格里有换行（{spanned}）；这一列不能有换行，多半是少了结束的引号，"
                                    "后面几行被并进了这个单元格。请补上结束的引号，或去掉多余的引号", name)
            if self._holds_rows(cell, row[0]):
                raise Refused(line, f"这一行的单元格跨了好几行（{spanned}），其中像是本文件另外的行，"
                                    "多半是少了结束的引号，把它们并进了这个单元格。请补上结束的引号，或去掉多余的引号", name)

    def _holds_rows(self, cell: str, first: str) -> bool:
        """A line of `cell` after its first that looks like a row of this file: as many separators
        as a row needs (trailing optional cells may be left out), and a first value of the same
        shape as the record's own (`2025-10`, `S1002`)."""
        needed, shape = max(2, self.shortest - 1), _shape(first)
        return bool(shape) and any(part.count(self.delimiter) >= needed and _shape(part.split(self.delimiter)[0]) == shape
                                   for part in cell.splitlines()[1:])

    def _width_message(self, row: list, where: str) -> str:
        counted = f"这一行{where}有 {len(row)} 个单元格，而表头有 {self.width} 列"
        if len(row) < self.width:
            return f"{counted}：少了必需的单元格，后面的值会错位。请补齐（空着的写成空单元格）"
        split_number = self.delimiter == "," and any(
            _DIGITS_BEFORE.fullmatch(row[i].strip()) and _THOUSANDS_GROUP.fullmatch(row[i + 1].strip())
            for i in range(len(row) - 1))
        cause = ("；多半是数字里的千位分隔符没加引号（200,000 被分成了 200 和 000）："
                 "请写成 \"200,000\" 或 200000" if split_number else "：请检查是否多了分隔符，或少了引号")
        return f"{counted}，多出的单元格不知属于哪一列{cause}"


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
    bodies, names, headers, delimiters = [], [], {}, {}
    for path in paths:
        name = path.name
        try:
            data = _read_bytes(path)
            if path.suffix.lower() == ".xlsx":
                with closing(_xlsx_rows(data)) as rows:
                    read = _file_table(name, spec, rows, problems, _too_many_rows, MAX_ROWS)
            else:
                delimiters[name], read = _csv_table(name, spec, data, problems)
        except Refused as refusal:
            problems.append(Problem(name, refusal.line, refusal.column, None, refusal.message))
            continue
        except Exception as error:  # any reader failure is the user's file, not our bug
            problems.append(Problem(name, None, None, None, f"无法读取文件：{type(error).__name__}: {error}"))
            continue
        if read is None:
            continue
        headers[name], body = read
        if name.casefold() == schema.COLLECTED_NOTES:  # written by collect, its cells formula-guarded
            body = body.apply(lambda cells: cells.map(_unguarded_cell) if cells.name != "_line" else cells)
        files.append(InputFile(name, hashlib.sha256(data).hexdigest(), len(body)))
        bodies.append(body.reindex(columns=[*keys, "_line"]))  # a missing optional column: blank cells
        names.append(name)
    return RawTable(spec, _joined(bodies, names, keys), headers, delimiters)


def _unguarded_cell(cell):
    return formula_unguarded(cell) if isinstance(cell, str) else cell


def _joined(bodies: list[pd.DataFrame], names: list[str], keys: list[str]) -> pd.DataFrame:
    """The files' rows one after the other, `_file` naming each row's file (as categories)."""
    if not bodies:
        return pd.DataFrame({key: pd.Series(dtype=object) for key in [*keys, "_file", "_line"]})
    frame = bodies[0] if len(bodies) == 1 else pd.concat(bodies, ignore_index=True)
    counts = [len(body) for body in bodies]
    files = pd.Categorical.from_codes(np.repeat(np.arange(len(names)), counts), categories=names)
    return frame.assign(_file=files, _line=frame["_line"].astype("int64"))[[*keys, "_file", "_line"]]


def _header(name: str, spec: schema.FileSpec, number: int, row: list, problems: list[Problem]):
    """(column position → key, key → header as written) of a header row; None, with a problem
    added per missing required column, when it lacks one."""
    positions = _header_map(spec, row)
    missing = [c for c in spec.columns if c.required and c.key not in positions.values()]
    for column in missing:
        also = f"（也可写作：{'、'.join(column.aliases)}）" if column.aliases else ""
        problems.append(Problem(name, number, column.key, None, f"缺少必需的列「{column.key}」{also}"))
    if missing:
        return None
    return positions, {key: str(row[pos]).strip() for pos, key in positions.items()}


def _empty(name: str, problems: list[Problem]) -> None:
    problems.append(Problem(name, None, None, None, "文件是空的，至少需要表头行"))


def _file_table(name: str, spec: schema.FileSpec, rows, problems: list[Problem], too_many, limit: int):
    """One file's header (key → header as written) and rows (recognised columns as the cells
    hold them, `_line`), read row by row; None, with a problem added, when the file is empty or
    lacks a required column. `too_many` is the refusal past `limit` rows."""
    header, positions, body, width = {}, None, {}, 0
    for number, row in rows:
        if number > limit:
            raise too_many()
        if all(is_blank(cell) for cell in row):
            continue
        if positions is None:
            found = _header(name, spec, number, row, problems)
            if found is None:
                return None
            positions, header = found
            body = {key: [] for key in [*positions.values(), "_line"]}
            width = max(position for position, cell in enumerate(row) if not is_blank(cell)) + 1
            continue
        beyond = next((position for position in range(width, len(row)) if not is_blank(row[position])), None)
        if beyond is not None:  # a CSV's rows are held to the header's width as they are read
            raise Refused(number, f"这一行在表头之外的第{beyond + 1}列还有值「{str(row[beyond])[:40]}」，而表头只有 "
                                  f"{width} 列：多出的单元格不知属于哪一列，请检查这一行的值是否错位")
        for position, key in positions.items():
            cell = row[position] if position < len(row) else None
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise Refused(number, f"单元格有 {len(cell):,} 个字符，超过上限 {MAX_CELL_CHARS:,}，未读取",
                              header[key])
            body[key].append(cell)
        body["_line"].append(number)
    if positions is None:
        return _empty(name, problems)
    return header, pd.DataFrame(body, dtype=object)


class _Unusual(Exception):
    """A CSV that pyarrow would not read exactly as the row reader does: the row reader reads it."""


def _csv_table(name: str, spec: schema.FileSpec, data: bytes, problems: list[Problem]):
    """A CSV's delimiter, and its header and rows as `_file_table` gives them."""
    codec = encoding(data)
    delimiter = csv_delimiter(data, codec)
    try:
        return delimiter, _arrow_table(name, spec, data, codec, delimiter, problems)
    except _Unusual:
        with closing(_csv_rows(data, codec, delimiter, spec)) as rows:
            return delimiter, _file_table(name, spec, rows, problems, _too_many_csv_rows, MAX_CSV_ROWS)


def _arrow_table(name: str, spec: schema.FileSpec, data: bytes, codec: str, delimiter: str,
                 problems: list[Problem]):
    """`_file_table` of a CSV, its cells read by pyarrow and its lines by `_record_lines`.

    Raises _Unusual where pyarrow's reading could differ from the row reader's.
    """
    lines, blank, header = _record_lines(data, codec, delimiter, spec)
    if header is None:
        return _empty(name, problems)
    at, number, row = header
    found = _header(name, spec, number, row, problems)
    if found is None:
        return None
    positions, written = found
    table = _arrow_columns(data, codec, delimiter, positions)
    if table.num_rows != len(lines):  # it took records apart or together otherwise
        raise _Unusual()
    rows = np.ones(len(lines), dtype=bool)
    rows[:at + 1] = False
    rows[blank] = False
    rows = np.flatnonzero(rows)
    body = {key: _column(table.column(f"f{position}"), rows) for position, key in positions.items()}
    return written, pd.DataFrame({**body, "_line": np.asarray(lines, dtype=np.int64)[rows]})


def _record_lines(data: bytes, codec: str, delimiter: str, spec: schema.FileSpec):
    """The spreadsheet line of every record pyarrow reads (all but empty lines), the positions
    among them of records whose cells are all blank, and the header: (position, line, cells)
    of the first record that is not. Checks the file as the row reader does, keeping no cells.
    """
    lines, blank, header, number = array("q"), [], None, 0
    records = _csv_rows(data, codec, delimiter, spec)
    try:
        for number, row in records:
            if number > MAX_CSV_ROWS:
                break
            if not row:  # an empty line, which pyarrow skips
                continue
            if not "".join(row).strip():
                blank.append(len(lines))
            elif header is None:
                header = (len(lines), number, row)
            lines.append(number)
    except Refused as refusal:  # a malformed line: the row reader words it, where it meets it
        raise _Unusual() from refusal
    finally:
        records.close()
    if number > MAX_CSV_ROWS:
        raise _too_many_csv_rows()
    return lines, blank, header


_TEXT = pa.dictionary(pa.int32(), pa.string())
_ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # text held as Arrow, however pandas stores str


def _arrow_columns(data: bytes, codec: str, delimiter: str, positions: dict[int, str]) -> pa.Table:
    """The columns at `positions` of every record but empty lines, as text, named f0, f1, …"""
    names = [f"f{position}" for position in positions]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            # one thread: the file's blocks are parsed one after the other, held once
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False,
                                            encoding="utf8" if codec == "utf-8-sig" else codec),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(include_columns=names, column_types=dict.fromkeys(names, _TEXT)))
    except pa.ArrowException as error:  # a short or long line, say: the row reader takes it
        raise _Unusual() from error
    for name in names:
        for chunk in table.column(name).chunks:
            longest = pc.max(pc.utf8_length(chunk.dictionary)).as_py()
            if longest is not None and longest > MAX_CELL_CHARS:
                raise _Unusual()  # the row reader names the first such cell
    return table


def _column(cells: pa.ChunkedArray, rows: np.ndarray) -> pd.Series:
    """The cells at `rows`: as categories where values repeat (months, reps, metrics), else as
    text (amounts, notes) — a category per distinct amount would cost more than the text."""
    cells = cells.unify_dictionaries().combine_chunks() if cells.num_chunks != 1 else cells.chunk(0)
    codes = cells.indices.to_numpy()[rows]
    if len(cells.dictionary) * 4 <= len(cells):
        return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(cells.dictionary.to_pandas())))
    return cells.dictionary.take(pa.array(codes)).to_pandas(types_mapper={pa.string(): _ARROW_TEXT}.get)


def read_inputs(folder: Path, problems: list[Problem], specs=schema.ALL
                ) -> tuple[dict[str, RawTable | None], list[InputFile]]:
    """The file families `specs` of `folder` as raw tables, keyed by family name."""
    files: list[InputFile] = []
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, None, "输入文件夹不存在"))
        return {}, files
    tables = {spec.name: read_table(folder, spec, problems, files) for spec in specs}
    return tables, files
