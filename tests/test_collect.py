"""Fill in and collect back (issue 24): fields filled the way Word saves them are collected into
inputs/notes_collected.csv, and the next report shows them where they were written, rolled up,
and carried into next month's plan. Altered, moved or foreign fields are refused whole and
named; collecting is idempotent; a newer version replaces an older one; returned files are read
as untrusted. Read from the opened .docx and the command's output, as a user would."""
from __future__ import annotations

import copy
import csv
import email.message
import shutil
from pathlib import Path

import pytest
from lxml import etree

from pipeline import fieldtag
from pipeline.fieldtag import Identity
from pipeline.inputs import load
from pipeline.inputs.returned import Returned, ReturnedField, clean, judge

from .conftest import SAMPLE_INPUTS, invoke
from .docx_reading import body_text, document_controls, rows_of_cells, table_with_header
from .filling import _w, fill, parts, tags, write_parts

TABLE2 = ["核心指标", "月度目标", "实际完成", "达成率", "差异原因分析", "成功经验/亮点", "存在问题与挑战", "下月改进措施"]
NEXT_STEP, HIGHLIGHT, PROBLEM = 7, 5, 6  # columns of Table 2
TABLE1 = ["核心指标", "月度目标", "具体任务描述", "负责人", "计划完成时间", "完成标准", "备注(资源/风险)"]


def summary(outputs: Path, month: str, level: str, label: str) -> Path:
    return outputs / month / level / f"{month}_{label}_月度工作总结.docx"


def plan(outputs: Path, month: str, level: str, label: str) -> Path:
    return outputs / month / level / f"{month}_{label}_月度工作计划.docx"


def collected(inputs: Path) -> list[dict]:
    with (inputs / "notes_collected.csv").open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


LI_NA = "李娜(S1003)"
WANG_FANG = "王芳(S1002)"


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    """The sample reported for 2025-10..2025-11; a rep's, a team's and a region's October
    summaries filled in Word's way and collected; then reported again."""
    root = tmp_path_factory.mktemp("round_trip")
    inputs, outputs, back = root / "inputs", root / "outputs", root / "back"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    back.mkdir()
    first = invoke("report", "--month", "2025-10..2025-11", "--inputs", inputs, "--outputs", outputs, "-q")
    assert first.exit_code == 0, first.output
    fill(summary(outputs, "2025-10", "rep", LI_NA),
         {"销售额·下月改进措施": "宝钢项目11月第2周签约\n每周两次同步采购部", "改进措施": "整理A类客户名单"},
         author="李娜", out=back / "李娜_总结.docx")
    fill(summary(outputs, "2025-10", "team", "上海一组"), {"拜访次数·存在问题与挑战": "拜访集中在月末，前两周空档"},
         author="张伟", out=back / "上海一组_总结.docx")
    fill(summary(outputs, "2025-10", "region", "华东区"), {"回款金额·成功经验/亮点": "回款周会逐单跟进，逾期款清零"},
         author="华东区经理", out=back / "华东区_总结.docx")
    fill(plan(outputs, "2025-11", "rep", LI_NA), {"销售额·具体任务描述": "宝钢签约后跟进首批订单交付"},
         author="李娜", out=back / "李娜_11月计划.docx")
    collect = invoke("collect", back, "--inputs", inputs, "--outputs", outputs)
    again = invoke("report", "--month", "2025-10..2025-11", "--inputs", inputs, "--outputs", outputs, "-q")
    assert again.exit_code == 0, again.output
    return {"inputs": inputs, "outputs": outputs, "back": back, "collect": collect}


def test_collect_takes_every_filled_field_with_who_and_when(round_trip):
    result = round_trip["collect"]
    assert result.exit_code == 0, result.output
    assert "收取 " in result.output and "新增 2" in result.output and "拒收 0" in result.output
    rows = {(r["unit"], r["metric"], r["section"]): r for r in collected(round_trip["inputs"])}
    assert len(rows) == 5  # the fields left as placeholders are no notes
    li = rows[("S1003", "sales", "next_step")]
    assert li["text"] == "宝钢项目11月第2周签约\n每周两次同步采购部"
    assert (li["month"], li["level"], li["author"], li["modified"]) == ("2025-10", "rep", "李娜", "2025-11-03T09:00:00Z")
    assert li["file"].endswith("李娜_总结.docx")
    assert rows[("S1003", "", "next_step")]["text"] == "整理A类客户名单"


def test_the_next_report_shows_each_text_where_it_was_written(round_trip):
    outputs = round_trip["outputs"]
    rep = rows_of_cells(summary(outputs, "2025-10", "rep", LI_NA), TABLE2)
    assert rep["销售额"][NEXT_STEP].text == "宝钢项目11月第2周签约\n每周两次同步采购部"
    assert "整理A类客户名单" in body_text(summary(outputs, "2025-10", "rep", LI_NA))
    team = rows_of_cells(summary(outputs, "2025-10", "team", "上海一组"), TABLE2)
    assert team["拜访次数"][PROBLEM].text == "拜访集中在月末，前两周空档"
    region = rows_of_cells(summary(outputs, "2025-10", "region", "华东区"), TABLE2)
    assert region["回款金额"][HIGHLIGHT].text == "回款周会逐单跟进，逾期款清零"
    task = next(row for row in table_with_header(plan(outputs, "2025-11", "rep", LI_NA), TABLE1) if row[0] == "销售额")
    assert task[2] == "宝钢签约后跟进首批订单交付"
    # where a text now stands, its field is gone
    titles = {c["title"] for c in document_controls(summary(outputs, "2025-10", "rep", LI_NA))}
    assert "销售额·下月改进措施" not in titles and "新客户开发数量·下月改进措施" in titles


def test_the_texts_roll_up_as_notes_do(round_trip):
    outputs = round_trip["outputs"]
    team = rows_of_cells(summary(outputs, "2025-10", "team", "上海一组"), TABLE2)
    assert "\n李娜：宝钢项目11月第2周签约\n" in team["销售额"][NEXT_STEP].text  # after 张伟's, from notes.csv
    region = rows_of_cells(summary(outputs, "2025-10", "region", "华东区"), TABLE2)
    assert region["拜访次数"][PROBLEM].text.split("\n")[0] == "上海一组：拜访集中在月末，前两周空档"  # the data's after it
    assert "上海一组·李娜：宝钢项目11月第2周签约" in region["销售额"][NEXT_STEP].text
    company = rows_of_cells(summary(outputs, "2025-10", "company", "公司"), TABLE2)
    assert company["回款金额"][HIGHLIGHT].text == "华东区：回款周会逐单跟进，逾期款清零"
    assert company["拜访次数"][PROBLEM].text == "华东区·上海一组：拜访集中在月末，前两周空档"


def test_next_months_plan_carries_last_months_collected_next_steps(round_trip):
    outputs = round_trip["outputs"]
    assert "销售额：宝钢项目11月第2周签约" in body_text(plan(outputs, "2025-11", "rep", LI_NA))
    assert "销售额（李娜）：宝钢项目11月第2周签约" in body_text(plan(outputs, "2025-11", "team", "上海一组"))


def test_collect_list_shows_what_is_held_per_unit_and_from_which_file(round_trip):
    result = invoke("collect", "--list", "--inputs", round_trip["inputs"])
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("2025-10 个人 S1003"))
    assert "2025-10 个人 S1003：2 条" in line and "李娜_总结.docx" in line and "李娜" in line
    assert "共 5 条，4 个单位" in result.output


# Refusals, idempotence, versions: against the session's sample report, each with its own inputs.

def _collect(inputs: Path, report: Path, *paths, month: str | None = None):
    return invoke("collect", *paths, "--inputs", inputs, "--outputs", report.parent,
                  *(["--month", month] if month else []))


def _retagged(old: str, new: str):
    def edit(root):
        for tag in root.iter(_w("tag")):
            if tag.get(_w("val")) == old:
                tag.set(_w("val"), new)
    return edit


def test_an_altered_tag_refuses_the_document_whole_and_names_it(sample_report, tmp_path):
    source = summary(sample_report.parent, "2025-10", "rep", LI_NA)
    original = next(t for t in tags(source) if "|sales|next_step|" in t)
    altered = original.replace("|S1003|", "|S1001|")
    bad = fill(source, {"销售额·下月改进措施": "改过标记", "改进措施": "同一文档的另一栏"},
               out=tmp_path / "altered.docx", edit=_retagged(original, altered))
    good = fill(summary(sample_report.parent, "2025-10", "rep", WANG_FANG), {"改进措施": "王芳的措施"},
                author="王芳", out=tmp_path / "good.docx")
    inputs = tmp_path / "inputs"
    result = _collect(inputs, sample_report, bad, good)
    assert result.exit_code == 2
    refusal = next(line for line in result.stderr.splitlines() if line.startswith("拒收"))
    assert "altered.docx" in refusal and "销售额·下月改进措施" in refusal and "签名不符" in refusal
    texts = [row["text"] for row in collected(inputs)]
    assert texts == ["王芳的措施"]  # nothing of the refused document; the other one collected


def test_a_field_copied_from_another_units_document_is_refused_and_named(sample_report, tmp_path):
    theirs = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"销售额·下月改进措施": "李娜写的"},
                  out=tmp_path / "li.docx")
    their_field = next(s for s in etree.fromstring(parts(theirs)["word/document.xml"]).iter(_w("sdt"))
                       if s.find(f"{_w('sdtPr')}/{_w('alias')}").get(_w("val")) == "销售额·下月改进措施")

    def paste(root):  # Word's copy and paste of a filled field keeps its tag
        first = next(root.iter(_w("sdt")))
        first.addnext(copy.deepcopy(their_field))

    mine = fill(summary(sample_report.parent, "2025-10", "rep", WANG_FANG), {"改进措施": "王芳的措施"},
                author="王芳", out=tmp_path / "wang.docx", edit=paste)
    inputs = tmp_path / "inputs"
    result = _collect(inputs, sample_report, mine)
    assert result.exit_code == 2
    assert "拒收" in result.stderr and "wang.docx" in result.stderr
    assert "来自另一份文档（个人 S1003 的 2025-10 月度工作总结）" in result.stderr
    assert "本文档是个人 S1002 的 2025-10 月度工作总结" in result.stderr
    assert not (inputs / "notes_collected.csv").exists()


def test_a_field_of_no_issued_document_is_refused(sample_report, tmp_path):
    key = bytes.fromhex((sample_report.parent / ".fields.key").read_text().strip())
    source = summary(sample_report.parent, "2025-10", "rep", LI_NA)
    forged = {}
    for text in tags(source):  # signed with the right key, for a month never reported
        identity = fieldtag.verify(text, key)
        forged[text] = fieldtag.tag(fieldtag.Identity("2024-01", *identity.parts()[1:]), key)

    def edit(root):
        for tag in root.iter(_w("tag")):
            tag.set(_w("val"), forged[tag.get(_w("val"))])

    path = fill(source, {"改进措施": "一月的措施"}, out=tmp_path / "old.docx", edit=edit)
    result = _collect(tmp_path / "inputs", sample_report, path)
    assert result.exit_code == 2
    assert "不属于任何已发出的文档（输出文件夹中没有个人 S1003 的 2024-01 月度工作总结）" in result.stderr


def test_collecting_twice_adds_nothing_twice(sample_report, tmp_path):
    path = fill(summary(sample_report.parent, "2025-10", "team", "上海一组"), {"拜访次数·存在问题与挑战": "拜访集中在月末"},
                out=tmp_path / "team.docx")
    inputs = tmp_path / "inputs"
    first = _collect(inputs, sample_report, path)
    written = (inputs / "notes_collected.csv").read_bytes()
    again = _collect(inputs, sample_report, path, tmp_path)  # the file itself, and its folder
    assert first.exit_code == again.exit_code == 0
    assert "新增 1" in first.output and "已收过 1" in again.output and "没有变化" in again.output
    assert (inputs / "notes_collected.csv").read_bytes() == written
    assert len(collected(inputs)) == 1


def test_a_newer_version_replaces_the_older_whatever_the_order(sample_report, tmp_path):
    source = summary(sample_report.parent, "2025-10", "team", "上海一组")
    field = "拜访次数·存在问题与挑战"
    older = fill(source, {field: "初稿"}, modified="2025-11-03T09:00:00Z", out=tmp_path / "v1.docx")
    newer = fill(source, {field: "定稿"}, modified="2025-11-04T09:00:00Z", out=tmp_path / "v2.docx")
    inputs = tmp_path / "inputs"
    _collect(inputs, sample_report, newer)
    result = _collect(inputs, sample_report, older)
    assert "较旧未用 1" in result.output
    assert [r["text"] for r in collected(inputs)] == ["定稿"]
    newest = fill(source, {field: "终稿"}, modified="2025-11-05T09:00:00Z", out=tmp_path / "v3.docx")
    assert "更新 1" in _collect(inputs, sample_report, newest).output
    same_time = fill(source, {field: "同时的另一版"}, modified="2025-11-05T09:00:00Z", out=tmp_path / "v4.docx")
    _collect(inputs, sample_report, same_time)  # the same time: the one collected later
    rows = collected(inputs)
    assert [(r["text"], r["file"].endswith("v4.docx")) for r in rows] == [("同时的另一版", True)]


def test_a_field_left_as_its_placeholder_is_no_note(sample_report, tmp_path):
    untouched = tmp_path / "untouched.docx"
    shutil.copy(summary(sample_report.parent, "2025-10", "rep", LI_NA), untouched)
    result = _collect(tmp_path / "inputs", sample_report, untouched)
    assert result.exit_code == 0
    assert "没有填写的内容" in result.output
    assert not (tmp_path / "inputs" / "notes_collected.csv").exists()


def test_a_mail_with_the_document_attached_is_collected(sample_report, tmp_path):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"改进措施": "邮件里交回的"},
                out=tmp_path / "li.docx")
    message = email.message.EmailMessage()
    message["From"], message["Subject"] = "li.na@example.com", "回复：10月总结"
    message["Date"] = "Tue, 04 Nov 2025 10:00:00 +0800"
    message.set_content("见附件")
    message.add_attachment(path.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename="李娜_10月总结.docx")
    mail = tmp_path / "mail" / "reply.eml"
    mail.parent.mkdir()
    mail.write_bytes(message.as_bytes())
    inputs = tmp_path / "inputs"
    result = _collect(inputs, sample_report, mail.parent)
    assert result.exit_code == 0, result.output
    assert "reply.eml › 李娜_10月总结.docx" in result.output
    assert [r["text"] for r in collected(inputs)] == ["邮件里交回的"]


def test_only_the_months_asked_for_are_collected(sample_report, tmp_path):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"改进措施": "十月的"}, out=tmp_path / "li.docx")
    result = _collect(tmp_path / "inputs", sample_report, path, month="2025-11")
    assert result.exit_code == 0
    assert "跳过" in result.output and "2025-10 的文档" in result.output
    assert not (tmp_path / "inputs" / "notes_collected.csv").exists()


def test_a_cause_field_is_collected_with_its_cause_and_a_foreign_key_refused():
    key, other = b"k" * 32, b"o" * 32
    fields = tuple(ReturnedField(fieldtag.tag(Identity("2025-10", "rep", "S1003", "summary", "sales", "variance_reason",
                                                       cause), key), f"销售额·差异原因（{cause}）", text, len(text))
                   for cause, text in (("主观", "拜访不足"), ("客观", "")))
    document = Returned("li.docx", fields, author="李娜", modified="2025-11-03T09:00:00Z")
    judged = judge(document, key, lambda document: True)
    assert judged.status == "taken"
    assert [(n["section"], n["metric"], n["cause"], n["text"]) for n in judged.notes] == [
        ("variance_reason", "sales", "主观", "拜访不足")]  # the 客观 field was left empty
    refused = judge(document, other, lambda document: True)  # the tags of another outputs folder
    assert refused.status == "refused" and "签名不符" in refused.reason and not refused.notes


# Editors and flattened documents

def _flatten(root):  # what 删除内容控件, or saving without the controls, leaves: the text, no field
    for sdt in list(root.iter(_w("sdt"))):
        for run in sdt.find(_w("sdtContent")):
            sdt.addprevious(run)
        sdt.getparent().remove(sdt)


def _as_libreoffice_saves(root):  # measured with LibreOffice 7.4: w:alias and w:text kept, w:tag dropped
    for properties in root.iter(_w("sdtPr")):
        for child in properties.findall(_w("tag")) + properties.findall(_w("showingPlcHdr")):
            properties.remove(child)


@pytest.mark.parametrize("edit, said", [
    (_flatten, ["文档中没有填写栏", "扁平化"]),
    (_as_libreoffice_saves, ["标记已丢失", "LibreOffice"]),
], ids=["flattened", "libreoffice"])
def test_a_document_without_its_fields_is_reported_as_such(sample_report, tmp_path, edit, said):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"改进措施": "写在控件里"},
                out=tmp_path / "saved.docx", edit=edit)
    result = _collect(tmp_path / "inputs", sample_report, path)
    assert result.exit_code == 2
    assert "拒收" in result.stderr and "saved.docx：" in result.stderr
    assert all(words in result.stderr for words in said)
    assert not (tmp_path / "inputs" / "notes_collected.csv").exists()


# Safe to read

def test_control_characters_are_stripped_from_a_fields_text(sample_report, tmp_path):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA),
                {"改进措施": "第一行\u0085换行\u202e反向\t制表\n\n第二行 <b>&amp;{{ x }}"}, out=tmp_path / "c.docx")
    inputs = tmp_path / "inputs"
    assert _collect(inputs, sample_report, path).exit_code == 0
    assert [r["text"] for r in collected(inputs)] == ["第一行换行反向 制表\n第二行 <b>&amp;{{ x }}"]
    assert clean(" a\x00b \r\n\x1b[31m c ") == "ab\n[31m c"


def test_a_field_past_2000_characters_refuses_its_document(sample_report, tmp_path):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"改进措施": "长" * 2001},
                out=tmp_path / "long.docx")
    result = _collect(tmp_path / "inputs", sample_report, path)
    assert result.exit_code == 2
    assert "有 2,001 个字，超过 2,000 字" in result.stderr


def _with_body(source: Path, target: Path, body: bytes) -> Path:
    content = parts(source)
    content["word/document.xml"] = body
    write_parts(target, content)
    return target


@pytest.mark.parametrize("body, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>&b;</w:body>'
     b'</w:document>', "DTD"),
    (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
     + b"<w:p>" * 200 + b"</w:p>" * 200 + b"</w:document>", "嵌套超过"),
    (b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
     + b" " * (3 * 2**20) + b"</w:body></w:document>", "疑似压缩炸弹"),
    (b"<w:document><unclosed>", "不是有效的 XML"),
])
def test_a_hostile_document_is_refused_without_being_expanded(sample_report, tmp_path, body, reason):
    path = _with_body(summary(sample_report.parent, "2025-10", "rep", LI_NA), tmp_path / "hostile.docx", body)
    result = _collect(tmp_path / "inputs", sample_report, path)
    assert result.exit_code == 2
    assert "拒收" in result.stderr and reason in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("limit, reason", [(5_000, "文件超过"), ("between", "解压后超过")])
def test_a_returned_file_past_the_input_readers_size_limits_is_refused(sample_report, tmp_path, monkeypatch,
                                                                       limit, reason):
    path = fill(summary(sample_report.parent, "2025-10", "rep", LI_NA), {"改进措施": "写了"}, out=tmp_path / "big.docx")
    if limit == "between":  # the file within the limit, its parts decompressed past it
        limit = path.stat().st_size + 1_000
    monkeypatch.setattr(load, "MAX_FILE_BYTES", limit)
    result = _collect(tmp_path / "inputs", sample_report, path)
    assert result.exit_code == 2
    assert f"big.docx：{reason}" in result.stderr


def test_a_file_that_is_no_document_is_refused_and_named(sample_report, tmp_path):
    (tmp_path / "fake.docx").write_bytes(b"MZ\x90\x00 not a zip")
    (tmp_path / "notes.txt").write_text("x")
    result = _collect(tmp_path / "inputs", sample_report, tmp_path / "fake.docx", tmp_path / "notes.txt",
                      tmp_path / "missing.docx")
    assert result.exit_code == 2
    assert "fake.docx：不是 Word 文档" in result.stderr
    assert "notes.txt：不是 .docx 或 .eml 文件" in result.stderr
    assert "missing.docx：找不到这个文件或文件夹" in result.stderr


def test_collect_without_the_outputs_key_says_so(tmp_path):
    (tmp_path / "a.docx").write_bytes(b"")
    result = invoke("collect", tmp_path / "a.docx", "--inputs", tmp_path / "inputs", "--outputs", tmp_path / "none")
    assert result.exit_code == 2
    assert "没有签名密钥" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "none").exists()
