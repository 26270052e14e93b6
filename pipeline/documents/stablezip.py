"""Zip archives (.docx, .xlsx) with fixed entry times, so the same content gives the same bytes.

`write_zip` lays out members that are already compressed: a part that is the same in every
document is deflated once and its compressed bytes copied into each archive; the parts each
document fills are deflated by `quickly_deflated`. The layout is
exactly what `zipfile` writes for the same entries (a test holds the two side by side).
Content that is compressed already is stored as it is.
"""
from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Iterable

from isal import isal_zlib

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DOS_DATE = (FIXED_ZIP_TIME[0] - 1980) << 9 | FIXED_ZIP_TIME[1] << 5 | FIXED_ZIP_TIME[2]
_DOS_TIME = 0
_VERSION = 20  # zip 2.0: deflate
_SYSTEM = zipfile.ZipInfo().create_system  # as zipfile records it on this platform
_ATTRIBUTES = 0o600 << 16
_LOCAL = struct.Struct(zipfile.structFileHeader)
_CENTRAL = struct.Struct(zipfile.structCentralDir)
_END = struct.Struct(zipfile.structEndArchive)
_OFFSET = struct.Struct("<L")  # the last field of a central directory entry: where its local header is


@dataclass(frozen=True)
class Member:
    """One zip entry, its content already compressed by `method` (deflated, or stored as it is)."""

    name: str
    crc: int
    size: int
    data: bytes
    method: int = zipfile.ZIP_DEFLATED

    @functools.cached_property
    def packed(self) -> tuple[bytes, bytes, bytes]:
        """Its local header with name and data, its central directory entry up to the offset of
        that header, and its name: made once for a part that every document shares."""
        name, flags = _encoded(self.name)
        fields = (flags, self.method, _DOS_TIME, _DOS_DATE, self.crc, len(self.data), self.size)
        local = _LOCAL.pack(zipfile.stringFileHeader, _VERSION, 0, *fields, len(name), 0) + name + self.data
        central = _CENTRAL.pack(zipfile.stringCentralDir, _VERSION, _SYSTEM, _VERSION, 0, *fields,
                                len(name), 0, 0, 0, 0, _ATTRIBUTES, 0)[:-4]
        return local, central, name


def deflated(name: str, content: bytes, level: int = zlib.Z_DEFAULT_COMPRESSION) -> Member:
    """`content` deflated as zipfile does (zlib's default level unless `level`, raw stream)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return Member(name, zlib.crc32(content), len(content), compressor.compress(content) + compressor.flush())


def quickly_deflated(name: str, content: bytes) -> Member:
    """`content` deflated by ISA-L (Intel's deflate) at its level 1: 3–5× faster than zlib at
    about the same size (4% larger than zlib's level 3 on the documents). Its bytes may differ
    from machine to machine (it picks code for the CPU), never from run to run on one."""
    return Member(name, zlib.crc32(content), len(content), isal_zlib.compress(content, 1, -15))


def stored(name: str, content: bytes) -> Member:
    """`content` stored uncompressed: for content compressed already (a workbook inside a
    document), which deflating again costs time and saves nothing."""
    return Member(name, zlib.crc32(content), len(content), content, zipfile.ZIP_STORED)


def _encoded(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800  # the language-encoding flag, as zipfile sets it


def write_zip(members: Iterable[Member]) -> bytes:
    """The archive of `members` in order, dated 1980-01-01, byte for byte as zipfile writes it."""
    pieces, directory = [], []
    offset = 0
    for member in members:
        local, central, name = member.packed
        directory += (central, _OFFSET.pack(offset), name)
        pieces.append(local)
        offset += len(local)
    count = len(pieces)
    central = b"".join(directory)
    pieces += (central, _END.pack(zipfile.stringEndArchive, 0, 0, count, count, len(central), offset, 0))
    return b"".join(pieces)


def stable_raw(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes as stored, still compressed."""
    name_length, extra_length = struct.unpack_from("<2H", data, info.header_offset + 26)
    start = info.header_offset + _LOCAL.size + name_length + extra_length
    return data[start:start + info.compress_size]


def stable_zip(data: bytes, rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """`data`'s entries in the same order, dated 1980-01-01; `rewrite(name, content)` may change one.

    Deflated entries that stay the same are copied still compressed: zipfile (python-docx,
    XlsxWriter) deflates at the same default level as `deflated`, so this is what
    recompressing would give, without the cost.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for info in source.infolist():
        content = source.read(info.filename) if rewrite or info.compress_type != zipfile.ZIP_DEFLATED else None
        changed = rewrite(info.filename, content) if rewrite else content
        if info.compress_type == zipfile.ZIP_DEFLATED and changed == content:
            members.append(Member(info.filename, info.CRC, info.file_size, stable_raw(data, info)))
        else:
            members.append(deflated(info.filename, changed))
    return write_zip(members)

