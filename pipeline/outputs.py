"""The month's files beside the documents: metrics.csv, metrics_by_segment.csv and manifest.json,
written and read.

What they hold and how they are laid out (contract §4); `publish` decides where files go
and makes the month appear whole.
"""
from __future__ import annotations

import csv
import io
import json
import os
import secrets
from pathlib import Path

import pandas as pd

from pipeline.compute import pipeline as sales_pipeline
from pipeline.compute.model import MonthData
from pipeline.documents.history_context import ytd_period
from pipeline.errors import InputError, Problem, UsageError
from pipeline.inputs.values import formula_guarded, formula_unguarded
from pipeline.layout import Layout

METRICS_COLUMNS = ["month", "level", "unit", "metric", "metric_name", "target", "actual", "variance",
                   "achievement", "status", "prev_actual", "mom_change", "targeted", "reported",
                   # issue 12: year to date (January..month) and the same month last year
                   "ytd_target", "ytd_actual", "ytd_achievement", "yoy_actual", "yoy_change",
                   # issue 22: the months the year to date covers (`2025年7–10月`, `…，缺8月`)
                   "ytd_months"]
PLANS_ONLY_NOTICE = "尚无实际完成数据：只生成计划；总结在实际数据录入后重新运行 report 时生成"
_TEXT_COLUMNS = {"month", "level", "unit", "metric", "metric_name", "status", "segment", "ytd_months", "coverage_note"}
# metrics_by_segment.csv: metrics.csv's columns up to `status`, with `segment` after `metric`.
SEGMENT_METRICS_COLUMNS = [*METRICS_COLUMNS[:4], "segment", *METRICS_COLUMNS[4:METRICS_COLUMNS.index("status") + 1]]
# pipeline.csv (issue 26): compute.pipeline.COLUMNS after the month
PIPELINE_COLUMNS = ["month", *sales_pipeline.COLUMNS]


def metrics_rows(data: MonthData) -> pd.DataFrame:
    """The rows of metrics.csv (contract §4)."""
    catalog = data.inputs.catalog
    return data.metrics.assign(
        month=data.month,
        metric_name=data.metrics["metric"].map(lambda key: catalog[key].name),
        ytd_months=[ytd_period(int(bits), data.month) if bits else "" for bits in data.metrics["ytd_months"]],
    )[METRICS_COLUMNS]


def segment_metrics_rows(data: MonthData) -> pd.DataFrame:
    """The rows of metrics_by_segment.csv: every unit's figures by segment (none: no rows)."""
    catalog = data.inputs.catalog
    frame = data.segments
    if frame.empty:
        return pd.DataFrame(columns=SEGMENT_METRICS_COLUMNS)
    return frame.assign(month=data.month, metric_name=frame["metric"].map(lambda key: catalog[key].name)
                        )[SEGMENT_METRICS_COLUMNS]


def pipeline_rows(data: MonthData) -> pd.DataFrame:
    """The rows of pipeline.csv (issue 26): the month's pipeline coverage of every unit."""
    return data.pipeline.figures.assign(month=data.month)[PIPELINE_COLUMNS]


def _raw(value) -> str:
    """A raw figure for metrics.csv: empty when undefined, no float noise, no `.0`."""
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return ""
    number = float(value)
    if not number.is_integer():  # (a whole number is its own rounding: most figures are)
        number = round(number, 10)
    return str(int(number)) if number.is_integer() else repr(number)


def write_metrics_csv(path: Path, rows: pd.DataFrame, columns: list[str] = METRICS_COLUMNS) -> None:
    """`rows` (the contract's columns, or `columns`) as UTF-8 with BOM, so Excel opens it directly."""
    cells = [_text_cells(rows[c].tolist()) if c in _TEXT_COLUMNS else [_raw(v) for v in rows[c].tolist()]
             for c in columns]  # column by column: a whole month's rows are many
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(zip(*cells))


def _text_cells(values: list) -> list[str]:
    """Text cells, formula-guarded; each distinct value guarded once (a column repeats a few)."""
    guarded = {}
    return [guarded[v] if v in guarded else guarded.setdefault(v, formula_guarded(str(v))) for v in values]


def read_metrics_csv(path: Path) -> list[dict[str, str]]:
    """metrics.csv's rows as written: text, `'`-guarded cells and empty figures included."""
    return metrics_csv_rows(path.read_bytes())


def metrics_csv_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of metrics.csv's bytes (see `read_metrics_csv`)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def unguarded(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """metrics.csv rows with text as the inputs had it: the `'` that guards a formula-like cell removed."""
    return [{c: formula_unguarded(v) if c in _TEXT_COLUMNS else v for c, v in row.items()} for row in rows]


def manifest(data: MonthData, documents: list[dict]) -> dict:
    """manifest.json of the month (contract §4): its documents, warnings and the inputs read."""
    return {
        "month": data.month,
        "documents": documents,
        "warnings": [w.message for w in data.warnings],
        "inputs": [{"path": f.path, "sha256": f.sha256, "rows": f.rows} for f in data.inputs.files],
        **({"plans_only": True, "notice": PLANS_ONLY_NOTICE} if data.plans_only else {}),
    }


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def read_manifest(outputs_dir: Path, month: str) -> dict:
    """outputs/MONTH/manifest.json; a UsageError saying to run `report` first when there is none."""
    path = Layout(outputs_dir).manifest(month)
    if not path.is_file():
        raise no_report(month, path)
    return json.loads(path.read_text(encoding="utf-8"))


def no_report(month: str, manifest_path: Path) -> UsageError:
    """A month without a report: the manifest it lacks, and to run `report` first."""
    return UsageError(f"找不到 {month} 的报告（{manifest_path}），请先运行 salesreport report --month {month}")


def fields_key(outputs_dir: Path, create: bool = True) -> bytes | None:
    """The key that signs the fill-in fields of the documents under `outputs_dir`
    (documents.fields): read from `outputs_dir/.fields.key`, or created there once (32 random
    bytes as hex, readable by the owner only); None when there is none and `create` is false."""
    path = Layout(outputs_dir).fields_key
    if not path.exists() and not create:
        return None
    if not path.exists():
        outputs_dir.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run created it meanwhile
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError([Problem(str(path), None, None, None,
                                  "不是本工具生成的签名密钥（应为64位十六进制）；删除它会让已发出文档的填写栏无法核对")])
    return bytes.fromhex(text)
