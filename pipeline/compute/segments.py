"""Figures by segment (a product line, a customer type …): targets and actuals given per segment.

Pure. Two jobs, both done by `transform.roll_up`, so sums and base-weighted rates follow the
same rules as everywhere else:
- `collapse`: at the input edge, the rows of a (month, rep, metric) given by segment become
  the rep's one row (the sum of its segments, or their base-weighted rate), so every later
  stage sees the figures as if no segment had been given.
- `segment_figures`: per unit of every level, metric and segment, the target, actual,
  achievement and status, and each segment's share of the unit's figure. A rep whose figure
  is not split counts under UNSPLIT, so the segments of a unit add up to its total.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.compute.org import Org
from pipeline.errors import DataWarning
from pipeline.compute import transform
from pipeline.compute.plan import as_planned, earlier_bases
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.model import Inputs

UNSPLIT = "（未分细分）"
SEGMENT_COLUMNS = ["level", "unit", "metric", "segment", "target", "actual", "variance", "achievement", "status",
                   "target_share", "share", "targeted", "reported", "members"]
_KEYS = ["month", "rep_id", "metric"]
_SEP = "\x1f"  # joins a rep or unit with a segment; input text never holds it (values.clean_text drops it)


class _Members:
    """What roll_up needs of an org: each (pseudo-)rep's unit at each level."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def membership(self) -> pd.DataFrame:
        return self.frame


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows without a segment, rows with one) of validated targets or actuals."""
    if "segment" not in frame:
        return frame, frame.iloc[:0].assign(segment="")
    given = frame["segment"].fillna("") != ""
    return frame[~given].drop(columns="segment"), frame[given]


def collapsed(inputs: Inputs) -> Inputs:
    """`inputs` as validated, with the rows given by segment collapsed into their reps' rows
    (`collapse`) and kept aside as `segment_targets` / `segment_actuals`."""
    targets, actuals, segment_targets, segment_actuals = collapse(inputs.targets, inputs.actuals, inputs.catalog)
    return replace(inputs, targets=targets, actuals=actuals,
                   segment_targets=segment_targets, segment_actuals=segment_actuals)


def collapse(targets: pd.DataFrame, actuals: pd.DataFrame, catalog: Catalog
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(targets, actuals) one row per (month, rep, metric), without a segment column, and the
    rows given by segment (segment_targets, segment_actuals) as they were.

    A collapsed row keeps the file and line of its first segment row and its place in the file.
    A rate's rep figure weights its segments by their bases (targets too, as contract §1 says);
    its base is the sum of the positive bases of the segments that were weighted.
    """
    plain_t, split_t = _split(targets)
    plain_a, split_a = _split(actuals)
    if split_t.empty and split_a.empty:
        return plain_t, plain_a, split_t, split_a
    keys = [*_KEYS, "segment"]
    figures = split_t[[*keys, "target"]].merge(split_a[[*keys, "actual", "base"]], on=keys, how="outer")
    rolled = _per_rep(figures, catalog)
    weighed = figures["base"].where((figures["base"] > 0) & figures["actual"].notna())
    bases = weighed.groupby([figures[k] for k in _KEYS]).sum(min_count=1).rename("base").reset_index()

    def collapsed(split: pd.DataFrame, value: str, extra: pd.DataFrame | None) -> pd.DataFrame:
        rows = rolled.loc[rolled[value].notna(), [*_KEYS, value]]
        if extra is not None:
            rows = rows.merge(extra, on=_KEYS, how="left")
        first = split.drop_duplicates(_KEYS)
        where = first[[*_KEYS, "_file", "_line"]].assign(_order=first.index)
        return rows.merge(where, on=_KEYS).set_index("_order")

    def joined(plain: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        whole = pd.concat([plain, rows[plain.columns]]).sort_index(kind="stable")
        return whole.reset_index(drop=True).astype({c: "float64" for c in ("target", "actual", "base") if c in whole})

    return (joined(plain_t, collapsed(split_t, "target", None)),
            joined(plain_a, collapsed(split_a, "actual", bases)), split_t, split_a)


def _per_rep(figures: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Segment rows (month, rep_id, metric, segment, target, actual, base) rolled up into one row
    per (month, rep, metric), each segment counting as a member: sums add, rates weigh by base."""
    pseudo = figures["rep_id"] + _SEP + figures["segment"]
    members = pd.DataFrame({"rep_id": pseudo, "level": "segments", "unit": figures["rep_id"]}).drop_duplicates()
    rolled = transform.roll_up(figures.assign(rep_id=pseudo).drop(columns="segment"), _Members(members), catalog)
    return rolled.rename(columns={"unit": "rep_id"})


def _of_month(segment_rows: pd.DataFrame, month: str) -> pd.DataFrame:
    """`month`'s rows of segment targets or actuals (an Inputs made without them has no columns)."""
    return segment_rows[segment_rows["month"] == month] if not segment_rows.empty else segment_rows


def plan_targets(targets: pd.DataFrame, segment_targets: pd.DataFrame, segment_actuals: pd.DataFrame,
                 month: str, catalog: Catalog) -> pd.DataFrame:
    """`targets` with the rep targets of `month` given by segment weighed as a plan sees them:
    a rate's segments by each segment's latest positive base from an earlier month (their plain
    mean where none has one), not by the month's own bases as `collapse` does for the summary,
    so that a plan stays the same when the month's actuals arrive. Sums are unchanged."""
    split = _of_month(segment_targets, month)
    if split.empty:
        return targets
    bases = _planned_segments(segment_actuals, month)[["rep_id", "segment", "metric", "base"]]
    figures = split[[*_KEYS, "segment", "target"]].merge(bases, on=["rep_id", "segment", "metric"], how="left")
    rolled = _per_rep(figures.assign(actual=np.nan).astype({"target": "float64", "actual": "float64",
                                                             "base": "float64"}), catalog)
    planned = targets.merge(rolled[[*_KEYS, "target"]], on=_KEYS, how="left", suffixes=("", "_planned"))
    return targets.assign(target=planned["target_planned"].fillna(planned["target"]).to_numpy())


def plan_segment_figures(targets: pd.DataFrame, actuals: pd.DataFrame, segment_targets: pd.DataFrame,
                         segment_actuals: pd.DataFrame, org: Org, month: str, catalog: Catalog) -> pd.DataFrame:
    """`segment_figures` as a plan of `month` sees them: the targets, and no actual but, beside each
    target row, its rep's (for a segment row, its segment's) latest positive base from an earlier
    month to weigh a rate's targets. A base goes only with a target: a segment given in an earlier
    month's actuals only, or the whole base of a rep split this month, would weigh nothing."""
    split = _of_month(segment_targets, month)
    if split.empty:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    keys = ["rep_id", "segment", "metric"]
    bases = _planned_segments(segment_actuals, month)[[*keys, "base"]]
    split_bases = split[keys].drop_duplicates().merge(bases, on=keys).assign(month=month, actual=np.nan)
    unsplit = targets.loc[targets["month"] == month, ["rep_id", "metric"]].merge(
        split[["rep_id", "metric"]].drop_duplicates(), how="left", indicator=True)
    unsplit = unsplit.loc[unsplit["_merge"] == "left_only", ["rep_id", "metric"]]
    whole_bases = unsplit.merge(earlier_bases(actuals, month), on=["rep_id", "metric"]).assign(month=month, actual=np.nan)
    return segment_figures(targets, whole_bases, segment_targets, split_bases, org, month, catalog)


def _planned_segments(segment_actuals: pd.DataFrame, month: str) -> pd.DataFrame:
    """`plan.as_planned` by rep, segment and metric (no rows where no actual was given by segment)."""
    if segment_actuals.empty:
        return pd.DataFrame(columns=["rep_id", "segment", "metric", "base", "month", "actual"])
    return as_planned(segment_actuals, month, ("rep_id", "segment", "metric"))


def one_sided_warnings(targets: pd.DataFrame, actuals: pd.DataFrame, segment_targets: pd.DataFrame,
                       segment_actuals: pd.DataFrame, org: Org, month: str, catalog: Catalog) -> list[DataWarning]:
    """A rep whose target of `month` is given by segment but its actual is not (or the other way
    round): the figures add up, but the segment table can set them side by side only under UNSPLIT."""
    if segment_targets.empty and segment_actuals.empty:
        return []
    split_t = set(_of_month(segment_targets, month).reindex(columns=["rep_id", "metric"]).itertuples(index=False))
    split_a = set(_of_month(segment_actuals, month).reindex(columns=["rep_id", "metric"]).itertuples(index=False))
    given_t = set(targets.loc[(targets["month"] == month) & targets["target"].notna(), ["rep_id", "metric"]]
                  .itertuples(index=False))
    given_a = set(actuals.loc[(actuals["month"] == month) & actuals["actual"].notna(), ["rep_id", "metric"]]
                  .itertuples(index=False))
    names = dict(zip(org.frame["rep_id"], org.frame["rep_name"]))
    warnings = []
    for (rep, metric), split, other in sorted([*((key, "目标", "实际") for key in (split_t - split_a) & given_a),
                                              *((key, "实际", "目标") for key in (split_a - split_t) & given_t)]):
        warnings.append(DataWarning("rep", rep, metric, (
            f"{rep} {names.get(rep, '')} 的「{catalog[metric].name}」{split}按细分录入、{other}未细分："
            f"合计不受影响，细分表中{other}全部列在「{UNSPLIT}」下")))
    return warnings


def _with_segments(whole: pd.DataFrame, split: pd.DataFrame, month: str, columns: list[str]) -> pd.DataFrame:
    """`month`'s rows by segment: `split` as given, every other rep's row of `whole` as UNSPLIT."""
    whole, split = whole.loc[whole["month"] == month, columns], split.loc[split["month"] == month, [*columns, "segment"]]
    given = pd.MultiIndex.from_frame(split[_KEYS])
    unsplit = whole[~pd.MultiIndex.from_frame(whole[_KEYS]).isin(given)]
    return pd.concat([split, unsplit.assign(segment=UNSPLIT)], ignore_index=True)


def segment_figures(targets: pd.DataFrame, actuals: pd.DataFrame, segment_targets: pd.DataFrame,
                    segment_actuals: pd.DataFrame, org: Org, month: str, catalog: Catalog) -> pd.DataFrame:
    """SEGMENT_COLUMNS for every unit of every level and metric that `month` gives by segment
    anywhere in that unit (none: an empty frame); sorted company first, units in org order,
    metrics in catalog order, segments as the inputs first name them, UNSPLIT last.

    `share` and `target_share` are the segment's part of the unit's actual and target, for
    `sum` metrics; a rate's segments do not add up to its figure, so they have none.
    """
    empty = pd.DataFrame(columns=SEGMENT_COLUMNS)
    if segment_targets.empty and segment_actuals.empty:  # (an Inputs made without them has no columns)
        return empty
    split_t = segment_targets[segment_targets["month"] == month]
    split_a = segment_actuals[segment_actuals["month"] == month]
    if split_t.empty and split_a.empty:
        return empty
    metrics = set(split_t["metric"]) | set(split_a["metric"])
    keys = [*_KEYS, "segment"]
    t = _with_segments(targets, split_t, month, [*_KEYS, "target"])
    a = _with_segments(actuals, split_a, month, [*_KEYS, "actual", "base"])
    figures = t[t["metric"].isin(metrics)].merge(a[a["metric"].isin(metrics)], on=keys, how="outer")
    pairs = figures[["rep_id", "segment"]].drop_duplicates()
    members = org.membership().merge(pairs, on="rep_id")
    members = pd.DataFrame({"rep_id": members["rep_id"] + _SEP + members["segment"], "level": members["level"],
                            "unit": members["unit"] + _SEP + members["segment"]})
    figures = figures.assign(rep_id=figures["rep_id"] + _SEP + figures["segment"]).drop(columns="segment")
    rolled = transform.roll_up(figures.astype({"target": "float64", "actual": "float64", "base": "float64"}),
                     _Members(members), catalog)
    unit_segment = rolled["unit"].str.split(_SEP, n=1, expand=True)
    frame = rolled.assign(unit=unit_segment[0], segment=unit_segment[1])
    group = [frame["level"], frame["unit"], frame["metric"]]
    frame = frame[(frame["segment"] != UNSPLIT).groupby(group).transform("any")]
    if frame.empty:
        return empty
    return ordered(_judged(frame, catalog), org, catalog, [*split_t["segment"], *split_a["segment"]])


def _judged(frame: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Variance, achievement, status (the month's rules) and shares of the segment rows."""
    direction = frame["metric"].map(lambda key: catalog[key].direction)
    summed = frame["metric"].map(lambda key: catalog[key].kind == "sum")
    rate = transform.achievement(frame["actual"], frame["target"], direction)
    complete = (frame["missing"].map(len) == 0) & (frame["untargeted"].map(len) == 0)
    group = [frame["level"], frame["unit"], frame["metric"]]

    def share(column: str) -> pd.Series:
        grouped = frame[column].groupby(group)
        total = grouped.transform("sum").where(grouped.transform("count") > 0)  # NaN where none has a figure
        return (frame[column] / total.where(total != 0)).where(summed)

    return frame.assign(variance=frame["actual"] - frame["target"], achievement=rate,
                        status=transform.status(frame["actual"], frame["target"], rate, direction, complete),
                        target_share=share("target"), share=share("actual"))


def ordered(frame: pd.DataFrame, org: Org, catalog: Catalog, named: list[str]) -> pd.DataFrame:
    units = {(unit.level, unit.unit): i for i, unit in enumerate(org.all_units())}
    metrics = {key: i for i, key in enumerate(catalog.keys())}
    segments = {segment: i for i, segment in enumerate(dict.fromkeys(named))}
    order = [(units.get((level, unit), len(units)), metrics[metric], segments.get(segment, len(segments)))
             for level, unit, metric, segment in zip(frame["level"], frame["unit"], frame["metric"], frame["segment"])]
    frame = frame.assign(_key=order).sort_values("_key", kind="stable").drop(columns="_key")
    return frame[SEGMENT_COLUMNS].reset_index(drop=True)


def by_unit(frame: pd.DataFrame) -> dict[tuple[str, str], list]:
    """The segment rows of each (level, unit), as named tuples, in the frame's order."""
    units: dict[tuple[str, str], list] = {}
    for row in frame.itertuples(index=False, name="SegmentRow"):
        units.setdefault((row.level, row.unit), []).append(row)
    return units
