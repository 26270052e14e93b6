"""The metrics workbook attached to a mail (SALESREPORT_ATTACH=xlsx): the recipient's units, one row
per unit and metric, as numbers a spreadsheet can compute with, shown as the documents write them.

Money in 万元 and rates as fractions, each cell with the number format that shows it as the
documents do (`185万元`, `123.46万元`, `92.5%`, `80%`, `12家`); differences signed (`+9次`,
`−3.2万元`), a rate's in percentage points (stored as points: `−3个百分点`). Beside the names, the
keys of metrics.csv (`level`, `unit`, `metric`), so the sheet joins with it. The header row is
frozen and repeated on every printed page, which is A4 landscape, fitted to the page width;
achievement and status are shaded as in the documents. Text is always written as text, never
as a formula, whatever a unit's name starts with.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import xlsxwriter

from pipeline.documents import formats as shown
from pipeline.inputs.catalog import YUAN_PER_WAN, Catalog, Metric
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.status import status_fill, status_text

HEADERS = ("层级", "level", "对象", "unit", "核心指标", "metric", "月度目标", "实际完成", "差异", "达成率", "状态",
           "上月实际", "环比", "有目标人数", "已报人数", "本年累计目标", "本年累计实际", "本年累计达成率", "去年同期实际",
           "同比变化", "本年累计月份")
WIDTHS = (7, 9, 14, 10, 14, 15, 11, 11, 12, 9, 11, 11, 12, 9, 8, 12, 12, 12, 12, 12, 14)
# (column, metrics.csv key, how it is shown): a figure, a signed difference, or an achievement
COLUMNS = ((6, "target", "figure"), (7, "actual", "figure"), (8, "variance", "change"),
           (9, "achievement", "rate"), (11, "prev_actual", "figure"), (12, "mom_change", "change"),
           (15, "ytd_target", "figure"), (16, "ytd_actual", "figure"), (17, "ytd_achievement", "rate"),
           (18, "yoy_actual", "figure"), (19, "yoy_change", "change"))
STATUS, COUNTS, YTD_MONTHS = 10, ((13, "targeted"), (14, "reported")), 20
FIXED_TIME = dt.datetime(2000, 1, 1)  # the same metrics give the same bytes
A4 = 9  # Excel's paper size code


def file_name(month: str) -> str:
    return f"{month}_销售指标.xlsx"


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _decimals(text: str) -> int:
    found = re.search(r"\.(\d+)", text)
    return len(found.group(1)) if found else 0


def _format(decimals: int, suffix: str, signed: bool) -> str:
    """An Excel number format of `decimals` places and `suffix` (`"万元"`, `%`); `signed`: `+` above
    zero and the minus sign `−` below, as the documents write a difference."""
    body = "0" + ("." + "0" * decimals if decimals else "")
    if not signed:
        return body + suffix
    return f'+{body}{suffix};"{shown.MINUS}"{body}{suffix};0{suffix}'


def cell_value(value: float, metric: Metric | None, how: str) -> tuple[float, str]:
    """The value as stored and its number format, so Excel shows what the documents show:
    money in 万元, a rate (and an achievement) as percent, a rate's difference in 个百分点
    (stored as points), a count with its counting word; as many decimals as the documents print."""
    if how == "rate" or (metric is not None and metric.is_rate and how == "figure"):
        return value, _format(_decimals(shown.percent(value)), "%", False)
    if metric is None:
        return value, "General"
    signed = how == "change"
    if metric.is_rate:  # a difference of rates: percentage points
        points = float(shown.plain_number(value * 100, 1))
        return points, _format(_decimals(shown.change(value, metric)), '"个百分点"', True)
    text = shown.change(value, metric) if signed else shown.figure(value, metric)
    stored = value / YUAN_PER_WAN if metric.is_money else value
    return stored, _format(_decimals(text), f'"{metric.unit}"', signed)


class _Formats:
    """XlsxWriter formats, made once per distinct look."""

    def __init__(self, workbook):
        self.workbook, self.made = workbook, {}

    def __call__(self, num_format: str | None = None, fill: str | None = None, bold: bool = False):
        key = (num_format, fill, bold)
        if key not in self.made:
            spec = {"border": 1, "border_color": "#BFBFBF"}
            if num_format:
                spec["num_format"] = num_format
            if fill:
                spec |= {"bg_color": f"#{fill}", "pattern": 1}
            if bold:
                spec |= {"bold": True, "align": "center", "valign": "vcenter"}
            self.made[key] = self.workbook.add_format(spec)
        return self.made[key]


def metrics_workbook(month: str, rows: list[dict], units: list[tuple[str, str]], labels: dict[str, str],
                     catalog: Catalog) -> bytes:
    """The .xlsx bytes: `rows` (metrics.csv's, unguarded) of `units`, in the units' order."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    workbook.set_properties({"title": f"{month} 销售指标", "author": "salesreport", "created": FIXED_TIME})
    sheet = workbook.add_worksheet(f"{month} 指标")
    formats = _Formats(workbook)
    for column, (header, width) in enumerate(zip(HEADERS, WIDTHS)):
        sheet.write_string(0, column, header, formats(fill="D9E1F2", bold=True))
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    sheet.repeat_rows(0)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)  # as wide as one page, as many pages long as it takes
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    line = 1
    for level, unit in units:
        label = labels.get(unit, unit) if level == "rep" else unit
        for row in (r for r in rows if (r["level"], r["unit"]) == (level, unit)):
            _write_row(sheet, formats, line, row, (LEVEL_NAMES[level], level, label, unit), catalog)
            line += 1
    sheet.autofilter(0, 0, max(line - 1, 1), len(HEADERS) - 1)
    workbook.close()
    return buffer.getvalue()


def _write_row(sheet, formats: _Formats, line: int, row: dict, names: tuple[str, ...], catalog: Catalog) -> None:
    metric = catalog[row["metric"]] if row["metric"] in catalog else None
    fill = status_fill(row["status"])
    for column, text in enumerate((*names, row["metric_name"], row["metric"])):
        sheet.write_string(line, column, text, formats())
    for column, key, how in COLUMNS:
        value = _number(row.get(key, ""))
        shade = fill if key == "achievement" else None
        if value is None:
            sheet.write_blank(line, column, None, formats(fill=shade))
        else:
            stored, number_format = cell_value(value, metric, how)
            sheet.write_number(line, column, stored, formats(number_format, shade))
    sheet.write_string(line, STATUS, status_text(row["status"]), formats(fill=fill))
    sheet.write_string(line, YTD_MONTHS, row.get("ytd_months", "") or "", formats())  # the months the year to date covers
    for column, key in COUNTS:
        count = _number(row.get(key, ""))
        if count is None:
            sheet.write_blank(line, column, None, formats())
        else:
            sheet.write_number(line, column, count, formats("0"))
