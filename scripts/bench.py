"""Benchmark: wall time and peak memory of a report, on the sample and on a synthetic large org.

    python scripts/bench.py [--reps 200] [--pdf]

Writes into a temporary folder; prints one line per stage. Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import csv
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.run import check, write_report

ROOT = Path(__file__).resolve().parent.parent


def synthetic_inputs(folder: Path, reps: int) -> Path:
    """An org of `reps` reps in teams of 8 and regions of 5 teams, with two months of data."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    metrics = {"sales": (150000, 250000), "new_customers": (1, 4), "collection": (100000, 200000), "events": (1, 3)}
    with (folder / "org.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rep_id", "rep_name", "team", "region"])
        for i in range(reps):
            writer.writerow([f"R{i:05d}", f"代表{i}", f"团队{i // 8}", f"区域{i // 40}"])
    for name, value in (("targets", "target"), ("actuals", "actual")):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["month", "rep_id", "metric", value, *(["base"] if name == "actuals" else [])])
            for month in ("2025-09", "2025-10"):
                for i in range(reps):
                    for key, (low, high) in metrics.items():
                        writer.writerow([month, f"R{i:05d}", key, rng.randint(low, high),
                                         *([""] if name == "actuals" else [])])
                    rate = f"{rng.randint(20, 45)}%"
                    writer.writerow([month, f"R{i:05d}", "repurchase_rate", rate,
                                     *([rng.randint(5, 20)] if name == "actuals" else [])])
    return folder


def run(label: str, inputs: Path, out: Path, pdf: bool) -> None:
    started = time.perf_counter()
    checked = check("2025-10", inputs)
    loaded = time.perf_counter()
    report = write_report(checked, out, ROOT / "docx_templates", with_pdf=pdf)
    done = time.perf_counter()
    count = len(report.documents)
    print(f"{label}: {len(checked.inputs.org)} reps, {count} documents | load+compute {loaded - started:.2f}s | "
          f"render+write {done - loaded:.2f}s ({(done - loaded) / count * 1000:.0f} ms/document) | "
          f"total {done - started:.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--pdf", action="store_true")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="salesreport-bench-"))
    try:
        run("sample", ROOT / "inputs", work / "sample", options.pdf)
        run("synthetic", synthetic_inputs(work / "big", options.reps), work / "big-out", options.pdf)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
