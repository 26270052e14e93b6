"""Zip archives (.docx, .xlsx) rewritten with fixed entry times, so the same content gives the same bytes."""
from __future__ import annotations

import io
import zipfile
from typing import Callable

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def stable_zip(data: bytes, rewrite: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """`data`'s entries in the same order, dated 1980-01-01; `rewrite(name, content)` may change one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, rewrite(info.filename, content) if rewrite else content)
    return out.getvalue()
