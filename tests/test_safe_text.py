"""Any text a user types comes through literally and safely: documents, file names, metrics.csv."""
import csv
from pathlib import Path

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.publish import safe_name, unique_path
from pipeline.run import check, write_report
from pipeline.inputs.values import clean_text

from .conftest import TEMPLATES, invoke, write_inputs
from .docx_reading import assert_well_formed

HOSTILE = ["A&B公司", "<w:t>破坏</w:t>", '"引号" \'单引号\'', "{{ title }}", "{% if x %}y{% endif %}",
           "{_{ 拆分 }_}", "😀 表情", "第一行\n第二行", "制表\t符", "控制\x00\x07\x0c\x1b字符", "长" * 3000,
           "..\\..\\etc/passwd", "CON", "= SUM(A1)", "-1+2", "@cmd", "a]]>b"]


def all_text(path: Path) -> str:
    """Every paragraph of the body, tables and page header, as a reader sees them."""
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    parts += [p.text for p in doc.sections[0].header.paragraphs]
    return "\n".join(parts)


def documents_of(outputs: Path) -> list[Path]:
    return sorted((outputs / "2025-10").rglob("*.docx"))


def render_and_check(tmp: Path, name, team, region, note, task) -> None:
    write_inputs(tmp / "in", name, team, region, note, task)
    report = write_report(check("2025-10", tmp / "in"), tmp / "out", TEMPLATES)
    docs = documents_of(tmp / "out")
    assert len(docs) == 8 and all(p.resolve().is_relative_to((tmp / "out" / "2025-10").resolve()) for p in docs)
    texts = {}
    for path in docs:
        assert_well_formed(path)
        texts[path] = all_text(path)
    everything = "\n".join(texts.values())
    for shown in (name, team, region, note, task):
        assert clean_text(shown) in everything, shown
    rep_docs = [p for p in docs if p.parent.name == "rep"]
    assert all(clean_text(name) in texts[p] for p in rep_docs)
    assert len({e["path"] for e in report.documents}) == 8


def one_line(text: str) -> str:
    """`text` as a name may hold it: a line break is free text's alone (an input error in a name)."""
    return text.replace("\r", " ").replace("\n", " ")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_field_comes_through_literally(text, tmp_path):
    name = one_line(text)
    render_and_check(tmp_path, f"甲{name}", f"组{name}", f"区{name}", f"注{text}", f"任务{text}")


def test_a_newline_is_a_line_break_and_never_a_page_break(tmp_path):
    render_and_check(tmp_path, "甲", "组", "区", "第一行\n第二行\f第三行", "任务")
    for path in documents_of(tmp_path / "out"):
        assert 'w:type="page"' not in Document(path).element.xml


field_text = st.text(min_size=1, max_size=40).filter(lambda s: clean_text(s) != "")
name_text = field_text.filter(lambda s: "\r" not in s and "\n" not in s)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=name_text, team=name_text, region=name_text, note=field_text, task=field_text)
def test_any_text_gives_well_formed_documents_that_show_it(tmp_path_factory, name, team, region, note, task):
    render_and_check(tmp_path_factory.mktemp("case"), name, team, region, note, task)


@pytest.mark.parametrize("text, expected", [
    ("华东区", "华东区"), ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
    ("尾点. ", "尾点"), ("..", "_"), ("", "_"), ("x" * 200, "x" * 80), ("com1", "_com1"),
])
def test_safe_name(text, expected):
    assert safe_name(text) == expected


def test_unique_path_never_reuses_a_name(tmp_path):
    taken = set()
    names = [unique_path(tmp_path, "A", ".docx", taken).name for _ in range(3)]
    assert names == ["A.docx", "A-2.docx", "A-3.docx"]
    assert unique_path(tmp_path, "a", ".docx", taken).name == "a-4.docx"  # Windows ignores case


def test_metrics_csv_guards_formula_text(tmp_path):
    write_inputs(tmp_path / "in", "甲", "=HYPERLINK(\"x\")", "+区", "注", "任务")
    assert invoke("report", "--month", "2025-10", "--inputs", tmp_path / "in", "--outputs", tmp_path / "out").exit_code == 0
    rows = list(csv.DictReader((tmp_path / "out" / "2025-10" / "metrics.csv").read_text(encoding="utf-8-sig")
                               .splitlines()))
    units = {r["level"]: r["unit"] for r in rows}
    assert units["team"] == "'=HYPERLINK(\"x\")" and units["region"] == "'+区"
    assert next(r for r in rows if r["level"] == "rep")["variance"] == "-10"  # numbers are not guarded
