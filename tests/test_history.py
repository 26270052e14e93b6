"""Beyond the month (issue 12): year to date, same month last year, the trend, process metrics.

Expected figures are summed by hand from the sample files (inputs/targets*.csv, actuals*.csv),
never taken from the code under test.
"""
import csv
import io
import zipfile

import pytest
from docx import Document
from lxml import etree

from .conftest import SAMPLE_INPUTS, invoke
from .docx_reading import fill, table_with_header, tables
from .test_charts import charts
from .test_documents import document

HISTORY = ["核心指标", "本年累计目标", "本年累计实际", "累计达成率", "累计月份", "去年同期实际", "同比变化"]
TREND = ["月份", "销售额目标", "销售额实际", "销售额达成率", "新客户开发数量达成率", "老客户复购率达成率"]
C = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
MONTHS_2025 = [f"2025-{m:02d}" for m in range(1, 11)]


ENGLISH = {"月份": "month", "工号": "rep_id", "指标": "metric", "目标": "target", "实际": "actual", "产品线": "segment"}


def sample_rows(family: str) -> list[dict]:
    """Every row of the sample's `targets*` or `actuals*` files, headers in English (a rep's figure
    given by product line in *_segments.csv is the sum of its rows)."""
    rows = []
    for path in sorted(SAMPLE_INPUTS.glob(f"{family}*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            rows += [{ENGLISH.get(key, key): value for key, value in row.items()} for row in csv.DictReader(handle)]
    return rows


def summed(family: str, column: str, metric: str, months: list[str], reps=None) -> float:
    return sum(float(r[column]) for r in sample_rows(family)
               if r["metric"] == metric and r["month"] in months and (reps is None or r["rep_id"] in reps))


def metrics_row(sample_report, level: str, unit: str, metric: str) -> dict:
    with (sample_report / "metrics.csv").open(encoding="utf-8-sig") as handle:
        return next(r for r in csv.DictReader(handle) if (r["level"], r["unit"], r["metric"]) == (level, unit, metric))


def test_year_to_date_sums_add_up_january_to_the_month(sample_report):
    target = summed("targets", "target", "sales", MONTHS_2025)
    actual = summed("actuals", "actual", "sales", MONTHS_2025)
    assert (target, actual) == (17_720_000, 16_936_000)  # 392万 + 1380万; 361.2万 + 1332.4万
    row = metrics_row(sample_report, "company", "公司", "sales")
    assert (row["ytd_target"], row["ytd_actual"]) == ("17720000", "16936000")
    assert float(row["ytd_achievement"]) == pytest.approx(16_936_000 / 17_720_000)
    team = ["S1004", "S1005", "S1006"]  # 杭州组
    row = metrics_row(sample_report, "team", "杭州组", "sales")
    assert float(row["ytd_actual"]) == summed("actuals", "actual", "sales", MONTHS_2025, team)


def test_year_to_date_of_a_rate_is_weighted_by_the_bases_of_every_month_and_member(sample_report):
    actuals = [r for r in sample_rows("actuals") if r["metric"] == "repurchase_rate"]
    base = {(r["month"], r["rep_id"]): float(r["base"]) for r in actuals}
    weighted_actual = sum(float(r["actual"].rstrip("%")) / 100 * base[r["month"], r["rep_id"]] for r in actuals)
    targets = [r for r in sample_rows("targets") if r["metric"] == "repurchase_rate" and r["month"] in MONTHS_2025]
    weighted_target = sum(float(r["target"].rstrip("%")) / 100 * base[r["month"], r["rep_id"]] for r in targets)
    assert sum(base.values()) == 198 and weighted_actual == pytest.approx(62.67)  # Sep and Oct, 12 reps each
    row = metrics_row(sample_report, "company", "公司", "repurchase_rate")
    assert float(row["ytd_actual"]) == pytest.approx(62.67 / 198)  # 31.7%, not the plain mean of the rates
    assert float(row["ytd_target"]) == pytest.approx(weighted_target / 198)


def test_summary_shows_year_to_date_and_last_year_beside_the_month(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    rows = {row[0]: row for row in table_with_header(path, HISTORY)[1:]}
    # last October: the 12 reps' sales in actuals_history.csv add up to 161.65万元; 185 − 161.65 = +23.35 (+14.4%)
    assert summed("actuals", "actual", "sales", ["2024-10"]) == 1_616_500
    assert rows["销售额"] == ["销售额", "1772万元", "1693.6万元", "95.6%", "1–10月", "161.65万元", "+23.35万元（+14.4%）"]
    assert summed("actuals", "actual", "new_customers", ["2024-10"]) == 13
    assert rows["新客户开发数量"][5:] == ["13家", "\u22121家（\u22127.7%）"]  # minus sign U+2212  # 12 this October
    assert rows["老客户复购率"][5:] == ["—", "—"]  # the inputs hold no October 2024 rate
    # sales runs from January, the rates from September: the caption claims no span for all of them
    captions = "\n".join(p.text for p in Document(path).paragraphs)
    assert "本年累计（2025年，各项所含月份见“累计月份”列）与去年同期（2024年10月）：" in captions
    assert "2025年1–10月" not in captions


def test_missing_months_of_the_year_are_named(sample_report):
    path = document(sample_report, "company", "公司", "summary")
    rows = {row[0]: row for row in table_with_header(path, HISTORY)[1:]}
    # no new-customer rows for March 2025 in the sample: 119 targets, 129 actuals over nine months
    assert not [r for r in sample_rows("actuals") if r["metric"] == "new_customers" and r["month"] == "2025-03"]
    assert summed("targets", "target", "new_customers", MONTHS_2025) == 119
    assert rows["新客户开发数量"][1:5] == ["119家", "129家", "108.4%", "1–10月，缺3月"]
    # a metric whose data starts later names the months it covers, not a year with a hole in it
    assert rows["回款金额"][4] == "9–10月"  # only September and October
    assert rows["拜访次数"][4] == "8–10月"  # August to October
    rep = {row[0]: row for row in table_with_header(document(sample_report, "rep", "S1012", "summary"), HISTORY)[1:]}
    assert rep["活动参与量"][4] == "9–10月，缺10月"  # 孙浩 reported September only


def test_year_to_date_with_a_gap_is_incomplete_not_missed(sample_report):
    table = next(t for t in Document(document(sample_report, "company", "公司", "summary")).tables
                 if [c.text for c in t.rows[0].cells] == HISTORY)
    events = next(row for row in table.rows if row.cells[0].text == "活动参与量")
    # 24+24 targets, 22+23 actuals; 孙浩's October has a target and no actual
    assert events.cells[3].text == "93.8%（数据不全）" and fill(events.cells[3]) == "F2F2F2"
    sales = next(row for row in table.rows if row.cells[0].text == "销售额")
    assert fill(sales.cells[3]) == "FFEB9C"  # 95.6%: near


def test_same_month_last_year_in_metrics_csv(sample_report):
    row = metrics_row(sample_report, "company", "公司", "sales")
    assert (row["yoy_actual"], row["yoy_change"]) == ("1616500", "233500")
    team = ["S1001", "S1002", "S1003"]  # 上海一组
    row = metrics_row(sample_report, "team", "上海一组", "sales")
    last = summed("actuals", "actual", "sales", ["2024-10"], team)
    assert float(row["yoy_actual"]) == last
    assert float(row["yoy_change"]) == summed("actuals", "actual", "sales", ["2025-10"], team) - last
    row = metrics_row(sample_report, "company", "公司", "collection")
    assert (row["yoy_actual"], row["yoy_change"]) == ("", "")  # not in the inputs: empty, never 0


def test_trend_chart_has_one_category_per_month(sample_report):
    [_, (title, series, categories, sheet), _] = charts(document(sample_report, "company", "公司", "summary"))
    assert title == "销售额：近12个月目标与实际（万元）"
    assert categories == ["2024年11月", "12月", "2025年1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月",
                          "9月", "10月"]
    november = summed("targets", "target", "sales", ["2024-11"]) / 10000
    assert series["目标"][0] == pytest.approx(november) and series["目标"][-1] == 200
    assert series["实际"][-2:] == pytest.approx([176.2, 185])
    assert sheet[-1][:3] == ["10月", 200, 185]  # Word's "Edit Data"


def trend_inputs(folder, sales_months, rates=()):
    """Two reps in one team; sales targets and actuals of 100 and 90 each in `sales_months`;
    `rates`: (month, rep, target, actual, base) of repurchase_rate."""
    folder.mkdir()

    def table(name, header, rows):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows])

    table("org.csv", ["rep_id", "rep_name", "team", "region"], [["R1", "甲", "一组", "北区"], ["R2", "乙", "一组", "北区"]])
    table("targets.csv", ["month", "rep_id", "metric", "target"],
          [[m, r, "sales", "100"] for m in sales_months for r in ("R1", "R2")]
          + [[m, r, "repurchase_rate", t] for m, r, t, _, _ in rates])
    table("actuals.csv", ["month", "rep_id", "metric", "actual", "base"],
          [[m, r, "sales", "90", ""] for m in sales_months for r in ("R1", "R2")]
          + [[m, r, "repurchase_rate", a, b] for m, r, _, a, b in rates])
    return folder


def test_last_years_rate_changes_in_percentage_points(tmp_path):
    rates = [("2024-10", "R1", "30%", "30%", "10"), ("2024-10", "R2", "30%", "20%", "10"),
             ("2025-10", "R1", "30%", "40%", "30"), ("2025-10", "R2", "30%", "20%", "10")]
    inputs = trend_inputs(tmp_path / "in", ["2024-10", "2025-10"], rates)
    assert invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q").exit_code == 0
    path = next((tmp_path / "out" / "2025-10" / "team").glob("*总结.docx"))
    rate = next(row for row in table_with_header(path, HISTORY) if row[0] == "老客户复购率")
    # last year (30·10 + 20·10)/20 = 25%; now (40·30 + 20·10)/40 = 35%: +10 points, never "+40%"
    assert rate[5:] == ["25%", "+10个百分点"]
    with (tmp_path / "out" / "2025-10" / "metrics.csv").open(encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if (r["level"], r["metric"]) == ("team", "repurchase_rate"))
    assert (float(row["yoy_actual"]), float(row["yoy_change"])) == (pytest.approx(0.25), pytest.approx(0.10))
    sales = next(row for row in table_with_header(path, HISTORY) if row[0] == "销售额")
    assert sales[5:] == ["0.02万元", "0万元（0%）"]  # the same as last year


def test_a_month_missing_from_the_inputs_is_a_gap_in_the_chart_not_zero(tmp_path):
    inputs = trend_inputs(tmp_path / "in", ["2025-07", "2025-08", "2025-10"])  # no September
    assert invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q").exit_code == 0
    path = next((tmp_path / "out" / "2025-10" / "team").glob("*总结.docx"))
    with zipfile.ZipFile(path) as archive:
        parts = [archive.read(n) for n in archive.namelist() if n.startswith("word/charts/chart")]
    trend = next(etree.fromstring(p) for p in parts if "近4个月".encode() in p)
    categories = [v.text for v in trend.find(".//c:ser/c:cat", C).iterfind(".//c:pt/c:v", C)]
    assert categories == ["2025年7月", "8月", "9月", "10月"]
    for series in trend.iterfind(".//c:ser", C):
        points = {int(p.get("idx")): float(p.find("c:v", C).text) for p in series.iterfind("c:val//c:pt", C)}
        assert sorted(points) == [0, 1, 3]  # September has no point at all, not a zero bar
        assert 0 not in points.values()
    rows = table_with_header(path, ["月份", "销售额目标", "销售额实际", "销售额达成率", "—", "—"])
    assert rows[3] == ["2025年9月", "—", "—", "—", "—", "—"]
    assert rows[4] == ["2025年10月", "0.02万元", "0.02万元", "90%", "—", "—"]


def test_a_single_month_shows_no_trend(tmp_path):
    inputs = trend_inputs(tmp_path / "in", ["2025-10"])
    assert invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", tmp_path / "out", "-q").exit_code == 0
    path = next((tmp_path / "out" / "2025-10" / "company").glob("*总结.docx"))
    assert len(charts(path)) == 2  # achievement and members, no trend
    assert not any(t[0][0] == "月份" for t in tables(path))
    rows = table_with_header(path, HISTORY)
    assert rows[1] == ["销售额", "0.02万元", "0.02万元", "90%", "10月", "—", "—"]


def test_trend_table_gives_the_achievement_per_month(sample_report):
    rows = table_with_header(document(sample_report, "company", "公司", "summary"), TREND)[1:]
    assert [r[0] for r in rows] == ["2024年11月", "2024年12月", *[f"2025年{m}月" for m in range(1, 11)]]
    assert rows[-1] == ["2025年10月", "200万元", "185万元", "92.5%", "80%", "91.4%"]
    assert rows[4][0] == "2025年3月" and rows[4][4] == "—"  # new customers: no March figures
    target = summed("targets", "target", "new_customers", ["2025-04"])
    actual = summed("actuals", "actual", "new_customers", ["2025-04"])
    assert rows[5][4] == f"{actual / target * 100:.1f}%".replace(".0%", "%")
    assert rows[0][5] == "—"  # no rates before September 2025


def test_visits_and_follow_ups_are_in_the_catalog_and_the_documents(sample_report):
    visits = summed("actuals", "actual", "visits", ["2025-10"])
    follow_ups = summed("actuals", "actual", "follow_ups", ["2025-10"])
    assert (visits, follow_ups) == (249, 357)
    figures = {row[0]: row for row in tables(document(sample_report, "company", "公司", "summary"))[0][1:]}
    assert figures["拜访次数"][1:4] == ["240次", "249次", "103.8%"]
    assert figures["跟进次数"][1:4] == ["360次", "357次", "99.2%"]
    goals = table_with_header(document(sample_report, "team", "深圳组", "plan"),
                              ["核心指标", "月度目标", "上月目标", "上月实际", "上月达成率"])
    sept = summed("actuals", "actual", "visits", ["2025-09"], ["S1010", "S1011", "S1012"])
    assert next(r for r in goals if r[0] == "拜访次数")[1:4] == ["60次", "60次", f"{sept:g}次"]
    row = metrics_row(sample_report, "rep", "S1001", "follow_ups")
    assert row["metric_name"] == "跟进次数" and row["ytd_target"] == "90"  # 30 in each of Aug, Sep, Oct


def test_metrics_csv_ends_with_the_history_columns(sample_report):
    raw = (sample_report / "metrics.csv").read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(raw)))
    assert header[-8:] == ["targeted", "reported", "ytd_target", "ytd_actual", "ytd_achievement", "yoy_actual",
                           "yoy_change", "ytd_months"]
    assert all(len(row) == len(header) for row in csv.reader(io.StringIO(raw)))


def test_a_plans_only_month_has_no_year_to_date_yet(tmp_path):
    # November 2025 has targets and no actual: plans only, and nothing to add up or compare yet
    assert invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q").exit_code == 0
    with (tmp_path / "2025-11" / "metrics.csv").open(encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if (r["level"], r["metric"]) == ("company", "sales"))
    assert row["target"] == "2065000"
    assert [row[c] for c in ("ytd_target", "ytd_actual", "ytd_achievement", "yoy_actual", "yoy_change")] == [""] * 5
