"""Table rows as the templates show them: which consecutive rows share one merged cell.

Table 1 of the plan merges its metric and target cells down a metric's task rows. Its template
groups the rows by their `group` key (`{%tr for group in table1|groupby('group') %}`) and merges
within a group (`{% vm %}`); `with_groups` gives every row that key, whoever built the row.
"""
from __future__ import annotations

MERGED_KEYS = ("metric", "target")


def with_groups(rows: list[dict], keys: tuple[str, ...] = MERGED_KEYS) -> list[dict]:
    """`rows` in the same order, each with an integer `group`: consecutive rows alike in `keys`
    share one, and groups count up from 0 (so Jinja's groupby, which sorts, keeps the order).
    A row with a `group` of its own keeps its place in the sequence but not its value."""
    grouped, group, previous = [], -1, None
    for row in rows:
        current = tuple(row.get(key) for key in keys)
        if current != previous:
            group, previous = group + 1, current
        grouped.append({**row, "group": group})
    return grouped
