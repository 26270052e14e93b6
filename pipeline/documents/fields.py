"""Fill-in fields: a narrative cell that data and notes leave empty, as a Word content control.

A `Field` says where it stands (its `Identity`: month, level, unit, kind, metric, section and,
for 差异原因, the cause 主观/客观), its title (`w:alias`, `销售额·下月改进措施`) and the short hint
shown greyed as its placeholder. `control_xml` writes it as a plain-text content control; its
`w:tag` carries the identity and an HMAC-SHA256 signature under the key of the outputs folder
(created once, never mailed), so that `verify` can tell a field this tool issued in that
document from an altered or foreign one:

    sr1|2025-10|team|华东二组|summary|sales|next_step||<16 hex digits>

`|` separates the parts; `%`, `|` and control characters inside a part are written as `%XX`.
Pure: no files here (the key is read and created by pipeline.outputs).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

TAG_VERSION = "sr1"
SIGNATURE_LENGTH = 16  # hex digits of the HMAC-SHA256 kept: 64 bits
PLACEHOLDER_STYLE = "PlaceholderText"  # Word's own character style for placeholder text (grey)
PLACEHOLDER_COLOR = "808080"
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


@dataclass(frozen=True)
class Field:
    """A fill-in field: `title` as Word shows it (w:alias), `hint` its greyed placeholder,
    `label` printed before it in the same paragraph (`主观：`)."""

    identity: Identity
    title: str
    hint: str
    label: str = ""


@dataclass(frozen=True)
class Fields:
    """Several fields in one cell, one per line (差异原因: 主观 and 客观)."""

    items: tuple[Field, ...]


def _escaped(part: str) -> str:
    return re.sub(r"[%|\x00-\x1f\x7f]", lambda m: f"%{ord(m.group()):02X}", part)


def _unescaped(part: str) -> str:
    return re.sub(r"%([0-9A-F]{2})", lambda m: chr(int(m.group(1), 16)), part)


def signature(identity: Identity, key: bytes) -> str:
    """The truncated HMAC-SHA256 (hex) of `identity` under `key`."""
    message = "\x1f".join((TAG_VERSION, *identity.parts())).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


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


def control_xml(field: Field, key: bytes | None) -> str:
    """`field` as a run-level plain-text content control (w:sdt), showing its hint as placeholder
    text in Word's placeholder style. Goes between runs of a paragraph."""
    label = f'<w:r><w:t xml:space="preserve">{_text(field.label)}</w:t></w:r>' if field.label else ""
    return (f'{label}<w:sdt><w:sdtPr><w:alias w:val={_attribute(field.title)}/>'
            f'<w:tag w:val={_attribute(tag(field.identity, key))}/><w:showingPlcHdr/><w:text w:multiLine="1"/>'
            f'</w:sdtPr><w:sdtContent><w:r><w:rPr><w:rStyle w:val="{PLACEHOLDER_STYLE}"/></w:rPr>'
            f'<w:t xml:space="preserve">{_text(field.hint)}</w:t></w:r></w:sdtContent></w:sdt>')


def _text(value: str, entities: dict[str, str] | None = None) -> str:
    """XML text inert to docxtpl's tag post-processing (braces as character references)."""
    return escape(value, entities or {}).replace("{", "&#123;").replace("}", "&#125;")


def _attribute(value: str) -> str:
    return '"' + _text(value, {'"': "&quot;"}) + '"'
