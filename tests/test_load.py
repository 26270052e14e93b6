"""Real exports in: encodings, Excel, Chinese headers, messy numbers and months give the same figures."""
import csv
import datetime as dt
import json
import random
import shutil

import pandas as pd
from openpyxl import Workbook

from pipeline.inputs.catalog import Catalog
from pipeline.inputs.load import decode, family_files, read_table
from pipeline.inputs import schema
from pipeline.inputs.validate import validate_figures, validate_org
from pipeline.inputs.values import parse_amount, parse_month, parse_number

from .conftest import SAMPLE_INPUTS, invoke


def read_rows(name):
    with (SAMPLE_INPUTS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path, header, rows, encoding):
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow([])  # a blank line, as hand-edited exports have
        writer.writerows(rows)


def wan(amount: str) -> str:
    return f"{int(amount) / 10000:g}万"


def messy_copy(folder):
    """The sample inputs as a Chinese Windows user's CRM and Excel would hand them over."""
    folder.mkdir()
    org = read_rows("org.csv")
    write_csv(folder / "org.csv", [" 区域 ", "姓名", "入职日期", "工号", "团队", "邮箱"],
              [[r["region"], r["rep_name"], "2020-01-01", r["rep_id"], r["team"], r["email"]] for r in org], "gbk")

    targets = read_rows("targets.csv")
    money = {"sales", "collection"}
    names = {"sales": "销售额", "new_customers": "新客户开发数量", "repurchase_rate": "老客户复购率",
             "collection": "回款金额", "events": "活动参与量"}
    september = [r for r in targets if r["month"] == "2025-09"]
    write_csv(folder / "targets_2025-09.csv", ["月份", "员工编号", "核心指标", "月度目标"],
              [["2025年9月", r["rep_id"], names[r["metric"]],
                f"¥{int(r['target']):,}" if r["metric"] in money else r["target"]] for r in september],
              "utf-8-sig")
    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "指标", "目标", "月份"])
    for number, r in enumerate(r for r in targets if r["month"] == "2025-10"):
        month = [dt.datetime(2025, 10, 1), "2025/10", "2025-10-01", "2025年10月"][number % 4]
        if r["metric"] in money:
            value = wan(r["target"]) + ("元" if number % 2 else "")
        elif r["metric"] == "repurchase_rate":
            value = float(r["target"].rstrip("%")) / 100  # an Excel percent cell holds the fraction
        else:
            value = int(r["target"])
        sheet.append([r["rep_id"], r["metric"] if number % 2 else names[r["metric"]], value, month])
        if r["metric"] == "repurchase_rate":
            sheet.cell(sheet.max_row, 3).number_format = "0%"
    book.save(folder / "targets.xlsx")
    (folder / "targets_2025-11.csv").write_bytes((SAMPLE_INPUTS / "targets_2025-11.csv").read_bytes())

    actuals = read_rows("actuals.csv")
    write_csv(folder / "actuals.csv", ["月份", "工号", "指标", "实际完成", "基数"],
              [[r["month"].replace("-", "年") + "月", r["rep_id"], r["metric"],
                f"{int(r['actual']):,}元" if r["metric"] in money else r["actual"], r["base"]] for r in actuals],
              "gb18030")
    tasks = read_rows("tasks.csv")
    write_csv(folder / "tasks.csv", ["负责人", "计划完成时间", "具体任务描述", "核心指标", "月份", "完成标准", "备注"],
              [[r["负责人"], r["计划完成时间"][5:7].lstrip("0") + "月" + r["计划完成时间"][8:].lstrip("0") + "日",
                r["具体任务描述"], r["核心指标"], r["月份"], r["完成标准"], r["备注"]] for r in tasks], "gbk")
    (folder / "notes.csv").write_bytes((SAMPLE_INPUTS / "notes.csv").read_text(encoding="utf-8").encode("gb18030"))
    for name in ("targets_history.csv", "actuals_history.csv", "targets_process.csv", "actuals_process.csv"):
        (folder / name).write_bytes((SAMPLE_INPUTS / name).read_bytes())  # earlier months, process metrics
    for name in ("targets_segments.csv", "actuals_segments.csv"):  # October's sales by product line
        (folder / name).write_bytes((SAMPLE_INPUTS / name).read_text(encoding="utf-8").encode("gbk"))
    for path in SAMPLE_INPUTS.glob("opportunit*.csv"):  # the opportunity exports (issue 26)
        (folder / path.name).write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    return folder


def test_a_messy_export_gives_the_same_figures_and_documents(tmp_path, sample_report):
    messy = messy_copy(tmp_path / "messy")
    clean_out, messy_out = sample_report.parent, tmp_path / "messy_out"  # the clean one rendered once per session
    messy_out.mkdir(parents=True, exist_ok=True)
    shutil.copy(clean_out / ".fields.key", messy_out)  # the same key signs the same fill-in fields
    result = invoke("report", "--month", "2025-10", "--inputs", messy, "--outputs", messy_out)
    assert result.exit_code == 0, result.stderr
    clean_csv = (clean_out / "2025-10" / "metrics.csv").read_bytes()
    assert (messy_out / "2025-10" / "metrics.csv").read_bytes() == clean_csv
    documents = [json.loads((out / "2025-10" / "manifest.json").read_text(encoding="utf-8"))["documents"]
                 for out in (clean_out, messy_out)]
    assert documents[0] == documents[1]  # same paths, same sha256: the same documents byte for byte
    inputs = json.loads((messy_out / "2025-10" / "manifest.json").read_text(encoding="utf-8"))["inputs"]
    assert {f["path"] for f in inputs} >= {"targets.xlsx", "targets_2025-09.csv", "org.csv"}


def test_utf8_is_tried_before_gb18030():
    text = "区域,姓名"
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode(text.encode("gbk")) == text


def test_a_family_is_every_matching_csv_and_xlsx(tmp_path):
    for name in ["targets.csv", "targets_2025-10.csv", "targets-q4.xlsx", "targets2.csv", "old_targets.csv",
                 "~$targets.xlsx", "targets.txt"]:
        (tmp_path / name).write_text("")
    assert [p.name for p in family_files(tmp_path, schema.TARGETS)] == \
           ["targets-q4.xlsx", "targets.csv", "targets_2025-10.csv"]


def test_metric_catalog_adds_a_lower_metric_and_a_ratio(tmp_path, inputs_copy):
    (inputs_copy / "metric_catalog.csv").write_text(
        "key,name,unit,kind,direction\ncycle,销售周期,天,sum,越低越好\nwin_rate,赢单率,%,ratio,higher\n",
        encoding="utf-8")
    with (inputs_copy / "targets.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1001,销售周期,20\n2025-10,S1001,win_rate,30%\n")
    with (inputs_copy / "actuals.csv").open("a", encoding="utf-8") as handle:
        handle.write("2025-10,S1001,cycle,25,\n2025-10,S1001,赢单率,0.36,10\n")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out" / "2025-10" / "metrics.csv").read_text(encoding="utf-8-sig")
                               .splitlines()))
    cycle = next(r for r in rows if (r["unit"], r["metric"]) == ("S1001", "cycle"))
    assert (cycle["achievement"], cycle["status"], cycle["metric_name"]) == ("0.8", "missed", "销售周期")
    win = next(r for r in rows if (r["level"], r["metric"]) == ("company", "win_rate"))
    assert (win["target"], win["actual"], win["achievement"]) == ("0.3", "0.36", "1.2")


# A big export is read column by column (pyarrow, each distinct cell parsed once); every row
# must come out as the row-by-row rules of values.py read it, at its spreadsheet line.

AMOUNT_FORMS = [
    lambda rng: str(rng.randrange(10**9)),
    lambda rng: f"{rng.randrange(10**6)}.{rng.randrange(10**9):09d}"[:rng.randint(3, 18)].rstrip("."),
    lambda rng: f"-{rng.randrange(10**5)}",
    lambda rng: f"{rng.randrange(1, 10**7):,}",
    lambda rng: f"¥{rng.randrange(1, 10**7):,}.50",
    lambda rng: f"{rng.randrange(1, 999)}万",
    lambda rng: f"{rng.randrange(1, 10**6)}元",
    lambda rng: "1.500",
]
RATE_FORMS = [lambda rng: f"{rng.randrange(101)}%", lambda rng: f"0.{rng.randrange(100):02d}", lambda rng: "1"]
REFUSED_FORMS = [
    lambda rng: f"{rng.randrange(10**15, 10**17)}.5",  # out of range
    lambda rng: "1,2,3",  # misplaced separators
    lambda rng: "四十五",
    lambda rng: "45",  # in a rate column: asks for 45% (money: 45 元)
]
MONTH_FORMS = ["{y}-{m:02d}", "{y}/{m}", "{y}年{m}月", "{y}{m:02d}", "{y}-{m:02d}-01"]


def big_actuals(path, rows: int, damage=None, refused=False) -> list[tuple[int, list[str]]]:
    """An actuals CSV of `rows` rows as exports write them — month and amount forms, metric
    keys and names, rates, optional bases, blank lines, a notes column with commas, quotes and
    line breaks, CRLF — and each data row's (spreadsheet line, cells). `refused`: some amounts
    are refused too; `damage(row, cells)` may change the cells of data row `row` (from 0)."""
    rng = random.Random(10)
    reps = [r["rep_id"] for r in read_rows("org.csv")]
    slots = [("sales", "销售额"), ("new_customers",), ("repurchase_rate", "老客户复购率"), ("collection",), ("events",)]
    records, written = [["月份", "工号", "指标", "实际完成", "基数", "备注"]], []
    for number in range(rows):
        if rng.random() < 0.02:  # a blank line, or one of blank cells: a line of its own in a spreadsheet
            records.append(rng.choice([[], [""] * 6, ["", " ", "", "\u3000", "", ""]]))
        month_number, rest = divmod(number, len(reps) * len(slots))
        rep, slot = reps[rest // len(slots)], rest % len(slots)
        forms = (RATE_FORMS if slot == 2 else AMOUNT_FORMS) + (REFUSED_FORMS if refused else [])
        cells = [rng.choice(MONTH_FORMS).format(y=1900 + month_number // 12, m=month_number % 12 + 1),
                 rep, rng.choice(slots[slot]), rng.choice(forms)(rng),
                 rng.choice(["", "", str(rng.randrange(1, 99)), f"{rng.randrange(1, 9)}.5"]),
                 rng.choice(["", "", "回款, 延迟", '客户说"下月"', "第一行\n第二行"])]
        if damage:
            damage(number, cells)
        records.append(cells)
        written.append((len(records), cells))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(records)
    return written


def reference(rows, file: str) -> tuple[pd.DataFrame, list[int]]:
    """What the row-by-row rules make of valid `rows` — values.py's parsers, a cell at a time —
    and the lines of those whose amount they refuse."""
    catalog, out, refused = Catalog(), [], []
    for line, (month, rep, name, amount, base, _) in rows:
        metric = catalog.resolve(name)
        try:
            actual = parse_amount(amount, metric)
        except ValueError:
            refused.append(line)
            continue
        out.append({"month": parse_month(month), "rep_id": rep, "metric": metric.key, "actual": actual,
                    "base": parse_number(base) if base else None, "segment": "", "_file": file, "_line": line})
    return pd.DataFrame.from_records(out).astype({"actual": "float64", "base": "float64"}), refused


def read_actuals(folder):
    problems = []
    org = validate_org(read_table(folder, schema.ORG, problems, []), problems)
    table = read_table(folder, schema.ACTUALS, problems, [])
    return validate_figures(table, "actual", Catalog(), org, problems), problems


def test_a_big_export_reads_as_the_row_by_row_rules_do(tmp_path):
    (tmp_path / "org.csv").write_bytes((SAMPLE_INPUTS / "org.csv").read_bytes())
    rows = big_actuals(tmp_path / "actuals_big.csv", 50_000, refused=True)
    expected, refused = reference(rows, "actuals_big.csv")
    frame, problems = read_actuals(tmp_path)
    assert len(refused) > 1000
    assert [p.line for p in problems] == refused and {p.column for p in problems} == {"实际完成"}
    pd.testing.assert_frame_equal(frame, expected)


def test_problems_far_down_a_big_export_name_their_own_line(inputs_copy):
    kept = {}

    def damage(row, cells):
        if row == 30_000:
            cells[3] = "十三万"
        elif row == 45_000:
            cells[1] = "S9999"
        elif row == 47_000:
            kept["cells"] = cells
        elif row == 48_000:  # the same month, rep and metric again
            cells[:4] = kept["cells"][:4]

    rows = big_actuals(inputs_copy / "actuals_big.csv", 50_000, damage)
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    assert result.stderr.count("\n  - ") == 3, result.stderr
    assert (f"actuals_big.csv 第{rows[30_000][0]}行 列「实际完成」 值「十三万」：不是数字，"
            "应写作 1850000、1,850,000、¥1,850,000 或 185万") in result.stderr
    assert f"actuals_big.csv 第{rows[45_000][0]}行 列「工号」 值「S9999」：org.csv 中没有这个工号" in result.stderr
    assert (f"actuals_big.csv 第{rows[48_000][0]}行 列「指标」 值「{Catalog().resolve(rows[48_000][1][2]).name}」："
            f"与 actuals_big.csv 第{rows[47_000][0]}行 重复") in result.stderr
