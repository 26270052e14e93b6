"""Whole-or-nothing months, also after a run that was killed half-way through the swap."""
import pytest

from pipeline.publish import staged_month

from .conftest import entries

DEAD_PID = 2 ** 22 + 12345  # above any pid_max in use: never a running process


def test_a_failed_block_leaves_the_month_as_it_was(tmp_path):
    (tmp_path / "2025-10").mkdir()
    (tmp_path / "2025-10" / "manifest.json").write_text("good")
    with pytest.raises(RuntimeError):
        with staged_month(tmp_path, "2025-10") as staging:
            (staging / "manifest.json").write_text("half")
            raise RuntimeError("render failed")
    assert (tmp_path / "2025-10" / "manifest.json").read_text() == "good"
    assert entries(tmp_path) == ["2025-10"]


def test_a_month_moved_aside_by_a_killed_run_is_put_back(tmp_path):
    retired = tmp_path / f".2025-10.retired-{DEAD_PID}"
    retired.mkdir()
    (retired / "manifest.json").write_text("good")
    (tmp_path / f".2025-10.staging-{DEAD_PID}").mkdir()
    with pytest.raises(RuntimeError):
        with staged_month(tmp_path, "2025-10"):
            raise RuntimeError("this run fails too")
    assert (tmp_path / "2025-10" / "manifest.json").read_text() == "good"
    assert entries(tmp_path) == ["2025-10"]


def test_a_live_runs_staging_folder_is_left_alone(tmp_path):
    import os
    live = tmp_path / f".2025-10.staging-{os.getppid()}"
    live.mkdir()
    with staged_month(tmp_path, "2025-10") as staging:
        (staging / "manifest.json").write_text("new")
    assert live.is_dir() and (tmp_path / "2025-10" / "manifest.json").read_text() == "new"


def test_a_second_run_of_the_same_month_is_refused_while_the_first_holds_it(tmp_path):
    from pipeline.errors import SalesReportError

    with staged_month(tmp_path, "2025-10"):
        with pytest.raises(SalesReportError, match="2025-10 正在被另一个 report 或 distribute 使用"):
            with staged_month(tmp_path, "2025-10"):
                pass
    with staged_month(tmp_path, "2025-10"):  # free again afterwards
        pass
