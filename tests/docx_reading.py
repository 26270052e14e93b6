"""Reading generated documents as a reader would: tables as lists of cell texts, XML parts."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from lxml import etree


def tables(path: Path) -> list[list[list[str]]]:
    """Every table of the document as rows of cell texts."""
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in Document(path).tables]


def table_with_header(path: Path, header: list[str]) -> list[list[str]]:
    """The table whose first row is exactly `header`."""
    found = [t for t in tables(path) if t and t[0] == header]
    assert len(found) == 1, f"expected one table headed {header}, found {len(found)}"
    return found[0]


def fill(cell) -> str | None:
    """The cell's shading colour as Word stores it (`w:shd/@w:fill` in the cell's properties)."""
    properties = cell._tc.tcPr
    shading = properties.find(qn("w:shd")) if properties is not None else None
    return shading.get(qn("w:fill")) if shading is not None else None


def rows_with_fill(path: Path, header: list[str]) -> dict[str, list[tuple[str, str | None]]]:
    """The table headed `header` as {first cell: [(text, fill) of every cell]}."""
    found = [t for t in Document(path).tables if [c.text for c in t.rows[0].cells] == header]
    assert len(found) == 1, f"expected one table headed {header}, found {len(found)}"
    return {row.cells[0].text: [(c.text, fill(c)) for c in row.cells] for row in found[0].rows[1:]}


def body_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(path).paragraphs)


def xml_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.endswith((".xml", ".rels"))}


def assert_well_formed(path: Path) -> None:
    """Every XML part parses with a strict parser (no recovery)."""
    for name, data in xml_parts(path).items():
        try:
            etree.fromstring(data, etree.XMLParser(recover=False))
        except etree.XMLSyntaxError as error:  # pragma: no cover - the message is the point
            raise AssertionError(f"{path.name}:{name} is not well-formed: {error}") from error


def controls(element) -> list[dict]:
    """The content controls (w:sdt) inside an lxml `element` (a document body, a cell's `_tc`),
    as a reader of Word's 开发工具 sees them: title (w:alias), tag, the text shown, and whether
    that text is the greyed placeholder (w:showingPlcHdr) in the placeholder style."""
    found = []
    for sdt in element.iter(qn("w:sdt")):
        properties = sdt.find(qn("w:sdtPr"))

        def value(tag: str) -> str | None:
            child = properties.find(qn(tag))
            return None if child is None else child.get(qn("w:val"))

        runs = sdt.findall(f"{qn('w:sdtContent')}/{qn('w:r')}")
        found.append({"title": value("w:alias"), "tag": value("w:tag"),
                      "text": "".join(t.text or "" for run in runs for t in run.iter(qn("w:t"))),
                      "placeholder": properties.find(qn("w:showingPlcHdr")) is not None,
                      "plain_text": properties.find(qn("w:text")) is not None,
                      "greyed": bool(runs) and all(run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}") is not None
                                                   and run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}").get(qn("w:val"))
                                                   == "PlaceholderText" for run in runs)})
    return found


def rows_of_cells(path: Path, header: list[str]) -> dict[str, list]:
    """The table headed `header` as {first cell's text: [python-docx cells of the row]}."""
    found = [t for t in Document(path).tables if [c.text for c in t.rows[0].cells] == header]
    assert len(found) == 1, f"expected one table headed {header}, found {len(found)}"
    return {row.cells[0].text: row.cells for row in found[0].rows[1:]}


def document_controls(path: Path) -> list[dict]:
    """Every content control of the document's body."""
    return controls(Document(path).element.body)


def written(value):
    """What a context value prints as text, its fill-in fields left out: a cell's text, a
    Fields' text items joined by line breaks, a field "" (a list: the texts, fields dropped)."""
    from pipeline.documents.fields import Field, Fields

    if isinstance(value, list):
        return [written(item) for item in value if not isinstance(item, Field)]
    if isinstance(value, Fields):
        return "\n".join(item for item in value.items if isinstance(item, str))
    return "" if isinstance(value, Field) else value


def workbook_parts(workbook: bytes) -> list[tuple[str, bytes]]:
    """An embedded workbook's parts in order, each as it reads once inflated (what Excel reads;
    how each is compressed aside)."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]
