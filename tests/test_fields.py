"""Fill-in fields (issue 23, item 1): where data and notes leave a narrative empty, the documents
hold a titled, tagged plain-text content control with a greyed hint; the tag is signed under the
outputs' key and `verify` tells an issued field from an altered or foreign one."""
from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from docx import Document

from pipeline.documents import fields, fill_in
from pipeline.documents.context import contexts
from pipeline.documents.render import render_bytes
from pipeline.layout import FIELDS_KEY
from pipeline.outputs import fields_key
from pipeline.run import check

from .conftest import SAMPLE_INPUTS, TEMPLATES, invoke
from .docx_reading import controls, document_controls, rows_of_cells
from .test_documents import document

KEY = bytes(range(32))
TABLE2 = ["核心指标", "月度目标", "实际完成", "达成率", "差异原因分析", "成功经验/亮点", "存在问题与挑战", "下月改进措施"]
RISKS = ["风险", "应对措施"]


@pytest.mark.parametrize("unit", ["华东二组", "A|B%7C组", "甲&乙<丙>\"丁\"", "tab\there", "x\x01y", ""])
def test_a_tag_carries_its_identity_through_any_unit_name(unit):
    identity = fields.Identity("2025-10", "team", unit, "summary", "sales", "variance_reason", "主观")
    tag = fields.tag(identity, KEY)
    assert tag.count("|") == 8 and not any(ord(c) < 32 for c in tag)
    assert fields.verify(tag, KEY) == identity


@pytest.mark.parametrize("key", [KEY, b"", b"k" * 64, b"k" * 65, os.urandom(100)])
def test_a_signature_is_hmac_sha256_of_the_parts_so_tags_issued_before_still_verify(key):
    # the documents out in the world were signed by hmac.new: the same digest, for any key length
    import hashlib
    import hmac
    identity = fields.Identity("2025-10", "team", "甲&乙|组", "summary", "sales", "variance_reason", "主观")
    message = "\x1f".join(("sr1", *identity.parts())).encode("utf-8")
    assert fields.signature(identity, key) == hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def test_a_tag_is_short_and_readable():
    identity = fields.Identity("2025-10", "team", "华东二组", "summary", "sales", "next_step")
    tag = fields.tag(identity, KEY)
    assert tag.startswith("sr1|2025-10|team|华东二组|summary|sales|next_step||") and len(tag) < 80


@pytest.mark.parametrize("change", [
    lambda t: t.replace("华东二组", "华东一组"),  # moved to another unit's identity
    lambda t: t.replace("|sales|", "|collection|"),
    lambda t: t.replace("|summary|", "|plan|"),
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # the signature itself
])
def test_an_altered_tag_is_refused_with_a_reason(change):
    tag = fields.tag(fields.Identity("2025-10", "team", "华东二组", "summary", "sales", "next_step"), KEY)
    assert fields.verify(change(tag), KEY) == "签名不符（标记被改动，或来自另一份输出）"


def test_a_tag_from_other_outputs_or_no_tag_of_ours_is_refused():
    tag = fields.tag(fields.Identity("2025-10", "rep", "S1001", "plan", "", "strategy"), KEY)
    assert fields.verify(tag, bytes(32)) == "签名不符（标记被改动，或来自另一份输出）"
    assert fields.verify("my own tag", KEY) == "标记格式不对（不是本工具签发的填写栏）"
    unsigned = fields.tag(fields.Identity("2025-10", "rep", "S1001", "plan", "", "strategy"), None)
    assert fields.verify(unsigned, KEY) == "标记没有签名"


def _all_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))


def test_no_document_prints_a_placeholder_and_every_field_is_titled_greyed_and_signed_for_it(sample_report):
    key = fields_key(sample_report.parent)
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    total = 0
    for entry in manifest["documents"]:
        path = sample_report / entry["path"]
        assert "本月未录入" not in _all_xml(path) and "暂未分解" not in _all_xml(path), entry["path"]
        found = document_controls(path)
        titles = [c["title"] for c in found]
        assert len(titles) == len(set(titles)), entry["path"]  # each field once per document
        for control in found:
            identity = fields.verify(control["tag"], key)
            assert isinstance(identity, fields.Identity), (entry["path"], identity)
            assert (identity.month, identity.level, identity.unit, identity.kind) == \
                ("2025-10", entry["level"], entry["unit"], entry["kind"])
            assert control["placeholder"] and control["greyed"] and control["plain_text"] and control["text"]
        total += len(found)
    assert total > 100


def test_summary_cells_nobody_wrote_are_fields_titled_metric_and_column(sample_report):
    path = next((sample_report / "region").glob("*华南区_月度工作总结.docx"))
    rows = rows_of_cells(path, TABLE2)
    # inputs/notes.csv holds no 下月改进措施 for 华南区 or its teams' 新客户开发数量
    [field] = controls(rows["新客户开发数量"][7]._tc)
    assert field["title"] == "新客户开发数量·下月改进措施" and field["text"] == "填写下月改进措施"
    identity = fields.verify(field["tag"], fields_key(sample_report.parent))
    assert identity == fields.Identity("2025-10", "region", "华南区", "summary", "new_customers", "next_step")


@pytest.fixture(scope="module")
def company():
    data = check("2025-10", SAMPLE_INPUTS)
    return contexts(data, data.org.all_units()[0])


def test_an_empty_variance_reason_is_two_fields_subjective_and_objective(company):
    summary = dict(company["summary"])
    summary["table2"] = [{**row, "reason": ""} for row in summary["table2"]]
    document = Document(io.BytesIO(render_bytes(TEMPLATES / "summary.docx", fill_in.summary_fields(summary), KEY)))
    cell = rows_of_cells_from(document, TABLE2)["销售额"][4]
    assert [(c["title"], c["text"]) for c in controls(cell._tc)] == [
        ("销售额·差异原因（主观）", "填写主观原因（本单位可控的）"), ("销售额·差异原因（客观）", "填写客观原因（市场、客户等）")]
    assert cell.text == "主观：\n客观："  # each cause on its own line, its label before the field
    tags = [fields.verify(c["tag"], KEY) for c in controls(cell._tc)]
    assert [(t.section, t.metric, t.cause) for t in tags] == [("variance_reason", "sales", "主观"),
                                                              ("variance_reason", "sales", "客观")]


def test_a_plan_without_risks_or_resources_has_fields_for_them(company):
    plan = {**company["plan"], "risk_pairs": [{"risk": "", "response": ""}], "resources": [], "strategies": []}
    document = Document(io.BytesIO(render_bytes(TEMPLATES / "plan.docx", fill_in.plan_fields(plan), KEY)))
    titles = [c["title"] for c in controls(document.element.body)]
    assert {"销售策略", "资源需求", "风险", "应对措施"} <= set(titles)
    row = rows_of_cells_from(document, RISKS)
    assert [c["title"] for cell in next(iter(row.values())) for c in controls(cell._tc)] == ["风险", "应对措施"]


def rows_of_cells_from(document, header: list[str]) -> dict:
    [table] = [t for t in document.tables if [c.text for c in t.rows[0].cells] == header]
    return {row.cells[0].text: row.cells for row in table.rows[1:]}


def test_the_key_is_made_once_private_and_kept_out_of_the_manifest(sample_report):
    path = sample_report.parent / FIELDS_KEY
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert fields_key(sample_report.parent) == fields_key(sample_report.parent)  # read, not made again
    manifest = (sample_report / "manifest.json").read_text(encoding="utf-8")
    assert FIELDS_KEY not in manifest and "fields.key" not in manifest


def test_a_rerun_gives_the_same_documents_byte_for_byte(tmp_path):
    first = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in (tmp_path / "2025-10").rglob("*.docx")}
    again = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert again.exit_code == 0, again.output
    assert {p.name: p.read_bytes() for p in (tmp_path / "2025-10").rglob("*.docx")} == before


def test_a_damaged_key_is_an_error_not_a_new_key(tmp_path):
    (tmp_path / FIELDS_KEY).write_text("not a key\n", encoding="ascii")
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "-q")
    assert result.exit_code == 2 and FIELDS_KEY in result.output + result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "2025-10").exists()


def test_a_cause_nobody_gave_is_asked_in_its_place_before_the_others_and_the_data(sample_report):
    """差异原因分析 reads 主观, 客观, 其他, then the data's sentence: the field for a cause not given
    stands where that cause would, not after the data's sentence."""
    company = rows_of_cells(document(sample_report, "company", "公司", "summary"), TABLE2)
    cell = company["新客户开发数量"][4]
    lines = cell.text.split("\n")
    assert lines[0] == "主观：" and lines[1].startswith("客观：展会意向客户转化率低于预期")
    assert lines[2].startswith("其他：广州组：") and lines[3].startswith("【数据】较目标差3家")
    assert [c["title"] for c in controls(cell._tc)] == ["新客户开发数量·差异原因（主观）"]
    rep = rows_of_cells(document(sample_report, "rep", "S1012", "summary"), TABLE2)["销售额"][4]
    assert rep.text.split("\n")[:2] == ["主观：", "客观：深圳电子厂预算收紧，订单推迟到12月。"]
    assert rep.text.split("\n")[2].startswith("【数据】")
    # nothing written: 主观 and 客观 asked, then the data's sentence
    untold = rows_of_cells(document(sample_report, "rep", "S1004", "summary"), TABLE2)["销售额"][4]
    assert untold.text.split("\n")[:2] == ["主观：", "客观："] and untold.text.split("\n")[2].startswith("【数据】")


def test_an_untagged_reason_beside_the_asked_causes_is_labelled_other(sample_report):
    # 华南区: only 广州组's untagged note; 主观 and 客观 asked, the note under 其他, not a bare line after 客观
    region = rows_of_cells(document(sample_report, "region", "华南区", "summary"), TABLE2)["新客户开发数量"][4]
    assert region.text.split("\n")[:3] == ["主观：", "客观：", "其他：广州组：两家意向客户转由华东区对接。"]
