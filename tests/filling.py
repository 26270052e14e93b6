"""Filling in a generated document's fields the way Word saves them: the placeholder flag
(w:showingPlcHdr) removed, the text in the control's own runs (without the placeholder style),
a line break as w:br; and the core properties Word writes on saving (lastModifiedBy, modified)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CORE = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
        "dcterms": "http://purl.org/dc/terms/", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_parts(path: Path, content: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def tags(path: Path) -> list[str]:
    """The w:tag of every content control, in document order."""
    root = etree.fromstring(parts(path)["word/document.xml"])
    return [tag.get(_w("val")) for tag in root.iter(_w("tag"))]


def fill(path: Path, texts: dict[str, str], author: str = "李娜", modified: str = "2025-11-03T09:00:00Z",
         out: Path | None = None, edit=None) -> Path:
    """Fills the fields whose w:alias (title) or w:tag is a key of `texts` with its text, as
    Word saves a field typed into; `edit(root)` may change the body further. Writes `out`
    (default: `path` itself) and returns it."""
    content = parts(path)
    root = etree.fromstring(content["word/document.xml"])
    left = dict(texts)
    for sdt in root.iter(_w("sdt")):
        properties = sdt.find(_w("sdtPr"))
        alias, tag = properties.find(_w("alias")), properties.find(_w("tag"))
        names = [e.get(_w("val")) for e in (alias, tag) if e is not None]
        wanted = next((name for name in names if name in left), None)
        if wanted is None:
            continue
        text = left.pop(wanted)
        flag = properties.find(_w("showingPlcHdr"))
        if flag is not None:
            properties.remove(flag)
        body = sdt.find(_w("sdtContent"))
        old = body.find(_w("r"))
        style = etree.SubElement(etree.Element(_w("r")), _w("rPr"))
        if old is not None and old.find(_w("rPr")) is not None:
            style = old.find(_w("rPr"))
            for child in style.findall(_w("rStyle")):
                style.remove(child)
        for child in list(body):
            body.remove(child)
        run = etree.SubElement(body, _w("r"))
        run.append(style)
        for number, line in enumerate(text.split("\n")):
            if number:
                etree.SubElement(run, _w("br"))
            t = etree.SubElement(run, _w("t"))
            t.text = line
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    assert not left, f"no such fields: {list(left)}"
    if edit:
        edit(root)
    content["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    core = etree.fromstring(content["docProps/core.xml"])
    who = core.find("cp:lastModifiedBy", CORE)
    if who is None:
        who = etree.SubElement(core, f"{{{CORE['cp']}}}lastModifiedBy")
    who.text = author
    when = core.find("dcterms:modified", CORE)
    if when is None:
        when = etree.SubElement(core, f"{{{CORE['dcterms']}}}modified")
        when.set(f"{{{CORE['xsi']}}}type", "dcterms:W3CDTF")
    when.text = modified
    content["docProps/core.xml"] = etree.tostring(core, xml_declaration=True, encoding="UTF-8", standalone=True)
    target = out or path
    write_parts(target, content)
    return target
