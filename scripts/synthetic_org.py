"""A synthetic org for benchmarks and tests: reps in teams of 10, teams in regions of 10, two months
(or `months` months ending 2025-10: 13 give a year to date, last October and a 12-month trend).

2,000 reps make 200 teams in 20 regions: 2,221 units, 4,442 documents.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

METRICS = {"sales": (150000, 250000), "new_customers": (1, 4), "collection": (100000, 200000), "events": (1, 3)}


def _split(value: int, parts: int) -> list[int]:
    """`value` in `parts` whole parts that add up to it (the remainder on the first)."""
    share, rest = divmod(value, parts)
    return [share + rest] + [share] * (parts - 1)


def synthetic_inputs(folder: Path, reps: int, segments: int = 0, months: int = 2) -> Path:
    """An inputs folder with `reps` reps' targets and actuals for the `months` months up to 2025-10
    (2025-09 and 2025-10 by default); with
    `segments`, every rep's sales given by that many product lines (in *_segments.csv), the
    same totals as without."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    with (folder / "org.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rep_id", "rep_name", "team", "region"])
        for i in range(reps):
            writer.writerow([f"R{i:05d}", f"代表{i}", f"团队{i // 10}", f"区域{i // 100}"])
    for name, value in (("targets", "target"), ("actuals", "actual")):
        by_segment = [["month", "rep_id", "metric", "segment", value]]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["month", "rep_id", "metric", value, *(["base"] if name == "actuals" else [])])
            for month in [f"{(2025 * 12 + 9 - back) // 12}-{(2025 * 12 + 9 - back) % 12 + 1:02d}"
                          for back in range(months - 1, -1, -1)]:
                for i in range(reps):
                    for key, (low, high) in METRICS.items():
                        amount = rng.randint(low, high)
                        if segments and key == "sales":
                            by_segment += [[month, f"R{i:05d}", key, f"产品{chr(65 + k)}", part]
                                           for k, part in enumerate(_split(amount, segments))]
                            continue
                        writer.writerow([month, f"R{i:05d}", key, amount, *([""] if name == "actuals" else [])])
                    rate = f"{rng.randint(20, 45)}%"
                    writer.writerow([month, f"R{i:05d}", "repurchase_rate", rate,
                                     *([rng.randint(5, 20)] if name == "actuals" else [])])
        if segments:
            with (folder / f"{name}_segments.csv").open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(by_segment)
    return folder
