"""Word-native packages (issue 23, item 3): what Word shows in 文件 › 信息 and whether it opens a
document in 兼容模式, read from the parts of every generated document."""
from __future__ import annotations

import io
import json
import re
import zipfile

from docx import Document

from pipeline.documents.context import contexts
from pipeline.documents.render import render_bytes
from pipeline.run import check

from .conftest import SAMPLE_INPUTS, TEMPLATES


def test_every_document_is_word_2013_native_in_chinese_and_titled_as_itself(sample_report):
    manifest = json.loads((sample_report / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        path = sample_report / entry["path"]
        with zipfile.ZipFile(path) as archive:
            settings = archive.read("word/settings.xml").decode("utf-8")
            fonts = archive.read("word/fontTable.xml").decode("utf-8")
            app = archive.read("docProps/app.xml").decode("utf-8")
            core = archive.read("docProps/core.xml").decode("utf-8")
        assert re.search(r'w:name="compatibilityMode"[^>]*w:val="15"', settings), entry["path"]
        assert re.search(r'<w:themeFontLang [^>]*w:eastAsia="zh-CN"', settings)
        assert {"SimSun", "SimHei", "Arial"} <= set(re.findall(r'<w:font w:name="([^"]+)"', fonts))
        assert "ＭＳ" not in fonts and "ja-JP" not in settings
        assert "<Application>salesreport</Application>" in app and "Microsoft" not in app
        assert "dcterms:created" not in core and "dcterms:modified" not in core and "2025-01-01" not in core
        document = Document(path)
        properties = document.core_properties
        shown_title = next(p.text for p in document.paragraphs if p.style.name == "Title")
        assert properties.title == shown_title and entry["kind"] and properties.title.endswith(
            "月度工作计划" if entry["kind"] == "plan" else "月度工作总结")
        assert "2025年10月" in properties.title
        assert properties.subject and properties.keywords and properties.author == "salesreport"


def test_a_title_holding_markup_is_written_once_escaped():
    data = check("2025-10", SAMPLE_INPUTS)
    context = contexts(data, data.org.all_units()[0])["summary"]
    context = {**context, "title": "A&B<公司> 2025年10月 月度工作总结\x07"}
    document = Document(io.BytesIO(render_bytes(TEMPLATES / "summary.docx", context)))
    assert document.core_properties.title == "A&B<公司> 2025年10月 月度工作总结"
