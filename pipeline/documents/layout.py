"""Page layout that holds whatever a month's data makes of a document: applied to a rendered
body (lxml, w:body), where the number of rows and what follows what are known.

- A paragraph just before a table (its caption or lead-in), or just before a chart, keeps with
  it; a chart keeps with a table right after it (the ranking, the trend).
- A short paragraph right after a heading (a lead-in) keeps with a caption or table after it, so
  a heading never stands alone at the foot of a page (it keeps with its next paragraph by its style).
- A table of at most KEEP_WHOLE rows whose rows never break stays on one page (the small tables,
  the 12-month trend); a longer one, or one whose rows may break (Table 1, Table 2: long texts
  break rather than leave half a page empty), keeps its header with its first row and its last
  row with the one before, so no page begins with a lone last row; of its rows that may break,
  a short one (SHORT_ROW_LINES) does not, so no page begins with a line or two of a row.
"""
from __future__ import annotations

from docx.oxml.ns import qn
from lxml.etree import SubElement

KEEP_WHOLE = 14  # rows, the header included: the trend's 12 months and a header fit any page
# A row that may break (Table 1, Table 2) but needs at most this many lines never breaks: a page
# break inside it would leave a line or two (`入CRM`) alone at the top of the next page.
SHORT_ROW_LINES = 3
CHAR_TWIPS = 190  # the width of one 9 pt CJK character with its spacing, in twips (1/1440 inch)
LEAD_IN = 80  # characters: a paragraph after a heading this short is a lead-in, kept with what follows

_P, _TBL, _TR, _PPR, _KEEP = (qn(f"w:{tag}") for tag in ("p", "tbl", "tr", "pPr", "keepNext"))
_DRAWING, _STYLE = qn("w:drawing"), qn("w:pStyle")
_T = qn("w:t")  # (python-docx's element classes make itertext() repeat a run's text)
_ROW_WHOLE = f"{qn('w:trPr')}/{qn('w:cantSplit')}"
_TC, _TR_PR, _CANT_SPLIT, _BR = qn("w:tc"), qn("w:trPr"), qn("w:cantSplit"), qn("w:br")
_CELL_WIDTH = f"{qn('w:tcPr')}/{qn('w:tcW')}"
# Schema order of w:trPr's children: cantSplit goes before these.
_AFTER_CANT_SPLIT = {qn(f"w:{tag}") for tag in ("trHeight", "tblHeader", "tblCellSpacing", "jc", "hidden",
                                                 "ins", "del", "trPrChange")}
# Schema order of w:pPr's first children: keepNext goes after pStyle and before the rest.
_BEFORE_KEEP = {qn("w:pStyle")}


def first_child(element, tag: str):
    """`element`'s first child `tag`, or None (lxml's find, without its path parsing)."""
    for child in element.iterchildren(tag):
        return child
    return None


def keep_with_next(paragraph) -> None:
    """Sets w:keepNext on `paragraph` (w:p), in its schema place."""
    properties = first_child(paragraph, _PPR)
    if properties is None:
        properties = paragraph.makeelement(_PPR, {})
        paragraph.insert(0, properties)
    elif first_child(properties, _KEEP) is not None:
        return
    keep = SubElement(properties, _KEEP)  # made in place: no namespace clean-up on insert
    position = sum(1 for child in properties if child.tag in _BEFORE_KEEP)
    if position < len(properties) - 1:
        properties.insert(position, keep)


def _style(paragraph) -> str:
    properties = first_child(paragraph, _PPR)
    style = first_child(properties, _STYLE) if properties is not None else None
    return style.get(qn("w:val")) if style is not None else ""


def _kept(element) -> bool:
    """Whether `element` keeps with what follows it (a caption by its style or own property, a table)."""
    if element.tag == _TBL:
        return True
    properties = first_child(element, _PPR)
    return _style(element) == "Caption" or (properties is not None and first_child(properties, _KEEP) is not None)


def _keep_rows(rows: list) -> None:
    for row in rows:
        for paragraph in row.iter(_P):
            keep_with_next(paragraph)


def _lines(cell) -> int:
    """The lines a table cell needs, estimated from its width and text (a CJK character a glyph,
    so Latin text is overestimated: a row is then rather left free to break)."""
    width = cell.find(_CELL_WIDTH)
    per_line = max(1, int(width.get(qn("w:w"), "0") or 0) // CHAR_TWIPS) if width is not None else 1
    return sum(-(-max(1, len("".join(t.text or "" for t in paragraph.iter(_T)))) // per_line)
               + sum(1 for _ in paragraph.iter(_BR)) for paragraph in cell.iterchildren(_P))


def _hold_short_row(row) -> None:
    """w:cantSplit on a row that may break but is short (SHORT_ROW_LINES)."""
    properties = first_child(row, _TR_PR)
    if properties is not None and first_child(properties, _CANT_SPLIT) is not None:
        return
    if max((_lines(cell) for cell in row.iterchildren(_TC)), default=0) > SHORT_ROW_LINES:
        return
    if properties is None:
        properties = row.makeelement(_TR_PR, {})
        row.insert(0, properties)
    position = next((i for i, child in enumerate(properties) if child.tag in _AFTER_CANT_SPLIT), len(properties))
    properties.insert(position, properties.makeelement(_CANT_SPLIT, {}))


def _table(table) -> None:
    rows = list(table.iterchildren(_TR))
    whole = len(rows) <= KEEP_WHOLE and all(row.find(_ROW_WHOLE) is not None for row in rows)
    if whole:
        _keep_rows(rows[:-1])
        return
    for row in rows:
        _hold_short_row(row)
    if len(rows) > 2:
        _keep_rows([rows[0], rows[-2]])


def hold_layout(body) -> None:
    """Sets the keep-with-next properties above on the body's paragraphs and table rows."""
    children = list(body)
    for index, element in enumerate(children):
        after = children[index + 1] if index + 1 < len(children) else None
        if element.tag == _TBL:
            _table(element)
        elif element.tag == _P and after is not None:
            before_chart = after.tag == _P and any(True for _ in after.iter(_DRAWING))
            if after.tag == _TBL or before_chart:  # a caption, a lead-in, a chart before its table
                keep_with_next(element)
            elif index and children[index - 1].tag == _P and _style(children[index - 1]).startswith("Heading") \
                    and len("".join(t.text or "" for t in element.iter(_T))) <= LEAD_IN and _kept(after):
                keep_with_next(element)  # heading, lead-in, caption, table: one block
