"""Reading a report's files and writing the outbox and archive under outputs/ without following a link.

Every path is opened one component at a time, each relative to the handle of the folder
before it and never through a symlink (O_NOFOLLOW), at the moment it is read or written: a
link planted at `outputs/M`, at a folder inside it or at a document — before the run or
during it — is refused (exit 6, naming it), and a manifest path that is absolute or holds
`..` is never opened. Writes go through the handle of their folder, so a folder swapped for a
link mid-run receives nothing. Where the system has no such handles (Windows), each
component is checked for a link just before each read or write instead.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import secrets
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

from pipeline.errors import EnvironmentFailure
from pipeline.layout import MANIFEST, METRICS
from pipeline.outputs import metrics_csv_rows, no_report

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
HANDLES = {os.open, os.mkdir, os.rename, os.unlink} <= os.supports_dir_fd and bool(_NOFOLLOW)  # rename: replace too


def planted(path: Path) -> EnvironmentFailure:
    """Exit 6 naming a link the run did not create."""
    return EnvironmentFailure.from_os_error(OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)))


def parts_of(relative: str, folder: Path) -> list[str]:
    """A manifest path's components; exit 6 for one that could leave `folder` (absolute, `..`, a drive)."""
    posix = PurePosixPath(relative.replace("\\", "/"))
    parts = list(posix.parts)
    if not parts or posix.is_absolute() or PureWindowsPath(relative).drive or any(p in ("..", ".") for p in parts):
        raise EnvironmentFailure(f"{folder / MANIFEST}：文档路径「{relative}」不在 {folder} 之内"
                                 f"（绝对路径或含 ..），拒绝读取；{MANIFEST} 被改动过，请重新运行 report")
    return parts


def _refused(error: OSError, path: Path) -> Exception:
    """ELOOP (or ENOTDIR from a link) at `path`: a planted link; any other error names `path`."""
    if error.errno in (errno.ELOOP, errno.EMLINK, errno.ENOTDIR) and path.is_symlink():
        return planted(path)
    error.filename = str(path)
    return error


@contextlib.contextmanager
def _folder(root: Path, parts: list[str], create: bool = False):
    """A handle of root/parts… reached without following a link below `root` (the outputs folder
    as the user named it); with `create`, missing folders are made."""
    handle, current = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC), root
    try:
        for part in parts:
            current = current / part
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=handle)
            try:
                child = os.open(part, _DIRECTORY, dir_fd=handle)
            except OSError as error:
                raise _refused(error, current) from None
            os.close(handle)
            handle = child
        yield handle
    finally:
        os.close(handle)


def _checked_path(root: Path, parts: list[str], create: bool = False) -> Path:
    """Without handles: root/parts…, each component checked for a link (made, with `create`)."""
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise planted(current)
        if create:
            current.mkdir(exist_ok=True)
    return current


def read_bytes(root: Path, parts: list[str]) -> tuple[bytes, float]:
    """The bytes and modification time of the regular file root/parts…, opened without following a link."""
    path = root.joinpath(*parts)
    if HANDLES:
        with _folder(root, parts[:-1]) as folder:
            try:
                handle = os.open(parts[-1], os.O_RDONLY | _NOFOLLOW | _CLOEXEC, dir_fd=folder)
            except OSError as error:
                raise _refused(error, path) from None
    else:
        _checked_path(root, parts)
        handle = os.open(path, os.O_RDONLY | _CLOEXEC)
    with os.fdopen(handle, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise EnvironmentFailure(f"{path}：不是普通文件，拒绝读取")
        return file.read(), status.st_mtime


def write_new(root: Path, parts: list[str], name: str, data: bytes) -> Path:
    """`data` as root/parts…/name, whole or not at all: a new temporary file (created exclusively,
    never through a link) renamed into place, through the folder's handle. Folders are made."""
    folder_path = root.joinpath(*parts)
    temporary, target = f".{secrets.token_hex(8)}.tmp", folder_path / name
    if not HANDLES:
        folder_path = _checked_path(root, parts, create=True)
        return _written(lambda flags: os.open(folder_path / temporary, flags, 0o666),
                        lambda: os.replace(folder_path / temporary, target),
                        lambda: os.unlink(folder_path / temporary), data, target)
    with _folder(root, parts, create=True) as folder:
        return _written(lambda flags: os.open(temporary, flags, 0o666, dir_fd=folder),
                        lambda: os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder),
                        lambda: os.unlink(temporary, dir_fd=folder), data, target)


def _written(open_new, rename, unlink, data: bytes, target: Path) -> Path:
    handle = open_new(_NEW_FILE)  # new or nothing; the umask applies as to any file
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        rename()  # replaces a link there, never follows it
    except BaseException as error:
        with contextlib.suppress(OSError):
            unlink()
        if isinstance(error, OSError):  # a failed write names no file, or the temporary one
            error.filename = str(target)
        raise
    return target


class MonthFolder:
    """outputs/M as distribute, status and approve read it: each file opened when it is read."""

    def __init__(self, outputs_dir: Path, month: str):
        self.outputs_dir, self.month, self.path = outputs_dir, month, outputs_dir / month

    def read(self, relative: str) -> bytes:
        """A file the manifest names (`company/….docx`), from inside outputs/M only."""
        return read_bytes(self.outputs_dir, [self.month, *parts_of(relative, self.path)])[0]

    def manifest(self) -> tuple[dict, dt.datetime]:
        """manifest.json and when the report wrote it; UsageError saying to run `report` when there is none."""
        try:
            data, modified = read_bytes(self.outputs_dir, [self.month, MANIFEST])
        except FileNotFoundError:
            raise no_report(self.month, self.path / MANIFEST) from None
        return json.loads(data.decode("utf-8")), dt.datetime.fromtimestamp(modified).astimezone()

    def metrics_rows(self) -> list[dict[str, str]]:
        """metrics.csv's rows as written (see outputs.read_metrics_csv)."""
        return metrics_csv_rows(self.read(METRICS))
