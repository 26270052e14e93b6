"""Hostile and broken input files: a clear input error (file, line, column; exit 2) or a right figure.

Every bomb is built here, small: the limits are lowered through load's module constants
where reaching the real ones would take a large file.
"""
import csv
import io
import random
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from pipeline.inputs import load

from .conftest import invoke
from .test_safe_text import write_inputs

SHEET = "xl/worksheets/sheet1.xml"
HEADER = b'<row r="1">' + b"".join(
    b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (column, name)
    for column, name in ((b"A", b"month"), (b"B", b"rep_id"), (b"C", b"metric"), (b"D", b"target"))) + b"</row>"


def xlsx_with_rows(path, rows_xml: bytes) -> None:
    """A real workbook (openpyxl's, with styles) whose first sheet holds exactly `rows_xml`."""
    book = Workbook()
    book.active.append(["x"])
    buffer = io.BytesIO()
    book.save(buffer)
    sheet = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet '
             b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             + rows_xml + b"</sheetData></worksheet>")
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, sheet if entry.filename == SHEET else source.read(entry.filename))


def validate(folder):
    return invoke("validate", "--month", "2025-10", "--inputs", folder)


def problem_line(result, where: str) -> str:
    """The one message line naming `where`; the run failed as invalid input, without a traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if where in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


def rewrite(folder, name, old, new):
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Limits: rows, decompressed size, cell size, problems listed.

def test_a_sheet_with_more_rows_than_the_limit_is_refused(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_ROWS", 100)
    xlsx_with_rows(inputs_copy / "targets_big.xlsx", HEADER + b"<row><c><v>1</v></c></row>" * 150)
    assert "超过 100 行" in problem_line(validate(inputs_copy), "targets_big.xlsx 第101行")


def test_a_sheet_claiming_a_row_beyond_the_limit_is_refused(inputs_copy, monkeypatch):
    # A single row numbered past the limit: openpyxl would hand over every empty row before it.
    monkeypatch.setattr(load, "MAX_ROWS", 100)
    xlsx_with_rows(inputs_copy / "targets_big.xlsx", HEADER + b'<row r="150"><c r="A150"><v>1</v></c></row>')
    assert "超过 100 行" in problem_line(validate(inputs_copy), "targets_big.xlsx 第101行")


def test_a_zip_bomb_is_refused_before_it_is_inflated(inputs_copy):
    # 2 MB of sheet XML in a few kilobytes, as the 635 KB file held 260 MB.
    xlsx_with_rows(inputs_copy / "targets_bomb.xlsx", HEADER + b"<row><c><v>1</v></c></row>" * 80_000)
    assert (inputs_copy / "targets_bomb.xlsx").stat().st_size < 20_000
    message = problem_line(validate(inputs_copy), "targets_bomb.xlsx")
    assert "解压后是压缩时的" in message and "压缩炸弹" in message


def test_an_xlsx_larger_than_the_limit_once_decompressed_is_refused(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 60_000)
    numbers = random.Random(9)
    rows = b"".join(b"<row><c><v>%d</v></c></row>" % numbers.randrange(10**9) for _ in range(3000))
    xlsx_with_rows(inputs_copy / "targets_big.xlsx", HEADER + rows)
    assert "解压后超过" in problem_line(validate(inputs_copy), "targets_big.xlsx")


def monthly_actuals(path, rows: int) -> None:
    """An actuals CSV of `rows` valid rows: S1001's sales of `rows` months from 1900 on."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["month", "rep_id", "metric", "actual"]]
                                     + [[f"{1900 + n // 12}-{n % 12 + 1:02d}", "S1001", "sales", n]
                                        for n in range(rows)])


def test_a_csv_with_more_rows_than_the_limit_is_refused(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_CSV_ROWS", 100)
    monthly_actuals(inputs_copy / "actuals_more.csv", 150)
    assert "超过 100 行" in problem_line(validate(inputs_copy), "actuals_more.csv 第101行")


def test_a_csv_longer_than_a_sheet_is_read(inputs_copy, monkeypatch):
    # Excel's row limit is about sheets: an export as CSV may pass it.
    monkeypatch.setattr(load, "MAX_ROWS", 100)
    monthly_actuals(inputs_copy / "actuals_more.csv", 150)
    result = validate(inputs_copy)
    assert result.exit_code == 0, result.stderr


def test_a_csv_line_with_more_columns_than_the_limit_is_refused(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_COLUMNS", 50)
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,company,公司,,strategy,宽" + "," * 60 + "\n")
    assert "超过 50 列" in problem_line(validate(inputs_copy), "notes.csv 第43行")


def test_a_csv_larger_than_the_limit_is_refused(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 20_000)
    (inputs_copy / "notes_long.csv").write_text("month,level,unit,section,text\n" + "x" * 30_000, encoding="utf-8")
    assert "文件超过" in problem_line(validate(inputs_copy), "notes_long.csv")


def test_only_the_first_thousand_problems_are_listed_and_all_are_counted(inputs_copy):
    with (inputs_copy / "actuals_bad.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["month", "rep_id", "metric", "actual"]]
                                     + [["2025-08", "S1001", "revenue", n] for n in range(1500)])
    result = validate(inputs_copy)
    assert result.exit_code == 2
    assert "输入数据有 1500 个问题，未生成任何文件（只列出前 1000 个）" in result.stderr
    listed = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(listed) == 1000 and "actuals_bad.csv 第2行" in listed[0] and "第1001行" in listed[-1]


def test_a_one_megabyte_csv_cell_is_read(inputs_copy):
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,company,公司,,strategy," + "长" * 400_000 + "\n")
    assert (inputs_copy / "notes.csv").stat().st_size > 1_000_000
    result = validate(inputs_copy)
    assert result.exit_code == 0, result.stderr


def test_a_cell_over_the_limit_is_refused_with_line_and_column(inputs_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_CELL_CHARS", 1000)
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,company,公司,,strategy," + "长" * 1500 + "\n")
    message = problem_line(validate(inputs_copy), "notes.csv 第43行 列「text」")
    assert "1,500 个字符，超过上限 1,000" in message and len(message) < 200


# Charts' embedded workbooks: a name is text, never a formula or a link.

def test_names_like_formulas_are_text_in_the_charts_workbooks(tmp_path):
    rep, team, region = "=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/x","点我")', "http://evil.example/"
    write_inputs(tmp_path / "in", rep, team, region, "注", "任务")
    result = invoke("report", "--month", "2025-10", "--inputs", tmp_path / "in", "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    texts, workbooks = set(), 0
    for document in (tmp_path / "out" / "2025-10").rglob("*.docx"):
        with zipfile.ZipFile(document) as package:
            for name in (n for n in package.namelist() if n.startswith("word/embeddings/")):
                workbooks += 1
                with zipfile.ZipFile(io.BytesIO(package.read(name))) as book:
                    sheet = book.read(SHEET).decode("utf-8")
                    assert "<f>" not in sheet and "<hyperlink" not in sheet
                    assert not any("hyperlink" in n for n in book.namelist())
                sheet = load_workbook(io.BytesIO(package.read(name))).active
                texts |= {cell.value for row in sheet.iter_rows() for cell in row if cell.data_type == "s"}
    assert workbooks >= 8
    assert {rep, team, region} <= texts


# Numbers: one predictable reading, or an error with its place.

def test_a_decimal_comma_in_a_semicolon_file_is_read_as_a_decimal(inputs_copy, tmp_path):
    text = (inputs_copy / "actuals.csv").read_text(encoding="utf-8").replace(",", ";")
    text = text.replace("2025-10;S1001;sales;223500;", "2025-10;S1001;sales;223500,50;")
    (inputs_copy / "actuals.csv").write_text(text, encoding="utf-8")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    rows = csv.DictReader(io.StringIO((tmp_path / "out" / "2025-10" / "metrics.csv").read_text(encoding="utf-8-sig")))
    assert next(r for r in rows if (r["unit"], r["metric"]) == ("S1001", "sales"))["actual"] == "223500.5"


@pytest.mark.parametrize("written, semicolon, detail", [
    ("1,2,3", False, "分隔符的位置不对"),
    ("1,500", True, "既可能是 1500 也可能是 1.5"),
    ("1.500", True, "既可能是 1500 也可能是 1.5"),
])
def test_a_misplaced_or_ambiguous_separator_is_refused_with_its_place(written, semicolon, detail, inputs_copy):
    text = (inputs_copy / "actuals.csv").read_text(encoding="utf-8")
    if semicolon:
        text = text.replace(",", ";")
    mark = ";" if semicolon else ","
    text = text.replace(f"2025-10{mark}S1001{mark}sales{mark}223500{mark}",
                        f'2025-10{mark}S1001{mark}sales{mark}"{written}"{mark}')
    (inputs_copy / "actuals.csv").write_text(text, encoding="utf-8")
    message = problem_line(validate(inputs_copy), "actuals.csv 第62行 列「actual」")
    assert f"值「{written}」" in message and detail in message
    if semicolon:  # the advice is never the refused form itself
        assert "请写作 1500 或 1.5" in message and f"或 {written}" not in message


@pytest.mark.parametrize("command", ["validate", "report"])
def test_an_amount_out_of_range_is_an_input_error(command, inputs_copy, tmp_path):
    rewrite(inputs_copy, "targets.csv", "2025-10,S1001,sales,200000", "2025-10,S1001,sales,1000000000000000000")
    extra = ["--outputs", tmp_path / "out"] if command == "report" else []
    result = invoke(command, "--month", "2025-10", "--inputs", inputs_copy, *extra)
    assert "超出范围" in problem_line(result, "targets.csv 第62行 列「target」")
    assert not (tmp_path / "out" / "2025-10").exists()


def test_a_huge_number_in_an_excel_cell_is_an_input_error(inputs_copy):
    book = Workbook()
    book.active.append(["month", "rep_id", "metric", "target"])
    book.active.append(["2025-12", "S1001", "sales", 1e300])
    book.save(inputs_copy / "targets_huge.xlsx")
    assert "超出范围" in problem_line(validate(inputs_copy), "targets_huge.xlsx 第2行 列「target」")


def test_an_excel_true_is_not_the_number_one(inputs_copy):
    # Python hashes True as 1: a reading shared between equal cells must keep them apart.
    book = Workbook()
    for row in (["month", "rep_id", "metric", "target"], ["2025-12", "S1001", "sales", 1],
                ["2025-12", "S1002", "sales", True], ["2025-12", "S1003", "sales", 1.0]):
        book.active.append(row)
    book.save(inputs_copy / "targets_bool.xlsx")
    assert "不是数字" in problem_line(validate(inputs_copy), "targets_bool.xlsx")
    assert "targets_bool.xlsx 第3行 列「target」" in validate(inputs_copy).stderr


def test_a_tiny_target_gives_a_huge_achievement_not_a_crash(inputs_copy, tmp_path):
    rewrite(inputs_copy, "targets.csv", "2025-10,S1001,sales,200000", "2025-10,S1001,sales,0.0000000001")
    rewrite(inputs_copy, "actuals.csv", "2025-10,S1001,sales,223500,", "2025-10,S1001,sales,1000000000000000,")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr


def test_a_negative_target_is_refused(inputs_copy):
    rewrite(inputs_copy, "targets.csv", "2025-10,S1001,sales,200000", "2025-10,S1001,sales,-200000")
    assert "目标不能为负数" in problem_line(validate(inputs_copy), "targets.csv 第62行 列「target」")


def test_a_negative_actual_is_a_month_of_refunds(inputs_copy, tmp_path):
    rewrite(inputs_copy, "actuals.csv", "2025-10,S1001,sales,223500,", "2025-10,S1001,sales,-3000,")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    rows = csv.DictReader(io.StringIO((tmp_path / "out" / "2025-10" / "metrics.csv").read_text(encoding="utf-8-sig")))
    assert next(r for r in rows if (r["unit"], r["metric"]) == ("S1001", "sales"))["actual"] == "-3000"


# Broken CSV structure, dates, and files a command does not need.

def test_an_unterminated_quote_is_refused_at_the_line_it_opens(inputs_copy):
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write('2025-10,company,公司,,strategy,"引号没有结束\n'
                     "2025-10,company,公司,,risk,这一行会被并进上一行的单元格\n"
                     "2025-10,company,公司,,response,这一行也是\n")
    message = problem_line(validate(inputs_copy), "notes.csv 第43行")
    assert "引号" in message and "没有结束" in message


def test_a_quoted_line_break_stays_one_row(inputs_copy):
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write('2025-10,company,公司,,strategy,"第一行\n第二行"\n2025-10,company,公司,,risk,"坏')
    assert problem_line(validate(inputs_copy), "notes.csv 第44行")  # the second record, not the text's 45th line


def test_an_unquoted_thousands_separator_is_refused_not_read_as_a_smaller_number(inputs_copy):
    rewrite(inputs_copy, "targets.csv", "2025-10,S1001,sales,200000", "2025-10,S1001,sales,200,000")
    message = problem_line(validate(inputs_copy), "targets.csv 第62行")
    assert "5 个单元格" in message and "表头有 4 列" in message and "千位分隔符" in message


def test_an_actual_split_by_its_separators_is_refused(inputs_copy):
    rewrite(inputs_copy, "actuals.csv", "2025-10,S1001,sales,223500,", "2025-10,S1001,sales,1,600,000,")
    message = problem_line(validate(inputs_copy), "actuals.csv")
    assert "7 个单元格" in message and "表头有 5 列" in message and "千位分隔符" in message


def test_a_row_short_of_a_required_cell_is_refused(inputs_copy):
    # trailing optional cells may be left out (a note without `response`); a required one may not
    rewrite(inputs_copy, "actuals.csv", "2025-10,S1001,sales,223500,", "2025-10,S1001,223500")
    message = problem_line(validate(inputs_copy), "actuals.csv")
    assert "3 个单元格" in message and "表头有 5 列" in message and "错位" in message


def test_a_quote_left_open_in_a_note_cannot_merge_the_next_rows_into_it(inputs_copy):
    opened = len((inputs_copy / "notes.csv").read_text(encoding="utf-8").splitlines()) + 1
    with (inputs_copy / "notes.csv").open("a", encoding="utf-8") as handle:
        handle.write('2025-10,company,公司,,risk,"风险一：大客户推迟签约,\n'
                     "2025-10,company,公司,,risk,风险二：回款放缓,\n"
                     '2025-10,company,公司,,risk,风险三：竞品降价",\n')
    message = problem_line(validate(inputs_copy), f"notes.csv 第{opened}行")
    assert f"文本编辑器里的第{opened}行开始" in message and f"第{opened + 2}行" in message and "引号" in message


def test_a_quote_left_open_in_a_segment_cannot_merge_actuals(inputs_copy):
    (inputs_copy / "actuals_segments.csv").write_text(
        "month,rep_id,metric,actual,segment\n"
        '2025-10,S1001,sales,20000,"制造业\n'
        "2025-10,S1001,sales,150000,零售\n"
        '2025-10,S1001,sales,30000,金融"\n', encoding="utf-8")
    message = problem_line(validate(inputs_copy), "actuals_segments.csv 第2行")
    assert "列「segment」" in message and "第2行开始" in message and "第4行才结束" in message


def test_a_line_break_in_a_column_that_is_not_free_text_is_refused(inputs_copy):
    with (inputs_copy / "org.csv").open("a", encoding="utf-8") as handle:
        handle.write('S1901,"赵六,上海一组,华东区,zhao@example.com\nS1902,钱七",上海一组,华东区,qian@example.com\n')
    message = problem_line(validate(inputs_copy), "org.csv 第14行")
    assert "列「rep_name」" in message and "不能有换行" in message


@pytest.mark.parametrize("month", ["2025-10-99", "2025年10月45日", "2025-10-32", "2025/10/0"])
def test_a_date_that_does_not_exist_is_not_a_month(month, inputs_copy):
    rewrite(inputs_copy, "targets.csv", "2025-10,S1001,sales,200000", f"{month},S1001,sales,200000")
    assert month in problem_line(validate(inputs_copy), "targets.csv 第62行 列「month」")


def test_a_malformed_recipients_csv_does_not_block_report(inputs_copy, tmp_path):
    (inputs_copy / "recipients.csv").write_text('层级,对象,邮箱\ncompany,"公司,ceo@example.com\n', encoding="utf-8")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.stderr
    assert "引号" in problem_line(validate(inputs_copy), "recipients.csv 第2行")


def test_an_xlsx_row_with_a_value_beyond_its_header_is_refused_as_a_csv_one_is(inputs_copy):
    with (inputs_copy / "tasks.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    (inputs_copy / "tasks.csv").unlink()
    workbook = Workbook()
    for number, row in enumerate(rows):
        workbook.active.append(row + ["张伟负责"] if number == 2 else row)  # a value pasted one column too far
    workbook.save(inputs_copy / "tasks.xlsx")
    message = problem_line(validate(inputs_copy), "tasks.xlsx 第3行")
    assert f"第{len(rows[0]) + 1}列还有值「张伟负责」" in message and f"表头只有 {len(rows[0])} 列" in message
