"""PDF copies through LibreOffice: listed in the manifest, Chinese in a real font; clear when impossible."""
import hashlib
import json
import shutil
import subprocess

import pytest

from pipeline import pdf

from .conftest import SAMPLE_INPUTS, invoke

NO_PDF = (not (shutil.which("soffice") or shutil.which("libreoffice")) or not pdf.has_chinese_font()
          or not (shutil.which("pdftotext") and shutil.which("pdffonts")))


@pytest.mark.skipif(NO_PDF, reason="LibreOffice, a CJK font or poppler-utils is not installed here "
                                   "(.ci/run installs all three)")
def test_report_pdf_writes_a_pdf_of_every_document_with_chinese_fonts(tmp_path):
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "--pdf", "-q")
    assert result.exit_code == 0, result.stderr
    month = tmp_path / "2025-10"
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        made = month / entry["pdf"]["path"]
        assert made.suffix == ".pdf" and made.with_suffix(".docx") == month / entry["path"]
        assert hashlib.sha256(made.read_bytes()).hexdigest() == entry["pdf"]["sha256"]
    summary = month / "company" / "2025-10_公司_月度工作总结.pdf"
    text = subprocess.run(["pdftotext", str(summary), "-"], capture_output=True, text=True).stdout
    assert "销售团队月度工作总结表" in text and "92.5%" in text
    fonts = subprocess.run(["pdffonts", str(summary)], capture_output=True, text=True).stdout
    assert "CJK" in fonts or "Hei" in fonts or "Song" in fonts, fonts


def test_without_libreoffice_pdf_fails_with_how_to_install_and_keeps_outputs(tmp_path, monkeypatch):
    outputs = tmp_path / "out"
    (outputs / "2025-10").mkdir(parents=True)
    (outputs / "2025-10" / "earlier.docx").write_bytes(b"earlier")
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", outputs, "--pdf", "-q")
    assert result.exit_code == 4
    assert "libreoffice-writer-nogui" in result.stderr
    assert [p.name for p in (outputs / "2025-10").iterdir()] == ["earlier.docx"]


def test_without_a_chinese_font_pdf_refuses_rather_than_printing_boxes(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "soffice", lambda: "/usr/bin/soffice")
    monkeypatch.setattr(pdf, "has_chinese_font", lambda: False)
    result = invoke("report", "--month", "2025-10", "--inputs", SAMPLE_INPUTS, "--outputs", tmp_path, "--pdf", "-q")
    assert result.exit_code == 4 and "fonts-noto-cjk" in result.stderr
    assert not (tmp_path / "2025-10").exists()
