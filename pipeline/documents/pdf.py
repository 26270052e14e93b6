"""PDF copies of the documents through LibreOffice headless; the only module that runs soffice.

One LibreOffice per worker, each with its own profile (concurrent runs sharing one fail
silently), converts the documents in batches, so its start-up (≈1.5 s) is paid once per batch
rather than per document. There is no time limit on a batch: it runs as long as PDFs keep
coming, and is stopped when none has appeared for STALL_SECONDS; the documents it left are
tried again, the one it stalled on alone. soffice exits 0 even when it cannot load a file, so
every PDF is checked for, and the documents without one are named.
"""
from __future__ import annotations

import functools
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from pathlib import Path
from typing import Callable

from pipeline.errors import PdfError

INSTALL_SOFFICE = "Debian/Ubuntu：apt-get install --no-install-recommends libreoffice-writer-nogui"
INSTALL_FONT = "Debian/Ubuntu：apt-get install fonts-noto-cjk（或 fonts-wqy-microhei）"
BATCH = 50  # documents per LibreOffice start
STALL_SECONDS = 60.0  # no new PDF for this long: the conversion under way is stuck
POLL_SECONDS = 0.1
SHOWN = 50  # failed documents named in the message
RESTART = 81  # soffice.bin's exit code after setting up a new profile: start it again


def soffice() -> str:
    """The LibreOffice executable, or a PdfError saying how to install it."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise PdfError(f"生成 PDF 需要 LibreOffice，本机未安装。安装方法：{INSTALL_SOFFICE}")
    return found


WINDOWS_CHINESE_FONTS = ("simsun.ttc", "msyh.ttc", "simhei.ttf", "Deng.ttf")  # 宋体, 微软雅黑, 黑体, 等线


def has_chinese_font() -> bool:
    """Whether a font with Chinese glyphs is installed (else every character is a box): asked of
    fontconfig; on Windows, one of the Chinese fonts Windows ships; macOS always has PingFang."""
    if not shutil.which("fc-list"):
        if os.name == "nt":
            fonts = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
            return any((fonts / name).is_file() for name in WINDOWS_CHINESE_FONTS)
        return sys.platform == "darwin"
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return bool(listed.stdout.strip())


def require() -> list[str]:
    """The command that starts LibreOffice, or a PdfError saying what to install.

    soffice.bin directly where it can be found (the `soffice` script leaves it running as a
    grandchild), under `setpriv --pdeathsig` so that it dies with the run, even on kill -9.
    """
    executable = soffice()
    if not has_chinese_font():
        raise PdfError(f"没有中文字体，PDF 中的中文会显示为方框。请先安装：{INSTALL_FONT}")
    if os.name == "nt":  # soffice.com / soffice.exe waits for the conversion; a stall ends the tree (_stop)
        return [executable]
    binary = Path(os.path.realpath(executable)).with_name("soffice.bin")
    if not binary.is_file():
        return [executable]
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", str(binary)] if setpriv else [str(binary)]


def _made(document: Path) -> bool:
    made = document.with_suffix(".pdf")
    return made.is_file() and made.stat().st_size > 0


class _Counter:
    """Documents converted so far, reported to `progress` from every converting thread."""

    def __init__(self, total: int, progress: Callable[[int], None] | None):
        self.total, self.progress, self.done, self.lock = total, progress, set(), threading.Lock()

    def update(self, batch: list[Path]) -> None:
        with self.lock:
            before = len(self.done)
            self.done |= {d for d in batch if _made(d)}
            if self.progress and len(self.done) > before:
                self.progress(len(self.done))


def _stop(process: subprocess.Popen) -> None:
    """Ends a stalled LibreOffice and whatever it started: its process group, or on Windows
    (no process groups, no SIGKILL) its process tree."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
    else:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _run(command: list[str], profile: Path, batch: list[Path], counter: _Counter) -> bool:
    """Converts `batch` (one folder) with one LibreOffice; True when it stalled and was killed."""
    arguments = [*command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(batch[0].parent), *map(str, batch)]
    for _ in range(2):
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        made, last = 0, time.monotonic()
        while process.poll() is None:
            time.sleep(POLL_SECONDS)
            now_made = sum(map(_made, batch))
            if now_made > made:
                made, last = now_made, time.monotonic()
                counter.update(batch)
            elif time.monotonic() - last > STALL_SECONDS:
                _stop(process)
                return True
        counter.update(batch)
        if process.returncode != RESTART:
            return False
    return False


def _convert(command: list[str], profiles: queue.Queue, counter: _Counter,
             batch: list[Path]) -> tuple[list[list[Path]], list[Path]]:
    """Converts `batch`; the batches to try again and the documents given up on."""
    profile = profiles.get()
    try:
        stalled = _run(command, profile, batch, counter)
    finally:
        profiles.put(profile)
    missing = [d for d in batch if not _made(d)]
    if not missing:
        return [], []
    if len(batch) == 1:
        return [], batch
    if not stalled:  # LibreOffice skipped them (it cannot load a file and says nothing): each alone
        return [[d] for d in missing], []
    # It converts in order: it stalled on the first document without a PDF, or while writing the
    # last PDF (which may be cut short). Both alone, the rest as a batch again.
    done = [d for d in batch if _made(d)]
    suspects = missing[:1]
    if done:
        done[-1].with_suffix(".pdf").unlink()
        suspects.insert(0, done[-1])
    rest = missing[1:]
    return [[d] for d in suspects] + ([rest] if rest else []), []


def to_pdf(documents: list[Path], workers: int = 2, progress: Callable[[int], None] | None = None) -> list[Path]:
    """A PDF beside each .docx in `documents`, in the same order; PdfError naming any document
    LibreOffice could not convert. `progress(done)` hears of each PDF made."""
    command = require()
    batches = [group[i:i + BATCH] for _, folder in groupby(documents, key=lambda d: d.parent)
               for group in [list(folder)] for i in range(0, len(group), BATCH)]
    counter, failed = _Counter(len(documents), progress), []
    threads = max(1, min(workers, len(batches)))
    with tempfile.TemporaryDirectory(prefix="salesreport-lo-") as root, ThreadPoolExecutor(threads) as pool:
        profiles = queue.Queue()
        for number in range(threads):
            profiles.put(Path(root) / f"profile-{number}")
        while batches:
            again = []
            for retry, given_up in pool.map(functools.partial(_convert, command, profiles, counter), batches):
                again += retry
                failed += given_up
            batches = again
    if failed:
        names = [f"{d.parent.name}/{d.name}" for d in failed]
        more = f" 等（共 {len(names)} 个）" if len(names) > SHOWN else ""
        raise PdfError(f"LibreOffice 未能转换 {len(failed)} 个文件：{'、'.join(names[:SHOWN])}{more}")
    return [d.with_suffix(".pdf") for d in documents]
