"""The tag of a fill-in field: where the field stands (its `Identity`) and a keyed signature
that binds it to the outputs folder that issued it. A ground module: documents write tags with
it (documents.fields), and `collect` checks the tags of returned documents with it
(inputs.returned); it reads no file and imports no stage.

    sr1|2025-10|team|华东二组|summary|sales|next_step||<16 hex digits>

`|` separates the parts; `%`, `|` and control characters inside a part are written as `%XX`.
The signature is the HMAC-SHA256 (truncated) of the parts under the key of the outputs folder
(pipeline.outputs.fields_key), so a tag cannot be altered or made up without that key.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass

TAG_VERSION = "sr1"
SIGNATURE_LENGTH = 16  # hex digits of the HMAC-SHA256 kept: 64 bits
CAUSES = ("主观", "客观")


@dataclass(frozen=True)
class Identity:
    """Where a field stands: the document (month, level, unit, kind) and its place in it.
    `metric` is a catalog key or "" (a section's field); `section` a notes section
    (variance_reason, highlight, problem, next_step, strategy, resources, risk, response);
    `cause` is 主观/客观 on a variance_reason field, else ""."""

    month: str
    level: str
    unit: str
    kind: str
    metric: str
    section: str
    cause: str = ""

    def parts(self) -> tuple[str, ...]:
        return (self.month, self.level, self.unit, self.kind, self.metric, self.section, self.cause)

    def document(self) -> tuple[str, str, str, str]:
        """The document the field was issued in: (month, level, unit, kind)."""
        return (self.month, self.level, self.unit, self.kind)


_SPECIAL = re.compile(r"[%|\x00-\x1f\x7f]")


@functools.lru_cache(maxsize=4096)  # a document's fields share most parts
def _escaped(part: str) -> str:
    return _SPECIAL.sub(lambda m: f"%{ord(m.group()):02X}", part) if _SPECIAL.search(part) else part


def _unescaped(part: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), part)


def signature(identity: Identity, key: bytes) -> str:
    """The truncated HMAC-SHA256 (hex) of `identity` under `key`."""
    message = "\x1f".join((TAG_VERSION, *identity.parts())).encode("utf-8")
    inner, outer = _keyed(key)
    inner, outer = inner.copy(), outer.copy()
    inner.update(message)
    outer.update(inner.digest())
    return outer.hexdigest()[:SIGNATURE_LENGTH]


@functools.lru_cache(maxsize=8)
def _keyed(key: bytes) -> tuple:
    """HMAC-SHA256's inner and outer hashes with `key` taken in (RFC 2104), copied for each
    message: the same digest as `hmac.new(key, message, sha256)`, which would take the key in
    again for every field."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return (hashlib.sha256(bytes(byte ^ 0x36 for byte in block)),
            hashlib.sha256(bytes(byte ^ 0x5C for byte in block)))


def tag(identity: Identity, key: bytes | None) -> str:
    """The w:tag of a field of `identity`, signed with `key` (unsigned, empty signature, without one)."""
    return "|".join((TAG_VERSION, *map(_escaped, identity.parts()), signature(identity, key) if key else ""))


def verify(text: str, key: bytes) -> Identity | str:
    """The Identity that the tag `text` carries when its signature holds under `key`; else the
    reason (in Chinese) why it is refused."""
    parts = text.split("|")
    if len(parts) != 9 or parts[0] != TAG_VERSION:
        return "标记格式不对（不是本工具签发的填写栏）"
    identity = Identity(*map(_unescaped, parts[1:8]))
    if not parts[8]:
        return "标记没有签名"
    if not hmac.compare_digest(parts[8], signature(identity, key)):
        return "签名不符（标记被改动，或来自另一份输出）"
    return identity
