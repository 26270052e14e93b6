"""The metrics workbook attached to a mail (SALESREPORT_ATTACH=xlsx): the recipient's units, one row
per unit and metric, as numbers a spreadsheet can compute with.

Money in 万元 and rates as fractions, each with its number format (`185.00万元`, `92.5%`, `12家`);
the header row is frozen; achievement and status are shaded as in the documents. Text is always
written as text, never as a formula, whatever a unit's name starts with.
"""
from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from pipeline.status import status_fill, status_text
from pipeline.inputs.catalog import MONEY, YUAN_PER_WAN, Catalog
from pipeline.inputs.schema import LEVEL_NAMES

HEADERS = ("层级", "对象", "核心指标", "月度目标", "实际完成", "差异", "达成率", "状态", "上月实际", "环比",
           "有目标人数", "已报人数", "本年累计目标", "本年累计实际", "本年累计达成率", "去年同期实际", "同比变化", "本年累计月份")
WIDTHS = (8, 18, 16, 14, 14, 14, 10, 12, 14, 14, 11, 10, 14, 14, 14, 14, 14, 20)
FIGURES = ("target", "actual", "variance", None, None, "prev_actual", "mom_change")  # columns 4–10
HISTORY = ("ytd_target", "ytd_actual", None, "yoy_actual", "yoy_change")  # columns 13–17 (metrics.csv's last five)
FIXED_TIME = dt.datetime(2000, 1, 1)  # the same metrics give the same bytes


def file_name(month: str) -> str:
    return f"{month}_销售指标.xlsx"


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _figure_format(unit: str, value: float) -> tuple[float, str]:
    """The value as stored and its number format, by the metric's unit."""
    if unit == MONEY:
        return value / YUAN_PER_WAN, f'#,##0.00"{MONEY}"'
    if unit == "%":
        return value, "0.0%"
    suffix = f'"{unit}"' if unit else ""
    return value, (f"#,##0{suffix}" if float(value).is_integer() else f"#,##0.00{suffix}")


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
    line = 1
    for level, unit in units:
        label = f"{labels[unit]}({unit})" if level == "rep" and unit in labels else unit
        for row in (r for r in rows if (r["level"], r["unit"]) == (level, unit)):
            _write_row(sheet, formats, line, row, LEVEL_NAMES[level], label, catalog)
            line += 1
    sheet.autofilter(0, 0, max(line - 1, 1), len(HEADERS) - 1)
    workbook.close()
    return buffer.getvalue()


def _write_row(sheet, formats: _Formats, line: int, row: dict, level: str, label: str, catalog: Catalog) -> None:
    unit = catalog[row["metric"]].unit if row["metric"] in catalog else ""
    fill = status_fill(row["status"])
    for column, text in enumerate((level, label, row["metric_name"])):
        sheet.write_string(line, column, text, formats())
    for first, keys in ((3, FIGURES), (12, HISTORY)):
        for offset, key in enumerate(keys):
            if key is not None:
                _write_figure(sheet, formats, line, first + offset, _number(row.get(key, "")), unit)
    for column, key, shade in ((6, "achievement", fill), (14, "ytd_achievement", None)):
        achievement = _number(row.get(key, ""))
        if achievement is None:
            sheet.write_blank(line, column, None, formats(fill=shade))
        else:
            sheet.write_number(line, column, achievement, formats("0.0%", shade))
    sheet.write_string(line, 7, status_text(row["status"]), formats(fill=fill))
    sheet.write_string(line, 17, row.get("ytd_months", "") or "", formats())  # the months the year to date covers
    for column, key in ((10, "targeted"), (11, "reported")):
        count = _number(row.get(key, ""))
        if count is None:
            sheet.write_blank(line, column, None, formats())
        else:
            sheet.write_number(line, column, count, formats("0"))


def _write_figure(sheet, formats: _Formats, line: int, column: int, value: float | None, unit: str) -> None:
    if value is None:
        sheet.write_blank(line, column, None, formats())
    else:
        stored, num_format = _figure_format(unit, value)
        sheet.write_number(line, column, stored, formats(num_format))
