"""Benchmark: wall time and peak memory of a report, on the sample and on a synthetic large org.

    python scripts/bench.py [--reps 200] [--pdf]

Writes into a temporary folder; prints one line per stage. Numbers, not assertions.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pipeline.run import check, write_report
from synthetic_org import synthetic_inputs

ROOT = Path(__file__).resolve().parent.parent


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
