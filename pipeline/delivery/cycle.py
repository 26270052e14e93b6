"""Delivery per cycle: several months in one run, each recipient ONE mail holding exactly the
documents of all those months that are new or changed for them.

A `Cycle` stands where a single `planning.Month` stands: the same mails, items and maker,
over several months. Its ledger key is the range (`2025-10..2025-11`): the deliveries rows
(exactly-once, parts, retries) are kept under it, while every attachment delivered is recorded
as received under its own month, so `status --month 2025-10` and a later run of either month
know what each recipient has.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.delivery.attachments import Item, Maker
from pipeline.delivery.ledger import Delivered, Ledger
from pipeline.months import range_key


class CycleMaker:
    """A Maker per month, each item made by the one of its month."""

    def __init__(self, makers: dict[str, Maker], month_of):
        self.makers, self.month_of = makers, month_of

    def convert(self, items: list[Item]) -> None:
        for month, maker in self.makers.items():
            maker.convert([i for i in items if self.month_of(i.identity) == month])

    def attachment(self, item: Item):
        return self.makers[self.month_of(item.identity)].attachment(item)


@dataclass
class Cycle:
    """Several months ready to send as one: per recipient one mail with every month's documents."""

    month: str  # the range key
    outputs_dir: Path
    months: list  # the planning.Month of each month, in order
    mails: list = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    metrics_rows: list[dict] = field(default_factory=list)
    catalog: object = None  # the first month's (the headlines are of the first month's rows)
    _month_of: dict[str, str] = field(default_factory=dict)  # item identity → its month

    @classmethod
    def of(cls, planned: list, outputs_dir: Path, mail_type) -> "Cycle":
        cycle = cls(range_key([p.month for p in planned]), outputs_dir, planned, catalog=planned[0].catalog)
        merged: dict[str, object] = {}
        for month in planned:
            cycle.warnings += month.warnings
            cycle.labels.update(month.labels)
            cycle.metrics_rows += month.metrics_rows
            for mail in month.mails:
                key = mail.recipient.casefold()
                if key not in merged:
                    merged[key] = mail_type(mail.recipient, mail.name, [], [])
                mine = merged[key]
                mine.name = mine.name or mail.name
                mine.units += [u for u in mail.units if u not in mine.units]
                mine.documents += [{**d, "month": month.month} for d in mail.documents]
        cycle.mails = list(merged.values())
        return cycle

    def month_of(self, identity: str) -> str:
        return self._month_of.get(identity, self.months[-1].month)

    def maker(self) -> CycleMaker:
        return CycleMaker({m.month: m.maker() for m in self.months}, self.month_of)

    def items(self, mail, formats: tuple[str, ...]) -> list[Item]:
        """Every month's items of the recipient's mail, earliest month first."""
        items = []
        for month in self.months:
            own = next((m for m in month.mails if m.recipient.casefold() == mail.recipient.casefold()), None)
            if own is None:
                continue
            for item in month.items(own, formats):
                self._month_of[item.identity] = month.month
                items.append(item)
        return items

    def delivered_to(self, ledger: Ledger, transport: str) -> dict[str, Delivered]:
        """What each recipient has of any of the months (recorded under each attachment's month)."""
        found: dict[str, Delivered] = {}
        for month in self.months:
            for recipient, have in ledger.delivered_to(transport, month.month).items():
                mine = found.setdefault(recipient, Delivered())
                mine.by_name.update(have.by_name)
                mine.unnamed |= have.unnamed
        return found
