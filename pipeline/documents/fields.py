"""Fill-in fields: a narrative cell that data and notes leave empty, as a Word content control.

A `Field` says where it stands (its `Identity`: month, level, unit, kind, metric, section and,
for 差异原因, the cause 主观/客观), its title (`w:alias`, `销售额·下月改进措施`) and the short hint
shown greyed as its placeholder. `control_xml` writes it as a plain-text content control; its
`w:tag` carries the identity and an HMAC-SHA256 signature under the key of the outputs folder
(created once, never mailed), so that `verify` can tell a field this tool issued in that
document from an altered or foreign one:

    sr1|2025-10|team|华东二组|summary|sales|next_step||<16 hex digits>

The tag's format, signature and check live in the ground module pipeline.fieldtag (re-exported
here). Pure: no files here (the key is read and created by pipeline.outputs).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pipeline.fieldtag import (CAUSES, SIGNATURE_LENGTH, TAG_VERSION, Identity, signature, tag,  # noqa: F401
                               verify)

PLACEHOLDER_STYLE = "PlaceholderText"  # Word's own character style for placeholder text (grey)
PLACEHOLDER_COLOR = "808080"


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
    """Several fields in one cell, one per line (差异原因: 主观 and 客观), after any text already
    there (a str item: its lines as they are)."""

    items: tuple[Field | str, ...]


def control_xml(field: Field, key: bytes | None) -> str:
    """`field` as a run-level plain-text content control (w:sdt), showing its hint as placeholder
    text in Word's placeholder style. Goes between runs of a paragraph."""
    label = f'<w:r><w:t xml:space="preserve">{_text(field.label)}</w:t></w:r>' if field.label else ""
    return (f'{label}<w:sdt><w:sdtPr><w:alias w:val={_attribute(field.title)}/>'
            f'<w:tag w:val={_attribute(tag(field.identity, key))}/><w:showingPlcHdr/><w:text w:multiLine="1"/>'
            f'</w:sdtPr><w:sdtContent><w:r><w:rPr><w:rStyle w:val="{PLACEHOLDER_STYLE}"/></w:rPr>'
            f'<w:t xml:space="preserve">{_text(field.hint)}</w:t></w:r></w:sdtContent></w:sdt>')


def text_xml(value: str) -> str:
    """`value` as the text of a w:t, escaped and inert to docxtpl's tag post-processing."""
    return _text(value)


@functools.lru_cache(maxsize=4096)  # titles, hints and labels recur in every document
def _text(value: str, entities: tuple[tuple[str, str], ...] = ()) -> str:
    """XML text inert to docxtpl's tag post-processing (braces as character references)."""
    return escape(value, dict(entities)).replace("{", "&#123;").replace("}", "&#125;")


def _attribute(value: str) -> str:
    return '"' + _text(value, (('"', "&quot;"),)) + '"'
