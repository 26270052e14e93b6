"""Worker processes: the same documents whatever their number; a killed run leaves nothing running."""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.run import check, write_report
from scripts.synthetic_org import synthetic_inputs

from .conftest import ROOT, SAMPLE_INPUTS, TEMPLATES, entries, invoke


def written(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_documents_and_manifest_are_the_same_bytes_with_one_or_two_workers(tmp_path):
    checked = check("2025-10", SAMPLE_INPUTS)
    write_report(checked, tmp_path / "one", TEMPLATES, workers=1)
    (tmp_path / "two").mkdir()
    shutil.copy(tmp_path / "one" / ".fields.key", tmp_path / "two")  # the same key signs the same fields
    write_report(checked, tmp_path / "two", TEMPLATES, workers=2)
    one, two = written(tmp_path / "one" / "2025-10"), written(tmp_path / "two" / "2025-10")
    assert len(one) == 38 + 4 and one == two  # metrics.csv, metrics_by_segment.csv, pipeline.csv, manifest.json


def children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has stopped; only its exit status is left for init to collect


# The run as a user starts it, and as on a system without a parent-death signal (macOS, BSD).
LAUNCHERS = {"pdeathsig": ["-m", "pipeline"],
             "watching": ["-c", "import sys, pipeline.workers as w; assert w._PDEATHSIG; w._PDEATHSIG = False; "
                                "from pipeline.cli import main; main(sys.argv[1:])"]}


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_kill_9_mid_run_stops_the_workers_frees_the_lock_and_the_next_run_completes(tmp_path, launcher):
    inputs, outputs = synthetic_inputs(tmp_path / "in", 40), tmp_path / "out"
    (outputs / "2025-10").mkdir(parents=True)
    (outputs / "2025-10" / "earlier.docx").write_bytes(b"earlier")
    command = [sys.executable, *LAUNCHERS[launcher], "report", "--month", "2025-10", "--inputs", str(inputs),
               "--outputs", str(outputs), "--workers", "2", "-q"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not list(outputs.glob(f".2025-10.staging-{run.pid}.*/*/*.docx")):  # the workers are writing documents
        assert run.poll() is None, "the run ended before it could be killed"
        time.sleep(0.002)
    os.kill(run.pid, signal.SIGSTOP)  # hold the run mid-way (its workers keep going) to list them
    workers = children(run.pid)
    assert len(workers) == 2
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(running(pid) for pid in workers), "a worker outlived the killed run"
    with (outputs / ".2025-10.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError while anyone holds it
    assert [p.name for p in (outputs / "2025-10").iterdir()] == ["earlier.docx"]

    result = invoke("report", "--month", "2025-10", "--inputs", inputs, "--outputs", outputs, "--workers", "2", "-q")
    assert result.exit_code == 0, result.output
    assert entries(outputs) == ["2025-10"]
    manifest = json.loads((outputs / "2025-10" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 2 * (1 + 1 + 4 + 40)  # company, region, teams of 10, reps
    assert all((outputs / "2025-10" / d["path"]).is_file() for d in manifest["documents"])
