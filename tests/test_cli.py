"""The command line as a scheduler and a user meet it: exit codes, messages, whole-or-nothing."""
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path


from pipeline.months import cycle

from .conftest import ROOT, SAMPLE_INPUTS, entries, invoke


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_writes_every_document_and_says_where(tmp_path):
    result = invoke("report", "--month", "2025/10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 0
    assert "已生成 38 份文档" in result.output and str(tmp_path / "2025-10") in result.output
    assert "S1012 孙浩" in result.stderr
    assert (tmp_path / "2025-10" / "manifest.json").is_file()
    assert entries(tmp_path) == ["2025-10"]  # no staging folder left behind


def test_rerun_replaces_the_month_and_gives_the_same_bytes(tmp_path):
    invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    first = snapshot(tmp_path / "2025-10")
    (tmp_path / "2025-10" / "stray.txt").write_text("left from an older run")
    invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert snapshot(tmp_path / "2025-10") == first


def test_bad_input_fails_with_file_line_column_and_keeps_earlier_outputs(tmp_path, inputs_copy, sample_report):
    outputs = tmp_path / "outputs"
    shutil.copytree(sample_report, outputs / "2025-10")  # the earlier outputs: the sample's October
    before = snapshot(outputs / "2025-10")
    lines = (inputs_copy / "actuals.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("132000", "十三万")
    (inputs_copy / "actuals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", outputs)
    assert result.exit_code == 2
    assert "actuals.csv 第4行 列「actual」" in result.stderr and "十三万" in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(outputs / "2025-10") == before
    assert entries(outputs) == ["2025-10"]


def test_a_broken_template_fails_cleanly_and_keeps_earlier_outputs(tmp_path, sample_report):
    outputs = tmp_path / "outputs"
    shutil.copytree(sample_report, outputs / "2025-10")  # the earlier outputs: the sample's October
    before = snapshot(outputs / "2025-10")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "plan.docx").write_bytes((ROOT / "docx_templates" / "plan.docx").read_bytes())
    (templates / "summary.docx").write_bytes(b"not a word file")
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs,
                    "--templates", templates)
    assert result.exit_code == 3 and "summary.docx" in result.stderr
    assert snapshot(outputs / "2025-10") == before
    assert entries(outputs) == ["2025-10"]


def test_a_month_without_targets_is_an_error(tmp_path):
    result = invoke("report", "--month", "2024-01", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path)
    assert result.exit_code == 2
    assert "targets*.csv" in result.stderr and "2024-01" in result.stderr and "2025-10" in result.stderr
    assert not any(tmp_path.iterdir())


def test_strict_turns_warnings_into_errors(tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "--strict")
    assert result.exit_code == 2 and "S1012 孙浩" in result.stderr
    assert not (tmp_path / "2025-10").exists()


def test_validate_prints_problems_and_writes_nothing(tmp_path, inputs_copy):
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 0 and "输入数据有效" in result.output and "S1012 孙浩" in result.stderr
    (inputs_copy / "org.csv").write_text("rep_id,rep_name,team\nS1001,张伟,上海一组\n", encoding="utf-8")
    before = snapshot(inputs_copy)
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2
    assert "org.csv 第1行 列「region」" in result.stderr
    assert snapshot(inputs_copy) == before


def test_the_default_months_are_the_previous_calendar_month_and_the_current_one():
    assert cycle(dt.date(2025, 11, 1)) == ["2025-10", "2025-11"]
    assert cycle(dt.date(2026, 1, 15)) == ["2025-12", "2026-01"]


def test_bad_month_option_is_a_usage_error():
    result = invoke("report", "--month", "October")
    assert result.exit_code == 2 and "October" in result.output




def test_python_dash_m_runs_the_cli(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--month", "2025-10",
                                "--inputs", str(SAMPLE_INPUTS)], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stderr
    assert "输入数据有效" in completed.stdout


def test_validate_also_checks_recipients_which_report_does_not_need(tmp_path, inputs_copy):
    with (inputs_copy / "recipients.csv").open("a", encoding="utf-8") as handle:
        handle.write("team,深圳组,not-an-address,主管\n")
    result = invoke("validate", "--month", "2025-10", "--inputs", inputs_copy)
    assert result.exit_code == 2 and "recipients.csv 第11行 列「email」" in result.stderr
    assert invoke("report", "--month", "2025-10", "--inputs", inputs_copy, "--outputs", tmp_path, "-q").exit_code == 0


def test_without_a_terminal_each_phase_prints_one_line_with_its_time(tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "--workers", "2")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert any(line.startswith("读取并校验输入，用时 ") and line.endswith(" 秒") for line in lines)
    assert any(line.startswith("生成文档 38 份，用时 ") for line in lines)
    assert "\r" not in result.stderr


def test_a_log_in_a_code_page_without_chinese_gets_escapes_not_a_traceback(tmp_path):
    """Windows writes redirected output in its ANSI code page; cp1252 holds no Chinese."""
    completed = subprocess.run([sys.executable, "-m", "pipeline", "validate", "--month", "2025-10",
                                "--inputs", str(SAMPLE_INPUTS)], capture_output=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "cp1252"})
    assert completed.returncode == 0, completed.stderr
    assert b"Traceback" not in completed.stderr
    assert "输入数据有效".encode("unicode_escape") in completed.stdout
