"""Shared fixtures: the sample inputs, a report run of them, and tiny frames built in code."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INPUTS = ROOT / "inputs"
TEMPLATES = ROOT / "docx_templates"
# The tests call the stages directly too: with text in Python strings, as the API runs them.
pd.set_option("mode.string_storage", "python")


def invoke(*args: str):
    """Run the CLI in-process; returns click's Result (exit_code, output, stderr)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def inputs_copy(tmp_path) -> Path:
    """A private copy of the sample inputs that a test may change."""
    folder = tmp_path / "inputs"
    shutil.copytree(SAMPLE_INPUTS, folder)
    return folder


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """outputs/2025-10 of the sample inputs, rendered once per test session."""
    outputs = tmp_path_factory.mktemp("outputs")
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "-q")
    assert result.exit_code == 0, result.output
    return outputs / "2025-10"


@pytest.fixture(scope="session")
def sample_pdf_report(tmp_path_factory) -> Path:
    """outputs/2025-10 of the sample inputs with a PDF of every document, made once per test
    session (LibreOffice is the slowest thing the suite runs); skips where PDFs cannot be made."""
    from pipeline.documents import pdf

    if not ((shutil.which("soffice") or shutil.which("libreoffice")) and pdf.has_chinese_font()
            and shutil.which("pdftotext") and shutil.which("pdffonts")):
        pytest.skip("LibreOffice, a CJK font or poppler-utils is not installed here (.ci/run installs all three)")
    outputs = tmp_path_factory.mktemp("pdf")
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "--pdf", "-q")
    assert result.exit_code == 0, result.output
    return outputs / "2025-10"


@pytest.fixture(scope="session")
def sample_november(tmp_path_factory) -> Path:
    """An outputs folder holding the sample's 2025-11 (plans only), rendered once per test session;
    read it, or copy it before writing beside it."""
    outputs = tmp_path_factory.mktemp("november")
    result = invoke("report", "--month", "2025-11", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "-q")
    assert result.exit_code == 0, result.output
    return outputs


def org_frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rep_id", "rep_name", "team", "region"]).assign(email="")


def entries(folder: Path) -> list[str]:
    """What a run left in `folder`, apart from its (empty, reusable) lock files and the key that
    signs the documents' fill-in fields (made once, kept)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock") and p.name != ".fields.key")


def write_inputs(folder: Path, name: str, team: str, region: str, note: str, task: str) -> None:
    """An inputs folder of one rep in one team and region (4 units, 8 documents): sales 90 of a
    target of 100 in 2025-10, one task, and `note` as a company, a team and a rep note."""
    folder.mkdir(parents=True, exist_ok=True)

    def table(file, header, rows):
        with (folder / file).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    table("org.csv", ["rep_id", "rep_name", "team", "region"], [["R1", name, team, region]])
    table("targets.csv", ["month", "rep_id", "metric", "target"], [["2025-10", "R1", "sales", "100"]])
    table("actuals.csv", ["month", "rep_id", "metric", "actual"], [["2025-10", "R1", "sales", "90"]])
    table("tasks.csv", ["month", "metric", "task", "owner", "due", "notes"],
          [["2025-10", "sales", task, "R1", "2025-10-09", note]])
    table("notes.csv", ["month", "level", "unit", "metric", "section", "text"],
          [["2025-10", "company", "x", "", "highlight", note], ["2025-10", "team", team, "sales", "problem", note],
           ["2025-10", "rep", "R1", "", "risk", note]])
