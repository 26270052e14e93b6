"""Benchmark: a report of a synthetic org, stage by stage, and the render engines side by side.

    python scripts/bench.py [--reps 2000] [--months 2] [--workers N] [--pdf] [--compare 200] [--segments N]

Builds the org in a temporary folder and runs the report as `salesreport report` does, then
renders `--compare` of the same documents three ways in this one process: docxtpl's plain
load-render-save, the compiled render, and the zip-rewrite floor (compress the parts that
change, copy the others, no templating at all). Numbers, not assertions.

The machine's speed is measured before and after the report by scripts/yardstick.py (naive
docxtpl, ms/document; a copy of the shared yardstick) and the goal — 2,000 reps (4,442
documents) in GOAL_SECONDS at 26 ms/document of the yardstick, beyond that the same cost per
document within GROWTH — scaled by their median.
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pandas as pd
from synthetic_org import synthetic_inputs

from pipeline.documents import render
from pipeline.documents import wordchart
from pipeline.documents.charts import ChartSpec
from pipeline.documents.context import contexts
from pipeline.inputs.load import read_inputs
from pipeline.compute.model import MonthData
from pipeline.run import check, write_report
from pipeline.documents.stablezip import Member, deflated, quickly_deflated, write_zip
from pipeline.inputs.validate import validate_inputs
from pipeline.workers import default_workers

pd.set_option("mode.string_storage", "python")  # as pipeline.api runs the stages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "docx_templates"
MB = 1024 * 1024
YARDSTICK = Path(__file__).resolve().parent / "yardstick.py"
GOAL_SECONDS, GOAL_DOCUMENTS, GOAL_YARDSTICK = 8.0, 4442, 26.0  # issue 25: 2,000 reps in 8 s at 26 ms/document
GROWTH = 1.35  # a larger org may cost this much more per document


def yardstick() -> float:
    """The machine's speed now: naive docxtpl's ms/document, in a process of its own."""
    result = subprocess.run([sys.executable, str(YARDSTICK)], capture_output=True, text=True, check=True)
    return float(result.stdout.split()[-1])


def goal(documents: int, measured: float) -> float:
    """The goal's seconds for `documents` on a machine whose yardstick is `measured` ms/document."""
    growth = GROWTH if documents > GOAL_DOCUMENTS else 1.0
    return GOAL_SECONDS * documents / GOAL_DOCUMENTS * growth * measured / GOAL_YARDSTICK


class TreeMemory(threading.Thread):
    """Peak memory of this process and all its descendants (workers, LibreOffice), sampled:
    PSS (shared pages split between the processes sharing them) and plain RSS summed."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_pss = self.peak_rss = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            pss = rss = 0
            for pid in self.tree(os.getpid()):
                fields = self.rollup(pid)
                pss, rss = pss + fields.get("Pss", 0), rss + fields.get("Rss", 0)
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)

    def tree(self, pid: int) -> list[int]:
        found = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:  # ended meanwhile
                continue
            for child in children:
                found += self.tree(int(child))
        return found

    @staticmethod
    def rollup(pid: int) -> dict[str, int]:
        """Bytes by field of /proc/PID/smaps_rollup."""
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            return {}
        return {line.split(":")[0]: int(line.split()[1]) * 1024 for line in lines[1:] if line.endswith("kB")}

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def timed(function, *arguments):
    started = time.perf_counter()
    result = function(*arguments)
    return result, time.perf_counter() - started


def cpu_timed(function, *arguments):
    """`function`'s result, wall seconds and CPU seconds of this process."""
    started = time.process_time()
    result, wall = timed(function, *arguments)
    return result, wall, time.process_time() - started


def report(inputs: Path, out: Path, workers: int, pdf: bool, before_yardstick: float | None) -> MonthData:
    """Runs the report and prints its stages; the checked month, for `compare`."""
    (tables, files), read, read_cpu = cpu_timed(read_inputs, inputs, [])
    _, validated, validated_cpu = cpu_timed(validate_inputs, tables, files, [])
    checked, checking, checking_cpu = cpu_timed(check, "2025-10", inputs)
    del tables, files  # read again by check(); `salesreport report` holds them no longer either
    memory, before = TreeMemory(), os.times()
    memory.start()
    result, writing = timed(write_report, checked, out, TEMPLATES, None, pdf, workers)
    memory.stop()
    after = os.times()
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("user", "system", "children_user", "children_system"))
    count, spent = len(result.documents), result.timings
    total = checking + writing
    print(f"synthetic org: {len(checked.inputs.org)} reps, {count // 2} units → {count} documents, "
          f"{checked.inputs.targets['month'].nunique()} month(s) of data, {workers} worker(s); "
          f"{len(checked.segments)} segment rows")
    print("  stage          wall      CPU")
    print(f"  read        {read:7.2f} s {read_cpu:7.2f} s")
    print(f"  validate    {validated:7.2f} s {validated_cpu:7.2f} s")
    print(f"  compute     {checking - read - validated:7.2f} s {checking_cpu - read_cpu - validated_cpu:7.2f} s"
          f"   (check() less the two above)")
    print(f"  documents   {spent['documents']:7.2f} s {spent['contexts'] + spent['render'] + spent['write']:7.2f} s"
          f"   (CPU summed over the workers: contexts {spent['contexts']:.2f} s, "
          f"render {spent['render']:.2f} s, write {spent['write']:.2f} s)")
    print(f"              render {spent['render'] / count * 1000:.2f} ms/document, "
          f"contexts {spent['contexts'] / count * 1000:.2f} ms/document (CPU)")
    if pdf:
        print(f"  pdf         {spent['pdf']:7.2f} s   ({spent['pdf'] / count * 1000:.0f} ms/document wall)")
    print(f"  total       {total:7.2f} s wall, {count / total:.0f} documents/s "
          f"({count / spent['documents']:.0f}/s in the documents stage)")
    print(f"  CPU time of the report's process tree (writing): {cpu:.2f} s; wall {writing:.2f} s "
          f"(a wall far above CPU / workers means other processes took the CPUs)")
    print(f"  peak memory of the process tree: {memory.peak_pss / MB:.0f} MB PSS "
          f"({memory.peak_rss / MB:.0f} MB RSS summed over the processes)")
    if before_yardstick is not None:
        after_yardstick = yardstick()
        measured = statistics.median([before_yardstick, after_yardstick])
        print(f"  yardstick (naive docxtpl) {before_yardstick:.1f} ms/document before, {after_yardstick:.1f} after: "
              f"goal {GOAL_SECONDS:g} s per {GOAL_DOCUMENTS:,} documents at {GOAL_YARDSTICK:g} ms"
              f"{f', ×{GROWTH} per document beyond' if count > GOAL_DOCUMENTS else ''} → "
              f"{goal(count, measured):.1f} s here; the run took {total:.2f} s "
              f"({total / goal(count, measured):.2f} × the goal)")
    return checked


def compare(checked: MonthData, documents: int) -> None:
    """The same documents rendered three ways in this process, as ms/document and ratios."""
    units = checked.org.all_units()
    chosen = units[::max(1, len(units) * 2 // documents)][: documents // 2]
    jobs = [(TEMPLATES / render.TEMPLATE_FILES[kind], context)
            for unit in chosen for kind, context in contexts(checked, unit).items()]
    renderers = {template: render.compile_template(template) for template, _ in jobs}
    reference = _per_document([lambda t=t, c=c: render.render_bytes_reference(t, c) for t, c in jobs])
    compiled = _per_document([lambda t=t, c=c: renderers[t](c) for t, c in jobs])
    specs = [spec for _, context in jobs for spec in context.values() if isinstance(spec, ChartSpec) and spec]
    charts = _per_document([lambda spec=spec: wordchart.chart_xml(spec) for spec in specs]) * len(specs) / len(jobs)
    floor = _per_document([lambda members=members: write_zip(m if isinstance(m, Member) else quickly_deflated(*m)
                                                             for m in members)
                           for members in _floor_members(jobs)])
    print(f"same {len(jobs)} documents, one process, in memory, CPU time:")
    print(f"  docxtpl load-render-save   {reference:6.2f} ms/document   1.00")
    print(f"  compiled render            {compiled:6.2f} ms/document   {compiled / reference:.2f}"
          f"  ({reference / compiled:.1f}× faster)")
    print(f"    of which charts          {charts:6.2f} ms/document   (chart XML and embedded workbook, "
          f"{len(specs) / len(jobs):.1f} per document)")
    print(f"  zip-rewrite floor          {floor:6.2f} ms/document   {floor / reference:.2f}"
          f"  (compiled = {compiled / floor:.1f}× the floor)")


def _per_document(calls) -> float:
    """CPU milliseconds per call: other processes on the machine do not count."""
    started = time.process_time()
    for call in calls:
        call()
    return (time.process_time() - started) / len(calls) * 1000


def _floor_members(jobs) -> list[list]:
    """Each document's members: those the same as in its template already compressed, the
    others as (name, content) to compress: what any renderer has to do at the least."""
    templates = {t: zipfile.ZipFile(t) for t, _ in jobs}
    result = []
    for template, context in jobs:
        archive = zipfile.ZipFile(io.BytesIO(render.render_bytes(template, context)))
        same = set(templates[template].namelist())
        members = []
        for name in archive.namelist():
            content = archive.read(name)
            unchanged = name in same and templates[template].read(name) == content
            members.append(deflated(name, content) if unchanged else (name, content))
        result.append(members)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--months", type=int, default=2, help="months of data up to 2025-10 (13: a year of history)")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--pdf", action="store_true")
    parser.add_argument("--segments", type=int, default=0, help="product lines every rep's sales is split into")
    parser.add_argument("--compare", type=int, default=200, help="documents rendered three ways")
    parser.add_argument("--no-yardstick", dest="yardstick", action="store_false",
                        help="skip measuring the machine's speed (≈10 s)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="salesreport-bench-"))
    try:
        inputs = synthetic_inputs(work / "in", options.reps, options.segments, options.months)
        before = yardstick() if options.yardstick else None
        checked = report(inputs, work / "out", options.workers, options.pdf, before)
        if options.compare:
            compare(checked, options.compare)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
