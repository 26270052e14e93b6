"""The Python API without click: what it returns, what it raises, and that it prints nothing."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from pipeline import api
from pipeline.errors import InputError, Problem, UsageError
from pipeline.months import Month

from .conftest import ROOT, SAMPLE_INPUTS


def test_importing_the_package_and_the_api_changes_no_pandas_option():
    code = ("import pandas as pd\nbefore = pd.get_option('mode.string_storage')\n"
            "import pipeline, pipeline.api, pipeline.cli\n"
            "assert pd.get_option('mode.string_storage') == before, pd.get_option('mode.string_storage')\n")
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_validate_lists_every_problem_with_its_place_and_nothing_for_valid_inputs(inputs_copy, capsys):
    assert api.validate("2025-10", inputs=SAMPLE_INPUTS) == []
    org = inputs_copy / "org.csv"
    lines = org.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 2)[0] + ",,"  # the first rep without region (and email)
    org.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = api.validate("2025-10", inputs=inputs_copy)
    assert problems and all(isinstance(p, Problem) for p in problems)
    assert any("org.csv" in str(p) and "region" in str(p) for p in problems)
    assert capsys.readouterr() == ("", "")  # nothing printed


def test_report_returns_the_documents_it_wrote(tmp_path, capsys):
    result = api.report("2025-10", inputs=SAMPLE_INPUTS, outputs=tmp_path, workers=1)
    documents = result.documents
    assert len(documents) == 38 and {d.kind for d in documents} == {"plan", "summary"}
    assert all(d.path.is_file() and tmp_path / "2025-10" in d.path.parents for d in documents)
    company = next(d for d in documents if d.level == "company" and d.kind == "summary")
    assert "2025年10月" in "\n".join(p.text for p in Document(company.path).paragraphs)
    assert (tmp_path / "2025-10" / "manifest.json").is_file()
    assert capsys.readouterr() == ("", "")


def test_a_named_month_without_targets_raises_and_writes_nothing(tmp_path):
    with pytest.raises(api.NoTargets) as raised:
        api.report("2024-01", inputs=SAMPLE_INPUTS, outputs=tmp_path)
    assert isinstance(raised.value, InputError) and raised.value.exit_code == 2
    assert "2025-10" in raised.value.found
    assert not any(tmp_path.iterdir())


def test_over_several_months_a_failing_one_does_not_stop_the_others(tmp_path):
    with pytest.raises(api.NoTargets) as raised:
        api.report("2024-09..2024-10", inputs=SAMPLE_INPUTS, outputs=tmp_path, workers=1)
    outcomes = {o.month: o.status for o in raised.value.result.months}
    assert outcomes == {"2024-09": "failed", "2024-10": "done"}
    assert (tmp_path / "2024-10" / "manifest.json").is_file() and not (tmp_path / "2024-09").exists()


def test_the_cycle_counts_from_salesreport_today_and_skips_a_month_without_targets(tmp_path, monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-12-05")
    chosen = api.months()
    assert chosen == ["2025-11", "2025-12"] and chosen.default and chosen.key == "2025-11..2025-12"
    result = api.report(inputs=SAMPLE_INPUTS, outputs=tmp_path, workers=1)
    assert [(o.month, o.status) for o in result.months] == [("2025-11", "done"), ("2025-12", "skipped")]
    assert len(result.documents) == 19  # November's plans


@pytest.mark.parametrize("month, expected", [
    ("2025-10", ["2025-10"]), ("2025年10月", ["2025-10"]), ("2025-11..2026-01", ["2025-11", "2025-12", "2026-01"]),
    (["2025-10", "2025/11"], ["2025-10", "2025-11"]),
])
def test_months_name_a_month_a_range_or_a_list(month, expected):
    assert api.months(month) == expected and not api.months(month).default


@pytest.mark.parametrize("month", ["2025-13", "October", "2025-11..2025-10", "2025-10..", "2015-01..2025-01", []])
def test_a_month_that_is_not_one_is_a_usage_error(month):
    with pytest.raises(UsageError):
        api.months(month)


def test_a_bad_salesreport_today_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("SALESREPORT_TODAY", "2025-13-01")
    with pytest.raises(UsageError, match="SALESREPORT_TODAY"):
        api.months()


def test_the_month_value_knows_its_calendar():
    month = Month("2025-01")
    assert (month.previous, month.next, month.shift(-12), month.label) == ("2024-12", "2025-02", "2024-01", "2025年1月")
    assert Month.parse("2025年10月1日") == "2025-10" and isinstance(Month.parse("202510"), Month)
    with pytest.raises(ValueError):
        Month("2025-1")


def test_approve_status_and_distribute_over_a_report(tmp_path):
    with pytest.raises(UsageError, match="请先运行 salesreport report"):  # no report yet: not an input problem
        api.approve("2025-11", inputs=SAMPLE_INPUTS, outputs=tmp_path, by="王经理")
    api.report("2025-11", inputs=SAMPLE_INPUTS, outputs=tmp_path, workers=1)
    [approval] = api.approve("2025-11", inputs=SAMPLE_INPUTS, outputs=tmp_path, by="王经理")
    assert (approval.month, approval.by, len(approval.documents), approval.added) == ("2025-11", "王经理", 19, 19)
    found = api.status("2025-11", inputs=SAMPLE_INPUTS, outputs=tmp_path)
    assert not found.complete and found.months[0].documents == 19
    trial = api.distribute("2025-11", inputs=SAMPLE_INPUTS, outputs=tmp_path, dry_run=True)
    assert trial.count("dry-run") == len(found.months[0].recipients) > 0
    with pytest.raises(UsageError, match="不是 2025-11 的收件人"):
        api.preview("2025-11", "nobody@example.com", "me@example.com", inputs=SAMPLE_INPUTS, outputs=tmp_path)


def test_the_example_of_docs_api_runs(tmp_path, monkeypatch, capsys):
    page = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    (tmp_path / "inputs").symlink_to(SAMPLE_INPUTS)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "docs/API.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith("38 documents") and "summary 公司 outputs/2025-10/" in printed
    assert os.path.isdir(tmp_path / "outputs" / "2025-10")


def test_a_cycle_without_any_report_names_the_months_that_have_one(tmp_path, monkeypatch, sample_report):
    monkeypatch.setenv("SALESREPORT_TODAY", "2026-12-06")  # the cycle: 2026-11 and 2026-12, no targets
    with pytest.raises(UsageError, match="2026-11、2026-12 都还没有报告.*还没有任何报告"):
        api.distribute(inputs=SAMPLE_INPUTS, outputs=tmp_path, dry_run=True)
    (tmp_path / "2025-10").symlink_to(sample_report, target_is_directory=True)
    with pytest.raises(UsageError, match="已有报告的月份：2025-10，请指定其中一个月"):
        api.approve(inputs=SAMPLE_INPUTS, outputs=tmp_path, by="王经理")


def test_collect_reads_filled_fields_back_without_printing(sample_report, tmp_path, capsys):
    from .filling import fill

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    source = sample_report / "rep" / "2025-10_李娜(S1003)_月度工作总结.docx"
    filled = fill(source, {"销售额·下月改进措施": "宝钢项目11月第2周签约"}, out=tmp_path / "李娜.docx")
    result = api.collect([filled], "2025-10", inputs=inputs, outputs=sample_report.parent)
    assert not result.refused and capsys.readouterr() == ("", "")
    assert [(r["level"], r["unit"], r["metric"], r["section"], r["text"]) for r in api.collected(inputs=inputs)] == \
        [("rep", "S1003", "sales", "next_step", "宝钢项目11月第2周签约")]
    with pytest.raises(UsageError):
        api.collect([filled], "2025-13", inputs=inputs, outputs=sample_report.parent)
