"""Big inputs for measuring the read: an org, two months of targets, and actuals of ROWS rows.

    python scripts/big_inputs.py FOLDER [--rows 1400000] [--reps 10000] [--xlsx]

The actuals span as many months as ROWS needs (6 metrics per rep and month, ending 2025-10),
with amounts written as exports write them (`201234.56`, `32%`, a blank or a count as base);
1.4M rows make ≈ 50 MB of CSV. `--xlsx` writes them as actuals.xlsx instead. Then time
`salesreport validate --month 2025-10 --inputs FOLDER` (e.g. under /usr/bin/time -v).
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from synthetic_org import METRICS, synthetic_inputs


def months_back(count: int, last: str = "2025-10") -> list[str]:
    year, month = (int(part) for part in last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def actual_rows(rows: int, reps: int):
    """`rows` rows of (month, rep_id, metric, actual, base) text, no key twice."""
    rng = random.Random(11)
    per_month = reps * (len(METRICS) + 1)
    written = 0
    for month in months_back(-(-rows // per_month)):
        for i in range(reps):
            for key, (low, high) in METRICS.items():
                if written == rows:
                    return
                amount = f"{rng.randint(low * 100, high * 100) / 100:.2f}" if high > 1000 else str(rng.randint(low, high))
                yield month, f"R{i:05d}", key, amount, ""
                written += 1
            if written == rows:
                return
            yield month, f"R{i:05d}", "repurchase_rate", f"{rng.randint(20, 45)}%", str(rng.randint(5, 20))
            written += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=1_400_000)
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--xlsx", action="store_true")
    arguments = parser.parse_args()
    folder = synthetic_inputs(arguments.folder, arguments.reps)
    (folder / "actuals.csv").unlink()
    header = ("month", "rep_id", "metric", "actual", "base")
    if arguments.xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in actual_rows(arguments.rows, arguments.reps):
            sheet.append(row)
        book.save(folder / "actuals.xlsx")
    else:
        with (folder / "actuals.csv").open("w", encoding="utf-8", newline="") as handle:
            handle.write(",".join(header) + "\r\n")
            handle.writelines(",".join(row) + "\r\n" for row in actual_rows(arguments.rows, arguments.reps))
    print(f"{folder}: {arguments.rows:,} actual rows, {arguments.reps:,} reps")


if __name__ == "__main__":
    main()
