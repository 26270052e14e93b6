"""The metric catalog: what each metric is called, how it is counted and which way is good."""
from __future__ import annotations

from dataclasses import dataclass

MONEY = "万元"
YUAN_PER_WAN = 10_000  # money is stored in 元 and shown in 万元
RATE = "%"
KINDS = ("sum", "ratio")
DIRECTIONS = ("higher", "lower")


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str  # 万元 (money, stored in 元), % (a rate, stored as a fraction) or a counting word
    kind: str  # sum | ratio
    direction: str  # higher | lower

    @property
    def is_money(self) -> bool:
        return self.unit == MONEY

    @property
    def is_rate(self) -> bool:
        return self.unit == RATE


BUILT_IN: tuple[Metric, ...] = (
    Metric("sales", "销售额", MONEY, "sum", "higher"),
    Metric("new_customers", "新客户开发数量", "家", "sum", "higher"),
    Metric("repurchase_rate", "老客户复购率", RATE, "ratio", "higher"),
    Metric("collection", "回款金额", MONEY, "sum", "higher"),
    Metric("events", "活动参与量", "场", "sum", "higher"),
    # 过程数据 of the original's summary, where a CRM export carries them
    Metric("visits", "拜访次数", "次", "sum", "higher"),
    Metric("follow_ups", "跟进次数", "次", "sum", "higher"),
    # 过程数据 of the original: rates over a base (surveys answered, orders), weighted like the repurchase rate
    Metric("satisfaction", "客户满意度", RATE, "ratio", "higher"),
    Metric("complaint_rate", "投诉率", RATE, "ratio", "lower"),
)


class Catalog:
    """Metrics in display order, looked up by key or by Chinese name."""

    def __init__(self, metrics: tuple[Metric, ...] | list[Metric] = BUILT_IN):
        self._by_key: dict[str, Metric] = {}
        for metric in metrics:
            self._by_key[metric.key] = metric

    def __iter__(self):
        return iter(self._by_key.values())

    def __getitem__(self, key: str) -> Metric:
        return self._by_key[key]

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def keys(self) -> list[str]:
        return list(self._by_key)

    def resolve(self, text: str) -> Metric | None:
        """The metric named by `text` (key, case-insensitive, or Chinese name); None if unknown."""
        wanted = text.strip()
        for metric in self._by_key.values():
            if wanted.casefold() == metric.key.casefold() or wanted == metric.name:
                return metric
        return None

    def extended(self, metrics: list[Metric]) -> "Catalog":
        """A catalog with `metrics` added, or replacing the entries with the same key."""
        return Catalog([*self._by_key.values(), *metrics])
