"""PDF copies through LibreOffice: listed in the manifest, Chinese in a real font; clear when impossible."""
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.documents import pdf

from .conftest import SAMPLE_INPUTS, invoke

NO_PDF = (not (shutil.which("soffice") or shutil.which("libreoffice")) or not pdf.has_chinese_font()
          or not (shutil.which("pdftotext") and shutil.which("pdffonts")))


def test_report_pdf_writes_a_pdf_of_every_document_with_chinese_fonts(sample_pdf_report):
    # the sample's October with --pdf, made once for the session (the mails with PDFs use it too)
    month = sample_pdf_report
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["documents"]) == 38
    for entry in manifest["documents"]:
        made = month / entry["pdf"]["path"]
        assert made.suffix == ".pdf" and made.with_suffix(".docx") == month / entry["path"]
        assert hashlib.sha256(made.read_bytes()).hexdigest() == entry["pdf"]["sha256"]
    summary = month / "company" / "2025-10_公司_月度工作总结.pdf"
    text = subprocess.run(["pdftotext", str(summary), "-"], capture_output=True, text=True).stdout
    words = text.replace(" ", "")  # pdftotext spaces Chinese from digits: 185 万元
    assert "销售团队月度工作总结表" in words and "185万元" in words and "92.5%" in words and "孙浩" in words
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


@pytest.mark.skipif(NO_PDF, reason="LibreOffice, a CJK font or poppler-utils is not installed here "
                                   "(.ci/run installs all three)")
def test_a_document_libreoffice_cannot_load_is_named_and_the_others_are_converted(tmp_path, sample_report):
    folder = tmp_path / "rep"
    folder.mkdir()
    good = [shutil.copy(p, folder) for p in sorted((sample_report / "rep").glob("*.docx"))[:2]]
    broken = folder / "损坏.docx"
    broken.write_bytes(b"PK\x03\x04 not a Word file")
    progress = []
    with pytest.raises(pdf.PdfError) as error:
        pdf.to_pdf([Path(good[0]), broken, Path(good[1])], workers=2, progress=progress.append)
    assert "1 个文件" in str(error.value) and "rep/损坏.docx" in str(error.value)
    assert all(Path(p).with_suffix(".pdf").stat().st_size > 0 for p in good)
    assert progress[-1] == 2


FAKE_SOFFICE = """#!{python}
# Stands in for LibreOffice: a new profile first exits 81 (as soffice.bin does), then every
# file is converted in order, except that one named *卡住* hangs.
import pathlib, sys, time
args = sys.argv[1:]
profile = pathlib.Path(args[0].split("file://", 1)[1])
if not profile.exists():
    profile.mkdir(parents=True)
    sys.exit(81)
outdir = pathlib.Path(args[args.index("--outdir") + 1])
for name in args[args.index("--outdir") + 2:]:
    if "卡住" in name:
        time.sleep(600)
    (outdir / (pathlib.Path(name).stem + ".pdf")).write_bytes(b"%PDF-1.4")
"""


def test_a_stuck_conversion_is_stopped_and_named_and_the_rest_still_convert(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text(FAKE_SOFFICE.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice", lambda: str(fake))
    monkeypatch.setattr(pdf, "has_chinese_font", lambda: True)
    monkeypatch.setattr(pdf, "STALL_SECONDS", 1.0)
    documents = [tmp_path / name for name in ("甲.docx", "乙.docx", "卡住.docx", "丁.docx", "戊.docx")]
    for document in documents:
        document.write_bytes(b"docx")
    progress = []
    with pytest.raises(pdf.PdfError) as error:
        pdf.to_pdf(documents, workers=2, progress=progress.append)
    assert "1 个文件" in str(error.value) and "卡住.docx" in str(error.value)
    assert [d.with_suffix(".pdf").is_file() for d in documents] == [True, True, False, True, True]
    assert progress == sorted(progress) and progress[-1] == 4
