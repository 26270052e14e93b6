"""Reading generated documents as a reader would: tables as lists of cell texts, XML parts."""
from __future__ import annotations

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
