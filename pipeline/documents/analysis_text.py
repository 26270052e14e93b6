"""The analysis in words: the facts of compute.analysis, and a person's notes beside them.

Pure. Every generated text starts with 【数据】 so a reader can tell it from a person's words.
Missing data is never read as a shortfall: comparisons use the members with both figures, and
the others are named as missing (未报) or untargeted (无目标). Where the data holds nothing a table
does not already show and nobody wrote a note, a field is left empty for a person to fill in.

A row is one row of the metrics frame as a named tuple; `mine` are a unit's direct members' rows
of one metric, in org order (see compute.by_unit): nothing here filters a frame.
"""
from __future__ import annotations

import re
from typing import Callable

from pipeline.compute.analysis import (behind as _behind, by_metric, comparable_value, main_shares,  # noqa: F401
                                       ranked_members, record, streak, MIN_STREAK)
from pipeline.documents import formats
from pipeline.inputs.catalog import Catalog, Metric
from pipeline.inputs.schema import CAUSES
from pipeline.status import (COMPARABLE, STATUS_INCOMPLETE, STATUS_MET, STATUS_MISSED, STATUS_NEAR, STATUS_NO_ACTUAL,
                             STATUS_NO_TARGET)

MARK = "【数据】"
NEAR_SHORT = "接近但未达目标"  # 90–100%: close, yet a problem to name
TOP = 2  # members named per sentence
RANKED_METRICS = 3  # columns of the ranking table
NOTABLE_YOY = 0.1  # a change against last year's month of at least 10% (5 points for a rate) is named
NOTABLE_YOY_POINTS = 0.05
FEW = 10  # a count below this last year is too small for a change in percent to mean much
MANY_CAUSES = 3  # from this many causes in a group, the group says how many
OTHER_CAUSE = "其他"
# (actuals, rates) of a unit and metric over its trend's months, oldest first; None without a trend
History = Callable[[str, str, str], "tuple[tuple, tuple] | None"]


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
    `实际完成0家（目标1家）` rather than a `0%` achievement. Where lower is better, the difference
    says its way: `仅达成66.7%（比目标高1个百分点）`."""
    rate = formats.achievement(row.achievement)
    if rate == "0%":
        return f"实际完成{formats.figure(row.actual, metric)}（目标{formats.figure(row.target, metric)}）"
    variance = formats.change(row.variance, metric)
    head = "达成目标" if rate == formats.MISSING else f"达成{rate}"  # a `lower` metric met at 0
    if formats.is_zero(variance) or variance == formats.MISSING:
        return head
    if metric.direction == "lower":  # `（+1个百分点）` beside a shortfall reads as a gain: say which way
        return head + f"（比目标{'高' if row.variance > 0 else '低'}{_size(row.variance, metric)}）"
    return head + f"（{variance}）"


def _shortfall(row, metric: Metric) -> str:
    """A missed result: `仅达成80%（−3家）`, or `实际完成0家（目标1家）`."""
    text = _result(row, metric)
    return text.replace("达成", "仅达成", 1) if text.startswith("达成") else text


def _against_target(variance: float, rate: float, metric: Metric) -> str:
    """`较目标差15万元（达成92.5%）`, `较目标超出1场（…）` or `与目标持平（…）`."""
    gap, size = _behind(variance, metric), _size(variance, metric)
    if round(float(gap), 9) == 0:
        text = "与目标持平"
    elif size == _size(0, metric):  # too small to show: `较目标差0万元` says nothing
        text = f"较目标略{'差' if gap > 0 else '超出'}"
    else:
        text = f"较目标{'差' if gap > 0 else '超出'}{size}"
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
    return noted(note, data_reason(row, mine, labels, metric, note))


def noted(note: str, data: str) -> str:
    """A person's `note` (if any) and, on the line after it, what the `data` says."""
    return f"{note}\n{data}" if note else data


def data_reason(row, mine: list, labels: dict[str, str], metric: Metric, note: str = "") -> str:
    """What the data says of a metric's result (the 【数据】 sentence of variance_reason), naming the
    part of the gap that `note` leaves unexplained."""
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


def _trend_facts(row, metric: Metric, history: History) -> dict[bool, list[str]]:
    """By good (True) or not: `连续3个月达成`, `为近12个月最高` (good) or `连续2个月未达成`,
    `为近12个月最低`; nothing for a month whose figures do not compare like with like (a gap in
    the data is no streak). Both at once: the trend is read once for 成功经验 and 存在问题."""
    facts: dict[bool, list[str]] = {True: [], False: []}
    found = history(row.level, row.unit, metric.key) if row.status in COMPARABLE else None
    if found is None:
        return facts
    actuals, rates = found
    run = streak(rates)
    if abs(run) >= MIN_STREAK:
        facts[run > 0].append(f"连续{abs(run)}个月{'达成' if run > 0 else '未达成'}")
    best = record(actuals)
    if best is not None:
        good = best.highest == (metric.direction == "higher")
        facts[good].append(f"为近{best.months}个月{'最高' if best.highest else '最低'}")
    return facts


def _yoy_fact(row, metric: Metric, good: bool) -> list[str]:
    """`同比增长14.4%` / `同比下降12%` (a rate: `同比+5个百分点`) where the change is notable and `good` or not."""
    change = getattr(row, "yoy_change", None)
    if formats.is_missing(change):
        return []
    better = (change > 0) == (metric.direction == "higher")
    if better != good or change == 0:
        return []
    if metric.is_rate:
        return [f"同比{formats.change(change, metric)}"] if abs(change) >= NOTABLE_YOY_POINTS else []
    rate = row.yoy_percent
    if not metric.is_money and row.yoy_actual < FEW:  # 1 家 against 2: a halving that says nothing
        return []
    if formats.is_missing(rate) or abs(rate) < NOTABLE_YOY:
        return []
    return [f"同比{'增长' if rate > 0 else '下降'}{formats.percent(abs(rate))}"]


def _share_fact(row, mine: list, labels: dict[str, str], metric: Metric, good: bool,
                segments: list = ()) -> tuple[list[str], set]:
    """`缺口的80%来自乙（−60万元）` (or `超额的…`) where one member carries most of it, and likewise
    a segment (`缺口的70%来自B产品（−5万元）`); and which members were named."""
    if row.status not in COMPARABLE or formats.is_missing(row.variance):
        return [], set()
    short = _behind(row.variance, metric) > 0
    if short == good:
        return [], set()
    word = "缺口" if short else "超额"
    shares = main_shares(mine, metric, short)
    by_segment = main_shares(list(segments), metric, short, by_segment=True)
    texts = [f"{word}{_share_words(s.share)}来自{labels.get(s.unit, s.unit)}（{formats.change(s.variance, metric)}）"
             for s in shares] + \
            [f"{word}{_share_words(s.share)}来自{s.unit}（{formats.change(s.variance, metric)}）" for s in by_segment]
    return texts, {s.unit for s in shares}


def _share_words(share: float) -> str:
    """`的80%`, or `全部` where one member carries all of it."""
    text = formats.percent(share)
    return "全部" if text == "100%" else f"的{text}"


def _members_missed(mine: list, labels: dict[str, str], metric: Metric, named: set) -> list[str]:
    """`乙仅达成40%（−60万元）`: the members below 90% of their target (worst first, a few), not yet `named`."""
    missed = sorted((r for r in mine if r.status == STATUS_MISSED and r.unit not in named), key=lambda r: r.achievement)
    return [f"{labels.get(r.unit, r.unit)}{_shortfall(r, metric)}" for r in missed[:TOP + 1]]


def facts(row, mine: list, labels: dict[str, str], metric: Metric, history: History,
          segments: list = ()) -> dict[bool, list[str]]:
    """What the data says of a unit's metric beyond its row of the table, good (True: 成功经验)
    and bad (False: 存在问题): streaks, records, a notable change against last year, the member
    (or the segment: `segments`, its rows of the metric by segment) carrying most of the gap or
    surplus — and for a problem, the members short of their own target and who lacks data.
    Nothing for a bare result."""
    found = _trend_facts(row, metric, history)
    for good in (True, False):
        found[good] += _yoy_fact(row, metric, good)
        shares, named = _share_fact(row, mine, labels, metric, good, segments)
        found[good] += shares
        if not good:
            found[good] += _members_missed(mine, labels, metric, named) + data_gaps(row, labels)
    return found


def sentence(found: list[str]) -> str:
    """Table 2's 成功经验/亮点 (the good `facts`) or 存在问题与挑战 (the bad ones) of a metric as
    one sentence, else '' (the shortfall itself is in the row already)."""
    return MARK + "；".join(found) + "。" if found else ""


def _head(row, metric: Metric) -> str:
    """The unit's own result as a problem names it: `销售额仅达成80%（−3家）`, `…达成95%（…），接近但未达目标`."""
    if row.status == STATUS_MISSED:
        return metric.name + _shortfall(row, metric)
    if row.status == STATUS_NEAR:
        return f"{metric.name}{_result(row, metric)}，{NEAR_SHORT}"
    if row.status == STATUS_NO_ACTUAL:
        return f"{metric.name}缺少实际完成数据"
    if row.status == STATUS_INCOMPLETE:
        return f"{metric.name}数据不全"
    return metric.name


def section_items(rows: list, found_by_metric: dict[str, list[str]], labels: dict[str, str], catalog: Catalog,
                  good: bool) -> list[str]:
    """Items for 成功经验 (`good`) or 存在问题 across the unit's metrics, one per metric at most,
    from each metric's good or bad `facts` (`found_by_metric`, found once for Table 2 and here).
    成功经验: the metrics with good facts. 存在问题: every metric missed or near (its own shortfall
    and its members' in one item) and every metric whose members fall short; the near ones
    without more to say make one item after the rest (`【数据】接近但未达目标：…、…。`)."""
    items, near = [], []
    for row in rows:
        metric = catalog[row.metric]
        found = list(found_by_metric.get(row.metric, []))
        if good:
            items += [f"{MARK}{metric.name}{'；'.join(found)}。"] if found else []
            continue
        if row.status == STATUS_INCOMPLETE:
            found = [text for text in found if text not in data_gaps(row, labels)]
            found.insert(0, "：" + "；".join(data_gaps(row, labels)))
        if row.status == STATUS_NEAR and not found:
            near.append(f"{metric.name}{_result(row, metric)}")
        elif row.status in (STATUS_MISSED, STATUS_NEAR, STATUS_NO_ACTUAL, STATUS_INCOMPLETE) or found:
            head = _head(row, metric)
            if row.status == STATUS_MET and found:
                head = f"{metric.name}达成目标，但"
            joined = "；".join(found)
            separator = "" if not found or joined.startswith("：") or head.endswith("但") else "，"
            items.append(f"{MARK}{head}{separator}{joined}。")
    return items + ([f"{MARK}{NEAR_SHORT}：" + "、".join(near) + "。"] if near else [])


def causes_text(causes: list[tuple[str, str, str]]) -> list[str]:
    """A unit's own variance reasons and those of the units inside it, `(source, text, cause)`,
    one line per group: `主观：…；华东二组：…`, `客观：…`, untagged ones last as `其他：…`; a group of
    MANY_CAUSES or more says how many (`主观（3条）：…`). Where none is tagged, one line per cause."""
    return [line for lines in cause_groups(causes).values() for line in lines]


def cause_groups(causes: list[tuple[str, str, str]], labelled: bool = False) -> dict[str, list[str]]:
    """causes_text's lines by group, 主观, 客观 and 其他 in this order (a group nobody gave is left
    out); where none is tagged, all under 其他, one plain line per cause — or, `labelled` (a cell
    that asks for 主观 and 客观 beside them), one `其他：…` line as where some are tagged."""
    if not causes:  # (most units and metrics)
        return {}
    if not labelled and not any(cause for _, _, cause in causes):
        lines = [f"{source}：{text}" if source else text for source, text, _ in causes]
        return {OTHER_CAUSE: lines} if lines else {}
    groups = {name: [] for name in (*CAUSES.values(), OTHER_CAUSE)}
    for source, text, cause in causes:
        text = text.rstrip("。；;")  # the group's items are joined by `；` and end with one `。`
        groups[CAUSES.get(cause, OTHER_CAUSE)].append(f"{source}：{text}" if source else text)
    return {name: [f"{name}{f'（{len(texts)}条）' if len(texts) >= MANY_CAUSES else ''}：" + "；".join(texts) + "。"]
            for name, texts in groups.items() if texts}


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
