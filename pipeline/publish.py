"""Writing a month's files safely: safe file names, hashes, locks, whole-or-nothing months.

The month is built in a fresh staging folder beside `outputs/M` and swapped in only when every
file is written, so a failed or interrupted run leaves the previous good `outputs/M` as it was.
Nothing here follows a symlink it did not create: lock files are opened with O_NOFOLLOW, the
staging folder gets a new unpredictable name, leftovers are unlinked, never followed.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import re
import secrets
import shutil
import unicodedata
from pathlib import Path

import filelock

from pipeline.errors import LockedError
from pipeline.layout import Layout

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f-\x9f\u2028\u2029]')  # C0, DEL, C1 (U+0085 …), LS, PS
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_NAME = 80


# Letters that show as nothing: the Hangul fillers (U+3164 makes a name look blank or like another).
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def without_format_chars(text: str) -> str:
    """`text` without invisible format characters (Unicode Cf: bidi overrides such as U+202E,
    zero-width spaces and joiners) and filler letters: U+202E before `xcod.exe` makes it display
    as `exe.docx`, U+3164 is a blank that is no space."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf" and c not in FILLERS)


def safe_name(text: str) -> str:
    """`text` as a file-name part valid on Windows and Linux (never empty, never `..`),
    shown as it is named: no invisible format characters."""
    name = _FORBIDDEN.sub("_", without_format_chars(unicodedata.normalize("NFC", text))).strip().rstrip(". ")
    name = name[:MAX_NAME].rstrip(". ")
    if not name.strip("._ ") or name.split(".")[0].upper() in _RESERVED:
        name = f"_{name}"
    return name


def unique_path(folder: Path, stem: str, suffix: str, taken: set[str]) -> Path:
    """`folder/stem.suffix`, or `stem-2.suffix` … when the name (case-insensitively) is taken."""
    candidate, number = stem, 1
    while (candidate + suffix).casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add((candidate + suffix).casefold())
    return folder / f"{candidate}{suffix}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _alive(pid: int) -> bool:
    if pid == os.getpid():  # a name with our own pid was left by an earlier run, or planted
        return False
    if os.name == "nt":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _windows_alive(pid: int) -> bool:
    """Whether process `pid` still runs, asked without os.kill (which on Windows ends it)."""
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = ctypes.c_void_p
    kernel32.GetExitCodeProcess.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_ulong)]
    kernel32.CloseHandle.argtypes = [ctypes.c_void_p]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, and is someone else's
    try:
        code = ctypes.c_ulong()
        return not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) or code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def remove(path: Path) -> None:
    """Delete a folder, file or symlink at `path` without ever following a link."""
    if _is_real_dir(path):
        shutil.rmtree(path)  # rmtree does not follow links inside either
    else:
        path.unlink(missing_ok=True)


def _leftovers(outputs: Path, month: str):
    """(path, is_retired) of staging and retired folders of `month` whose run is dead."""
    pattern = re.compile(rf"\.{re.escape(month)}\.(staging|retired)-(\d+)(\..*)?")
    for leftover in outputs.iterdir():
        match = pattern.fullmatch(leftover.name)
        if match and not _alive(int(match[2])):
            yield leftover, match[1] == "retired"


def _recover(outputs: Path, month: str) -> None:
    """Clean up after a run that was killed: its staging folder goes, and a good month that it
    had moved aside but not yet replaced (only with the two-rename fallback) is put back."""
    for leftover, retired in _leftovers(outputs, month):
        if retired and _is_real_dir(leftover) and not os.path.lexists(outputs / month):
            leftover.rename(outputs / month)
        else:
            remove(leftover)


def _clear_planted_link(path: Path) -> None:
    """Lock files are regular files this program creates; a symlink there was planted: drop it
    (unlinking never follows it). filelock opens with O_NOFOLLOW, so a link planted after this
    makes the lock fail (ELOOP) instead of creating a file elsewhere."""
    if path.is_symlink():
        path.unlink()


@contextlib.contextmanager
def exclusive(lock_path: Path, busy_message: str):
    """Holds an exclusive lock on `lock_path` for the block; LockedError when another
    process holds it (two cron jobs overlapping), instead of both writing at once."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    _clear_planted_link(lock_path)
    lock = filelock.FileLock(lock_path, timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LockedError(busy_message) from None
    try:
        yield
    finally:
        lock.release()


def month_lock(outputs: Path, month: str) -> Path:
    """The lock both `report` and `distribute` of `month` hold from start to end."""
    return Layout(outputs).month_lock(month)


def month_busy(month: str) -> str:
    return f"{month} 正在被另一个 report 或 distribute 使用，请等它结束后再运行"


def _fresh_dir(outputs: Path, prefix: str) -> Path:
    """A new, empty folder with an unpredictable name: mkdir never follows nor reuses what is there."""
    while True:
        candidate = outputs / f"{prefix}{secrets.token_hex(6)}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue


def _libc_renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError, TypeError):  # not Linux, or a libc without it (glibc < 2.28)
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return function


_RENAMEAT2 = _libc_renameat2()
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two names in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # kernel or file system without it
        return False
    raise OSError(error, os.strerror(error), str(b))


def _swap_in(staging: Path, final: Path) -> None:
    """Make `staging` the month. An existing month is exchanged with it in one step, so a reader
    sees the old month or the new one and a kill at any instant leaves one in place. Where the
    system cannot exchange, the old month is renamed aside first; a run killed between the two
    renames is repaired by the next run (`_recover`)."""
    if not os.path.lexists(final):
        staging.rename(final)
        return
    if _exchange(staging, final):
        old = staging  # now holds the previous month
    else:
        old = staging.with_name(staging.name.replace(".staging-", ".retired-"))
        final.rename(old)
        try:
            staging.rename(final)
        except BaseException:
            old.rename(final)
            raise
    with contextlib.suppress(OSError):  # the month is published; the next run clears what is left
        remove(old)


@contextlib.contextmanager
def staged_month(outputs: Path, month: str):
    """A fresh staging folder for `outputs/month`, swapped in when the block succeeds.

    On any error (or interrupt) the staging folder is removed and `outputs/month` is untouched.
    """
    with exclusive(month_lock(outputs, month), month_busy(month)):
        _recover(outputs, month)
        staging = _fresh_dir(outputs, f".{month}.staging-{os.getpid()}.")
        try:
            yield staging
            _swap_in(staging, outputs / month)
        except BaseException:
            with contextlib.suppress(OSError):
                remove(staging)
            raise
