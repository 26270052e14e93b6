"""check-templates catches what a Word edit can break; report --templates uses a user's copies."""
import shutil

import pytest
from docx import Document

from .conftest import SAMPLE_INPUTS, TEMPLATES, invoke


@pytest.fixture
def templates(tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    return folder


def add_paragraph(path, text):
    doc = Document(path)
    doc.add_paragraph(text)
    doc.save(path)


def test_the_shipped_templates_pass(templates):
    result = invoke("check-templates", "--templates", templates)
    assert result.exit_code == 0 and "模板检查通过" in result.output


def test_a_broken_tag_is_reported_with_the_text_around_it(templates):
    add_paragraph(templates / "plan.docx", "请在此补充说明 {% if strategies %} 但忘了结束")
    result = invoke("check-templates", "--templates", templates)
    assert result.exit_code == 3
    assert "plan.docx（正文）：标签语法错误" in result.stderr and "请在此补充说明" in result.stderr


def test_smart_quotes_that_word_types_inside_tags_still_work(templates):
    add_paragraph(templates / "summary.docx", "{{ title|replace(“公司”, “集团”) }}")
    assert invoke("check-templates", "--templates", templates).exit_code == 0


def test_an_undefined_variable_is_named(templates):
    add_paragraph(templates / "summary.docx", "负责人：{{ unit_manager }}")
    result = invoke("check-templates", "--templates", templates)
    assert result.exit_code == 3 and "summary.docx（正文）：未定义的变量「unit_manager」" in result.stderr


def test_a_misspelt_attribute_is_caught_by_rendering(templates):
    doc = Document(templates / "plan.docx")
    table1 = next(t for t in doc.tables if t.rows[0].cells[2].text == "具体任务描述")
    cell = next(row.cells[2] for row in table1.rows if row.cells[2].text == "{{ row.task }}")
    cell.paragraphs[0].runs[0].text = "{{ row.tsak }}"
    doc.save(templates / "plan.docx")
    result = invoke("check-templates", "--templates", templates)
    assert result.exit_code == 3 and "tsak" in result.stderr


def test_a_missing_table2_is_reported(templates):
    doc = Document(templates / "summary.docx")
    table = next(t for t in doc.tables if t.rows[0].cells[4].text == "差异原因分析")
    table._tbl.getparent().remove(table._tbl)
    doc.save(templates / "summary.docx")
    result = invoke("check-templates", "--templates", templates)
    assert result.exit_code == 3 and "找不到表2" in result.stderr


def test_report_uses_a_users_own_templates(templates, tmp_path):
    add_paragraph(templates / "plan.docx", "本计划由{{ unit_label }}销售运营部编制。")
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path / "out",
                    "--templates", templates)
    assert result.exit_code == 0
    plan = Document(tmp_path / "out" / "2025-10" / "team" / "2025-10_深圳组_月度工作计划.docx")
    assert plan.paragraphs[-1].text == "本计划由深圳组销售运营部编制。"
