"""PDF copies of the documents through LibreOffice headless; the only module that runs soffice.

soffice exits 0 even when it cannot load a file, so every PDF is checked for; each worker
gets its own LibreOffice profile, since concurrent runs sharing one fail silently.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import SalesReportError

INSTALL_SOFFICE = "Debian/Ubuntu：apt-get install --no-install-recommends libreoffice-writer-nogui"
INSTALL_FONT = "Debian/Ubuntu：apt-get install fonts-noto-cjk（或 fonts-wqy-microhei）"
TIMEOUT_SECONDS = 300


class PdfError(SalesReportError):
    """PDF output is asked for but cannot be made here."""

    exit_code = 4


def soffice() -> str:
    """The LibreOffice executable, or a PdfError saying how to install it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise PdfError(f"生成 PDF 需要 LibreOffice，本机未安装。安装方法：{INSTALL_SOFFICE}")
    return found


def has_chinese_font() -> bool:
    """Whether fontconfig knows a font with Chinese glyphs (else every character is a box)."""
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return bool(listed.stdout.strip())


def _convert(executable: str, files: list[Path]) -> None:
    with tempfile.TemporaryDirectory(prefix="salesreport-lo-") as profile:
        for folder in sorted({f.parent for f in files}):
            batch = [str(f) for f in files if f.parent == folder]
            subprocess.run([executable, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", str(folder), *batch],
                           capture_output=True, timeout=TIMEOUT_SECONDS, check=False)


def to_pdf(documents: list[Path], workers: int = 2, progress=None) -> list[Path]:
    """A PDF beside each .docx in `documents`, in the same order; PdfError if any is missing."""
    executable = soffice()
    if not has_chinese_font():
        raise PdfError(f"没有中文字体，PDF 中的中文会显示为方框。请先安装：{INSTALL_FONT}")
    chunks = [documents[i::workers] for i in range(workers) if documents[i::workers]]
    with ThreadPoolExecutor(max_workers=len(chunks) or 1) as pool:
        list(pool.map(lambda chunk: _convert(executable, chunk), chunks))
    pdfs = [d.with_suffix(".pdf") for d in documents]
    missing = [d.name for d, p in zip(documents, pdfs) if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise PdfError(f"LibreOffice 未能转换 {len(missing)} 个文件：{'、'.join(missing[:5])}")
    return pdfs
