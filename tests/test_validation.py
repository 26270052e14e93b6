"""Every kind of bad input: a message naming file, spreadsheet line and column; nothing written."""
import pytest

from .conftest import invoke


def edit(folder, name, line, old, new):
    """Replace `old` by `new` on spreadsheet line `line` (header = 1) of a UTF-8 CSV."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def append(folder, name, row):
    with (folder / name).open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")


CASES = {
    "not a number": (lambda f: edit(f, "actuals.csv", 4, "132000", "十三万"),
                     "actuals.csv 第4行 列「actual」", "十三万"),
    "rate without percent sign": (lambda f: edit(f, "targets.csv", 85, "30%", "30"),
                                  "targets.csv 第85行 列「target」", "30%"),
    "not a month": (lambda f: edit(f, "targets.csv", 2, "2025-09", "九月"), "targets.csv 第2行 列「month」", "九月"),
    "unknown metric": (lambda f: edit(f, "actuals.csv", 2, "sales", "revenue"),
                       "actuals.csv 第2行 列「metric」", "revenue"),
    "rep not in org": (lambda f: edit(f, "targets.csv", 3, "S1002", "S9999"),
                       "targets.csv 第3行 列「rep_id」", "S9999"),
    "task owner not in org": (lambda f: edit(f, "tasks.csv", 5, "王芳", "王小芳"),
                              "tasks.csv 第5行 列「负责人」", "王小芳"),
    "unknown level": (lambda f: edit(f, "notes.csv", 2, "company", "division"),
                      "notes.csv 第2行 列「level」", "division"),
    "unknown section": (lambda f: edit(f, "notes.csv", 3, "strategy", "plan"),
                        "notes.csv 第3行 列「section」", "plan"),
    "unknown unit": (lambda f: edit(f, "notes.csv", 23, "华东区", "华北区"),
                     "notes.csv 第23行 列「unit」", "华北区"),
    "unknown unit in applies_to": (lambda f: edit(f, "notes.csv", 6, ",华南区", ",华北区"),
                                   "notes.csv 第6行 列「applies_to」", "华北区"),
    "unknown cause": (lambda f: edit(f, "notes.csv", 7, ",客观,", ",不确定,"),
                      "notes.csv 第7行 列「cause」", "不确定"),
    "duplicate row": (lambda f: append(f, "targets.csv", "2025/10,S1001,销售额,1"),
                      "targets.csv 第119行 列「metric」", "第62行"),
    "missing column": (lambda f: (f / "actuals.csv").write_text(
        (f / "actuals.csv").read_text(encoding="utf-8").replace("actual,base", "amount,base", 1), encoding="utf-8"),
        "actuals.csv 第1行 列「actual」", "缺少必需的列"),
    "unreadable file": (lambda f: (f / "targets_extra.xlsx").write_bytes(b"this is not a workbook"),
                        "targets_extra.xlsx", "无法读取"),
    "missing org": (lambda f: (f / "org.csv").unlink(), "org.csv", "缺少必需的输入文件"),
    "bad email": (lambda f: edit(f, "org.csv", 2, "zhang.wei@example.com", "zhang.wei"),
                  "org.csv 第2行 列「email」", "zhang.wei"),
    "team in two regions": (lambda f: edit(f, "org.csv", 13, "华南区", "华东区"),
                            "org.csv 第13行 列「region」", "深圳组"),
    "blank required cell": (lambda f: edit(f, "actuals.csv", 2, "S1001", ""),
                            "actuals.csv 第2行 列「rep_id」", "不能为空"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_reported_precisely_and_nothing_is_written(case, inputs_copy, tmp_path):
    damage, where, detail = CASES[case]
    damage(inputs_copy)
    outputs = tmp_path / "outputs"
    (outputs / "2025-10").mkdir(parents=True)
    (outputs / "2025-10" / "earlier.docx").write_bytes(b"the earlier good report")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 2
    message = next(line for line in result.stderr.splitlines() if where in line)
    assert detail in message
    assert "Traceback" not in result.output
    assert sorted(p.name for p in outputs.rglob("*")) == ["2025-10", "earlier.docx"]
    assert (outputs / "2025-10" / "earlier.docx").read_bytes() == b"the earlier good report"


def test_every_problem_is_reported_in_one_pass(inputs_copy):
    for case in ("not a number", "unknown metric", "task owner not in org", "unknown section"):
        CASES[case][0](inputs_copy)
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    for case in ("not a number", "unknown metric", "task owner not in org", "unknown section"):
        assert CASES[case][1] in result.stderr
    assert "4 个问题" in result.stderr


def test_a_header_written_in_chinese_is_named_as_written(inputs_copy):
    edit(inputs_copy, "tasks.csv", 3, "2025-10-28", "下周")
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert "tasks.csv 第3行 列「计划完成时间」 值「下周」：不是日期" in result.stderr


@pytest.mark.parametrize("change, warning", [
    (lambda f: edit(f, "actuals.csv", 83, "38%,12", "38%,"), "S1001 张伟 的「老客户复购率」没有正的基数（base）"),
    (lambda f: edit(f, "targets.csv", 62, "200000", "0"), "目标为0"),
    (lambda f: edit(f, "actuals.csv", 62, "2025-10,S1001,sales,223500,", ""), "缺少「销售额」的实际完成数据"),
    (lambda f: edit(f, "targets.csv", 62, "2025-10,S1001,sales,200000", ""), "缺少「销售额」的月度目标"),
])
def test_warnings_go_on_and_strict_stops(change, warning, inputs_copy, tmp_path):
    change(inputs_copy)
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "a")
    assert result.exit_code == 0 and warning in result.stderr
    strict = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "b", "--strict")
    assert strict.exit_code == 2 and warning in strict.stderr and not (tmp_path / "b" / "2025-10").exists()


def test_a_duplicate_row_names_rep_month_metric_and_both_lines(inputs_copy):
    append(inputs_copy, "targets.csv", "2025-10,S1002,sales,190000")
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ("targets.csv 第119行 列「metric」 值「销售额」：与 targets.csv 第63行 重复：2025-10 S1002 王芳 的「销售额」"
            "出现两次") in result.stderr
