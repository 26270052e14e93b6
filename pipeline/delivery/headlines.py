"""The headline a mail carries: each unit's achievement of its first metrics, with the summary's colours."""
from __future__ import annotations

from pipeline.delivery.mail import HeadlineItem, UnitHeadline
from pipeline.delivery.planning import Mail
from pipeline.documents import formats
from pipeline.inputs.catalog import Catalog
from pipeline.months import range_label
from pipeline.status import status_fill, status_text

HEADLINE_METRICS = 3


def rows_by_unit(metrics_rows: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    """metrics.csv rows by (month, level, unit), in file order: each mail looks up its units."""
    index: dict[tuple[str, str, str], list[dict]] = {}
    for row in metrics_rows:
        index.setdefault((row["month"], row["level"], row["unit"]), []).append(row)
    return index


def headlines(mail: Mail, by_unit: dict[tuple[str, str, str], list[dict]], months: list[str],
              labels: dict[str, str], catalog: Catalog | None = None, by_month: bool = False) -> list[UnitHeadline]:
    """Each unit's achievement of its first metrics in each of `months`, with the summary's
    colours; before any actual (a plans-only month), its targets. `by_month` (a mail of a range
    of months): each month named, a unit without rows in it left out."""
    result = []
    for month, (level, unit) in ((month, unit) for month in months or [""] for unit in mail.units):
        rows = by_unit.get((month, level, unit), [])[:HEADLINE_METRICS]
        if not rows and by_month:
            continue
        planned = bool(rows) and catalog is not None and not any(r["actual"] for r in rows)
        if planned:
            items = tuple(HeadlineItem(r["metric_name"], "目标" + formats.figure(float(r["target"]), catalog[r["metric"]]),
                                       "", "FFFFFF") for r in rows if r["target"] and r["metric"] in catalog)
        else:
            items = tuple(HeadlineItem(r["metric_name"], formats.achievement(float(r["achievement"]) if r["achievement"] else None),
                                       status_text(r["status"]), status_fill(r["status"])) for r in rows)
        result.append(UnitHeadline(labels.get(unit, unit) if level == "rep" else unit, items, planned,
                                   range_label(month) if by_month and month else ""))
    return result
