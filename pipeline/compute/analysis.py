"""Data-driven analysis: short factual sentences from the figures, where a person wrote nothing
and, for the variance reason, beside what a person wrote.

Pure. Every generated text starts with 【数据】 so a reader can tell it from a person's words.
Missing data is never read as a shortfall: comparisons use the members with both figures, and
the others are named as missing (未报) or untargeted (无目标).

A row is one row of the metrics frame as a named tuple; `mine` are a unit's direct members' rows
of one metric, in org order (see compute.by_unit): nothing here filters a frame.
"""
from __future__ import annotations

import math
import re
from typing import Iterable

from pipeline.documents import formats
from pipeline.inputs.catalog import Catalog, Metric
from pipeline.status import (COMPARABLE, STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR, STATUS_NO_ACTUAL,
                             STATUS_NO_TARGET)

MARK = "【数据】"
NEAR_SHORT = "接近但未达目标"  # 90–100%: close, yet a problem to name
FAR_ABOVE, FAR_BELOW = 1.1, 0.8  # achievement that counts as far above / far below target
TOP = 2  # members named per sentence
RANKED_METRICS = 3  # columns of the ranking table


def by_metric(rows: Iterable) -> dict[str, list]:
    """`rows` grouped by metric, each group in the order given."""
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.metric, []).append(row)
    return grouped


def comparable_value(row, column: str) -> float:
    """The row's figure in `column` where it compares like with like (see `data_gaps`), else NaN."""
    return getattr(row, column) if row is not None and row.status in COMPARABLE else math.nan


def _behind(variance: float, metric: Metric) -> float:
    """How far behind target, in the metric's units (negative: ahead); `lower` metrics flip."""
    return variance if metric.direction == "lower" else -variance


def _size(value: float, metric: Metric) -> str:
    """An amount without its sign: `15万元`, `2场`, `3个百分点`."""
    return formats.change(abs(value), metric).lstrip("+")


def _names(reps, labels: dict[str, str]) -> str:
    return "、".join(labels.get(rep, rep) for rep in reps)


def coverage(row) -> str:
    """`（已报 5/6）`, `（有目标 3/4）` or both, for a roll-up whose data is incomplete; else ``."""
    return _coverage(row.status, row.members, row.reported, row.targeted)


def _coverage(status: str, members: int, reported: int, targeted: int) -> str:
    if status != STATUS_INCOMPLETE:
        return ""
    # int(): counts of a month merged in beside another are floats holding whole numbers
    parts = [f"{word} {int(count)}/{int(members)}" for word, count in (("已报", reported), ("有目标", targeted))
             if count < members]
    return f"（{'，'.join(parts)}）"


def achievement_text(row) -> str:
    """The achievement as the documents show it, with the coverage beside it when incomplete."""
    return formats.achievement(row.achievement) + coverage(row)


def prev_achievement_text(row) -> str:
    """Last month's achievement as its summary showed it, coverage included."""
    return formats.achievement(row.prev_achievement) + _coverage(row.prev_status, row.prev_members,
                                                                  row.prev_reported, row.prev_targeted)


def variance_text(row, metric: Metric) -> str:
    """The variance; when incomplete, also the like-for-like one, so a gap in the data is not read as a shortfall."""
    text = formats.change(row.variance, metric)
    if row.status != STATUS_INCOMPLETE:
        return text
    paired = formats.change(row.paired_variance, metric)
    return text + ("（无可比数据）" if paired == formats.MISSING else f"（{formats.labelled('可比口径', paired)}）")


def mom_text(row, metric: Metric) -> str:
    """The change against last month; when a different number of members reported in the two
    months, says so, since the change then partly reflects who reported."""
    text = formats.change(row.mom_change, metric)
    if text == formats.MISSING or row.level == "rep" or row.reported == row.prev_reported:
        return text
    return text + f"（已报人数：上月{int(row.prev_reported)}人，本月{row.reported}人）"


def data_gaps(row, labels: dict[str, str]) -> list[str]:
    """Who in a roll-up lacks an actual or a target: named as missing data, never as a shortfall."""
    if row.level == "rep":
        return []
    return ([f"{_names(row.missing, labels)}未报实际完成数据"] if row.missing else []) + \
           ([f"{_names(row.untargeted, labels)}无目标"] if row.untargeted else [])


def _result(row, metric: Metric) -> str:
    """`达成150%（+50万元）`, `达成100%` (no change of 0 beside it), or, when nothing was achieved,
    `实际完成0家（目标1家）` rather than a `0%` achievement."""
    rate = formats.achievement(row.achievement)
    if rate == "0%":
        return f"实际完成{formats.figure(row.actual, metric)}（目标{formats.figure(row.target, metric)}）"
    variance = formats.change(row.variance, metric)
    head = "达成目标" if rate == formats.MISSING else f"达成{rate}"  # a `lower` metric met at 0
    return head + ("" if formats.is_zero(variance) or variance == formats.MISSING else f"（{variance}）")


def _shortfall(row, metric: Metric) -> str:
    """A missed result: `仅达成80%（−3家）`, or `实际完成0家（目标1家）`."""
    text = _result(row, metric)
    return text.replace("达成", "仅达成", 1) if text.startswith("达成") else text


def _named(rows: list, labels: dict[str, str], metric: Metric) -> list[str]:
    """`甲达成150%（+50万元）` for each of `rows`."""
    return [f"{labels.get(r.unit, r.unit)}{_result(r, metric)}" for r in rows]


def _far(mine: list, labels: dict[str, str], metric: Metric, above: bool) -> list[str]:
    """Members at or above 110% (`above`, best first) or below 80% (worst first) of target, as
    printed; only members whose figures compare like with like (see `data_gaps`). Ties in org order."""
    comparable = [r for r in mine if r.status in COMPARABLE]
    if above:
        far = sorted((r for r in comparable if r.achievement_shown >= FAR_ABOVE), key=lambda r: -r.achievement)
    else:
        far = sorted((r for r in comparable if r.achievement_shown < FAR_BELOW), key=lambda r: r.achievement)
    return _named(far[:TOP], labels, metric)


def far_above(mine: list, labels: dict[str, str], metric: Metric) -> list[str]:
    return _far(mine, labels, metric, above=True)


def far_below(mine: list, labels: dict[str, str], metric: Metric) -> list[str]:
    return _far(mine, labels, metric, above=False)


def _against_target(variance: float, rate: float, metric: Metric) -> str:
    """`较目标差15万元（达成92.5%）`, `较目标超出1场（…）` or `与目标持平（…）`."""
    gap = _behind(variance, metric)
    if round(float(gap), 9) == 0:
        text = "与目标持平"
    elif _size(variance, metric) == _size(0, metric):  # too small to show: `较目标差0万元` says nothing
        text = f"较目标略{'差' if gap > 0 else '超出'}"
    else:
        text = f"较目标{'差' if gap > 0 else '超出'}{_size(variance, metric)}"
    return text + (f"（达成{formats.achievement(rate)}）" if not formats.is_missing(rate) else "")


_AMOUNT = r"(\d[\d,]*(?:\.\d+)?)\s*"


def stated_amount(note: str, metric: Metric) -> float | None:
    """The one amount in the metric's unit that a person's note states (`约15万元顺延` → 150000),
    raw like the figures; None when it states none or several (then no guess is made)."""
    if metric.is_money:
        found = [float(n.replace(",", "")) * (10000 if unit.startswith("万") else 1)
                 for n, unit in re.findall(_AMOUNT + "(万元|万|元)", note)]
    elif metric.is_rate:
        found = [float(n.replace(",", "")) / 100 for n in re.findall(_AMOUNT + "个百分点", note)]
    else:
        found = [float(n.replace(",", "")) for n in re.findall(_AMOUNT + re.escape(metric.unit), note)]
    return found[0] if len(found) == 1 else None


def _unexplained(note: str, gap: float, metric: Metric) -> str:
    """What a note leaves unexplained of a shortfall `gap`: `说明涉及15万元，其余11.65万元的缺口尚未说明原因。`"""
    stated = stated_amount(note, metric)
    remainder = gap - stated if stated is not None else 0
    if remainder <= 0 or _size(remainder, metric) == _size(0, metric):
        return ""
    return f"说明涉及{_size(stated, metric)}，其余{_size(remainder, metric)}的缺口尚未说明原因。"


def variance_reason(row, mine: list, labels: dict[str, str], metric: Metric, note: str = "") -> str:
    """A person's note (if any) and, beside it, what the data says: the gap against target, the
    members that made it, the change against last month.

    For an incomplete roll-up the gap is the like-for-like one, over the members with both figures,
    and who lacks a figure is named; with a note that states less than the gap, the rest is named.
    """
    data = _data_reason(row, mine, labels, metric, note)
    return f"{note}\n{data}" if note else data


def _data_reason(row, mine: list, labels: dict[str, str], metric: Metric, note: str) -> str:
    if row.status == STATUS_NO_TARGET:
        return MARK + "本月无目标（或目标为0），无法计算达成率。"
    if row.status == STATUS_NO_ACTUAL:
        return MARK + "本月未报实际完成数据。"
    if row.status == STATUS_INCOMPLETE:
        text = MARK + "数据不全：" + "；".join(data_gaps(row, labels)) + "。"
        if formats.is_missing(row.paired_variance):
            return text + "没有既有目标又已报的成员可比较。"
        text += f"既有目标又已报的{row.compared}人：" + _against_target(row.paired_variance, row.paired_achievement, metric) + "。"
        gap = _behind(row.paired_variance, metric)
    else:
        text = MARK + _against_target(row.variance, row.achievement, metric) + "。"
        gap = _behind(row.variance, metric)
    if note:
        text += _unexplained(note, gap, metric)
    text += _attribution(mine, labels, metric, behind=gap > 0)
    if not formats.is_missing(row.mom_change):
        text += _against_last_month(row, metric)
    return text


def _against_last_month(row, metric: Metric) -> str:
    """`环比+8.8万元。`, or `与上月持平。` when the change shows as zero."""
    text = mom_text(row, metric)
    change = formats.change(row.mom_change, metric)
    if formats.is_zero(change):
        return "与上月持平" + text[len(change):] + "。"
    return f"环比{text}。"


def _attribution(mine: list, labels: dict[str, str], metric: Metric, behind: bool = True) -> str:
    """The members with the largest shortfalls and over-achievements, by their like-for-like
    variance (their own, when their data is complete): a member's missing figure is no shortfall.
    Ties in org order. The shortfalls are the unit's gap (`缺口主要来自`) only when it is `behind`;
    otherwise they are members below their own target (`未达目标`); for a rate, whose members'
    points do not add up, members 未达目标 / 优于目标. A unit of one member, and a
    member whose variance shows as zero, are not named."""
    if len(mine) < 2:
        return ""
    behind_by = [(_behind(r.paired_variance, metric), r) for r in mine if not formats.is_missing(r.paired_variance)
                 and not formats.is_zero(formats.change(r.paired_variance, metric))]
    worst = [r for _, r in sorted((pair for pair in behind_by if pair[0] > 0), key=lambda pair: -pair[0])][:TOP]
    best = [r for _, r in sorted((pair for pair in behind_by if pair[0] < 0), key=lambda pair: pair[0])][:TOP]

    def named(rows: list) -> str:
        return "、".join(formats.labelled(labels.get(r.unit, r.unit), formats.change(r.paired_variance, metric))
                        for r in rows)

    # a ratio's members (their points, their days) do not add up to the unit's gap: only above or below
    shortfall, surplus = ("未达目标", "优于目标") if metric.kind != "sum" else \
        ("缺口主要来自" if behind else "未达目标", "超额贡献")
    return (f"{shortfall}：{named(worst)}。" if worst else "") + (f"{surplus}：{named(best)}。" if best else "")


def highlight(row, mine: list, labels: dict[str, str], metric: Metric) -> str:
    """Members far above target, else the unit itself when it met the target, else `—`."""
    items = far_above(mine, labels, metric)
    if items:
        return MARK + "、".join(items) + "。"
    if row.status == STATUS_MET:
        return MARK + f"本项达成{formats.achievement(row.achievement)}。".replace("达成—", "达成目标")
    return formats.MISSING


def problem(row, mine: list, labels: dict[str, str], metric: Metric) -> str:
    """Members far below target and who lacks data, else the unit's own shortfall, else `—`."""
    items = far_below(mine, labels, metric) + data_gaps(row, labels)
    if items:
        return MARK + "、".join(items) + "。"
    if row.status == STATUS_MISSED:
        return f"{MARK}本项{_shortfall(row, metric)}。"
    if row.status == STATUS_NEAR:
        return f"{MARK}本项{_result(row, metric)}，{NEAR_SHORT}。"
    return formats.MISSING


def section_items(rows: list, members: dict[str, list], labels: dict[str, str], catalog: Catalog,
                  good: bool) -> list[str]:
    """Items for 成功经验 (`good`) or 存在问题 across the unit's metrics: its own and its members'
    (`members`: their rows by metric). The metrics close to but short of target (90–100%) make
    one problem item, after the rest: `【数据】接近但未达目标：老客户复购率达成94.3%（−2个百分点）、…。`"""
    items, near = [], []
    for row in rows:
        metric = catalog[row.metric]
        if good and row.status == STATUS_MET:
            items.append(f"{MARK}{metric.name}{_result(row, metric)}。")
        elif not good and row.status == STATUS_MISSED:
            items.append(f"{MARK}{metric.name}{_shortfall(row, metric)}。")
        elif not good and row.status == STATUS_NEAR:  # close, yet short: still a problem to name
            near.append(f"{metric.name}{_result(row, metric)}")
        elif not good and row.status == STATUS_NO_ACTUAL:
            items.append(f"{MARK}{metric.name}缺少实际完成数据。")
        elif not good and row.status == STATUS_INCOMPLETE:
            items.append(f"{MARK}{metric.name}数据不全：" + "；".join(data_gaps(row, labels)) + "。")
        named = (far_above if good else far_below)(members.get(row.metric, []), labels, metric)
        if named:
            items.append(f"{MARK}{metric.name}：" + "、".join(named) + "。")
    return items + ([f"{MARK}{NEAR_SHORT}：" + "、".join(near) + "。"] if near else [])


def ranked_members(members: list, main: list[str]) -> list[tuple[str, dict]]:
    """Each member unit with its rows by metric, best first by the like-for-like achievement of
    the first main metric, ties in org order. A member without one (it lacks a figure or its data
    is incomplete) comes last: a gap is never a low rank."""
    rows: dict[str, dict] = {}
    for row in members:
        rows.setdefault(row.unit, {})[row.metric] = row

    def order(item) -> tuple[bool, float]:
        rate = comparable_value(item[1].get(main[0]), "achievement")
        return (True, 0.0) if formats.is_missing(rate) else (False, -rate)

    return sorted(rows.items(), key=order)


UNRANKED_TEXT = {STATUS_NO_ACTUAL: "未报", STATUS_NO_TARGET: "无目标"}


def _rate_cell(row) -> str:
    """A ranking cell: the like-for-like achievement, else why there is none."""
    rate = comparable_value(row, "achievement")
    if not formats.is_missing(rate) or row is None:
        return formats.achievement(rate)
    return UNRANKED_TEXT.get(row.status) or achievement_text(row)


def ranking(members: list, labels: dict[str, str], main: list[str], catalog: Catalog) -> list[dict]:
    """Members ranked by achievement of the first main metric (best first).

    Each entry: rank, name, and for i = 1…3 `rate{i}` and `variance{i}` (`—` past the main
    metrics). A member without like-for-like figures gets rank `—` and says why (`未报`, `无目标`,
    or its achievement with its coverage).
    """
    if not members or not main:
        return []
    ranked = []
    for position, (unit, rows) in enumerate(ranked_members(members, main), start=1):
        first = comparable_value(rows.get(main[0]), "achievement")
        entry = {"rank": formats.MISSING if formats.is_missing(first) else str(position), "name": labels.get(unit, unit)}
        for index in range(1, RANKED_METRICS + 1):
            key = main[index - 1] if index <= len(main) else None
            row = rows.get(key)
            entry[f"rate{index}"] = _rate_cell(row) if key else formats.MISSING
            entry[f"variance{index}"] = (formats.change(comparable_value(row, "variance"), catalog[key]) if key
                                         else formats.MISSING)
        ranked.append(entry)
    return ranked
