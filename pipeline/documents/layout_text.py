"""The page layout of pipeline.documents.layout, set on a rendered body as text: the same rules,
applied without parsing the XML (the compiled render writes a document's body as a string).

It reads a body only as the compiled render writes it — paragraphs, tables without nested
tables and the section properties as the body's children, each paragraph's properties as its
first child, a row's properties before its first cell — and raises `Unexpected` for anything
else, so that the caller lays the document out with lxml instead (layout.hold_layout).
"""
from __future__ import annotations

import html
import re

from pipeline.documents.layout import CHAR_TWIPS, KEEP_WHOLE, LEAD_IN, SHORT_ROW_LINES


class Unexpected(Exception):
    """The body holds something this reading of it does not cover."""


_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_STYLE = re.compile(r'<w:pStyle w:val="([^"]*)"')
_KEEP = re.compile(r"<w:keepNext[\s/>]")
_CANT_SPLIT = re.compile(r"<w:cantSplit[\s/>]")
_AFTER_CANT_SPLIT = re.compile(r"<w:(?:trHeight|tblHeader|tblCellSpacing|jc|hidden|ins|del|trPrChange)[\s/>]")
_DRAWING = re.compile(r"<w:drawing[\s/>]")
_BREAK = re.compile(r"<w:br[\s/>]")
_WIDTH = re.compile(r'<w:tcW\s[^>]*?w:w="([^"]*)"')


def hold_layout(body: str) -> str:
    """`body` (`<w:body …>…</w:body>`) with layout.hold_layout's keep-with-next and
    cant-split properties set."""
    start = body.index(">") + 1
    end = body.rindex("</w:body>")
    children = _children(body, start, end)
    last = len(children) - 1
    for index, element in enumerate(children):
        if element.startswith("<w:tbl>"):
            children[index] = _table(element)
        elif index < last and _is_paragraph(element):
            after = children[index + 1]
            if after.startswith("<w:tbl>") or (_is_paragraph(after) and _has_drawing(after)):
                children[index] = keep_with_next(element)
            elif index and _is_heading(children[index - 1]) and _text_length(element) <= LEAD_IN and _kept(after):
                children[index] = keep_with_next(element)
    return "".join([body[:start], *children, body[end:]])


def _children(body: str, start: int, end: int) -> list[str]:
    """The body's child elements between `start` and `end`, as text."""
    children = []
    position = start
    while position < end:
        if body.startswith("<w:tbl>", position):
            close = body.find("</w:tbl>", position)  # a table inside it: _table raises
            if close < 0:
                raise Unexpected("table not closed")
            stop = close + len("</w:tbl>")
        elif body.startswith("<w:p", position) and body[position + 4] in " >/":
            tag_end = body.index(">", position)
            stop = tag_end + 1 if body[tag_end - 1] == "/" else body.index("</w:p>", tag_end) + len("</w:p>")
        elif body.startswith("<w:sectPr", position):
            stop = end
        else:
            raise Unexpected(body[position:position + 40])
        children.append(body[position:stop])
        position = stop
    return children


def _is_paragraph(element: str) -> bool:
    return element.startswith("<w:p") and element[4] in " >/"


def _has_drawing(paragraph: str) -> bool:
    """Whether the paragraph holds a drawing (the plain search first: most do not)."""
    return "<w:drawing" in paragraph and _DRAWING.search(paragraph) is not None


def _is_heading(element: str) -> bool:
    """Whether `element` is a paragraph of a Heading style (the plain search first: most are not)."""
    return _is_paragraph(element) and '<w:pStyle w:val="Heading' in element and _style(element).startswith("Heading")


def _properties(paragraph: str) -> str:
    """The paragraph's w:pPr as text ('' when it has none)."""
    start = paragraph.find(">") + 1
    if paragraph.startswith("<w:pPr>", start):
        return paragraph[start:paragraph.index("</w:pPr>", start) + len("</w:pPr>")]
    return "<w:pPr/>" if paragraph.startswith("<w:pPr/>", start) else ""


def _style(paragraph: str) -> str:
    """The style named in the paragraph's w:pPr ('' without one)."""
    start = paragraph.find(">") + 1
    if not paragraph.startswith("<w:pPr>", start):
        return ""
    style = _STYLE.search(paragraph, start, paragraph.index("</w:pPr>", start))
    return style.group(1) if style else ""


def _kept(element: str) -> bool:
    """layout._kept: a table, a caption, a paragraph that keeps with its next."""
    if element.startswith("<w:tbl>"):
        return True
    properties = _properties(element) if _is_paragraph(element) else ""
    return _style(element) == "Caption" or _KEEP.search(properties) is not None


def _text(fragment: str) -> str:
    """The text of the w:t elements in `fragment`."""
    text = "".join(_TEXT.findall(fragment))
    return html.unescape(text) if "&" in text else text


def _text_length(paragraph: str) -> int:
    return len(_text(paragraph))


_KEEP_PROPERTIES = "<w:pPr><w:keepNext/></w:pPr>"


def keep_with_next(paragraph: str) -> str:
    """layout.keep_with_next: w:keepNext in the properties of the paragraph `paragraph` begins
    with, in its schema place (what follows its properties may be cut off)."""
    tag_end = paragraph.index(">")
    if paragraph[tag_end - 1] == "/":  # <w:p/>
        return paragraph[:tag_end - 1] + ">" + _KEEP_PROPERTIES + "</w:p>" + paragraph[tag_end + 1:]
    start = tag_end + 1
    if paragraph.startswith("<w:pPr/>", start):
        return paragraph[:start] + _KEEP_PROPERTIES + paragraph[start + len("<w:pPr/>"):]
    if not paragraph.startswith("<w:pPr>", start):
        return paragraph[:start] + _KEEP_PROPERTIES + paragraph[start:]
    close = paragraph.index("</w:pPr>", start)
    if _KEEP.search(paragraph, start, close):
        return paragraph
    at = start + len("<w:pPr>")
    if paragraph.startswith("<w:pStyle", at):
        at = paragraph.index("/>", at) + 2
    elif paragraph.find("<w:pStyle", at, close) >= 0:
        raise Unexpected("pStyle not first")
    return paragraph[:at] + "<w:keepNext/>" + paragraph[at:]


_STARTS = {tag: re.compile(tag + "[ >/]") for tag in ("<w:p", "<w:tr", "<w:tc")}


def _starts(fragment: str, tag: str) -> list[int]:
    """Where the elements `tag` (`<w:p`, `<w:tr`, `<w:tc`) begin in `fragment` (not `<w:pPr` …)."""
    return [match.start() for match in _STARTS[tag].finditer(fragment)]


def _pieces(fragment: str, starts: list[int]) -> list[str]:
    """`fragment` cut at `starts`: what comes before the first, then a piece from each."""
    bounds = [0, *starts, len(fragment)]
    return [fragment[begin:end] for begin, end in zip(bounds, bounds[1:])]


# A paragraph that _keep_paragraphs cannot give keep-with-next by one replacement: one with
# attributes, an empty one, one without its properties first, a style, a keep-with-next already set.
_NOT_PLAIN_PARAGRAPH = re.compile(r"<w:p(?:[ /]|>(?!<w:pPr>)|Style)|<w:keepNext")


def _keep_paragraphs(fragment: str) -> str:
    """keep_with_next on every paragraph in `fragment`."""
    if not _NOT_PLAIN_PARAGRAPH.search(fragment):
        # Each paragraph begins `<w:p><w:pPr>` and its properties lack a style and a keep-with-next
        # (so keepNext goes first): all of them at once.
        return fragment.replace("<w:p><w:pPr>", "<w:p><w:pPr><w:keepNext/>")
    # anything else (attributes, styles, empty paragraphs, keep-with-next set): one by one
    pieces = _pieces(fragment, _starts(fragment, "<w:p"))
    return pieces[0] + "".join(keep_with_next(piece) for piece in pieces[1:])


def _paragraphs(cell: str) -> list[str]:
    """The paragraphs of a cell (each up to the next; the text after the last is no paragraph's)."""
    return [piece[:piece.rindex("</w:p>") + len("</w:p>")] if not piece.startswith("<w:p/") else ""
            for piece in _pieces(cell, _starts(cell, "<w:p"))[1:]]


def _row_properties(text: str, row: int, row_end: int) -> tuple[int, int]:
    """Where the w:trPr of the row text[row:row_end] starts and ends in `text` ((-1, -1) without one)."""
    cells = text.find("<w:tc", row, row_end)
    head_end = row_end if cells < 0 else cells
    start = text.find("<w:trPr", row, head_end)
    if start < 0:
        return -1, -1
    if text.startswith("<w:trPr/>", start, head_end):
        return start, start + len("<w:trPr/>")
    return start, text.index("</w:trPr>", start, head_end) + len("</w:trPr>")


def _cant_split(text: str, row: int, row_end: int) -> bool:
    """Whether the row text[row:row_end] has w:cantSplit in its properties."""
    start, end = _row_properties(text, row, row_end)
    return start >= 0 and _CANT_SPLIT.search(text, start, end) is not None


def _lines(cell: str) -> int:
    """layout._lines: the lines a cell needs, from its width and text."""
    width = _WIDTH.search(cell, 0, cell.find("</w:tcPr>"))
    per_line = max(1, int(width.group(1) or 0) // CHAR_TWIPS) if width else 1
    paragraphs = [cell] if cell.count("<w:p>") + cell.count("<w:p ") + cell.count("<w:p/>") == 1 else _paragraphs(cell)
    return sum(-(-max(1, _text_length(paragraph)) // per_line) + len(_BREAK.findall(paragraph))
               for paragraph in paragraphs)


# A cell or a paragraph with attributes, or an empty one.
_NOT_PLAIN_CELL = re.compile(r"<w:(?:tc|p)[ /]")


def _short(row: str) -> bool:
    """Whether no cell of `row` needs more than SHORT_ROW_LINES lines (_lines)."""
    if _NOT_PLAIN_CELL.search(row):
        return all(_lines(cell) <= SHORT_ROW_LINES for cell in _pieces(row, _starts(row, "<w:tc"))[1:])
    breaks = "<w:br" in row
    # each cell without its `<w:tc>`, which _lines does not read
    return all(_plain_cell_lines(cell, breaks) <= SHORT_ROW_LINES for cell in row.split("<w:tc>")[1:])


# A cell's width first in its properties, as the templates write it (the cell after its `<w:tc>`).
_LEADING_WIDTH = re.compile(r'<w:tcPr><w:tcW\s[^>]*?w:w="([^"]*)"')


def _plain_cell_lines(cell: str, breaks: bool) -> int:
    """_lines of a cell (after its `<w:tc>`) whose paragraphs all begin `<w:p>`, with fewer
    searches when it has one (`breaks`: whether it may hold a break)."""
    if cell.count("<w:p>") != 1:
        return _lines(cell)
    width = _LEADING_WIDTH.match(cell) or _WIDTH.search(cell, 0, cell.find("</w:tcPr>"))
    per_line = max(1, int(width.group(1) or 0) // CHAR_TWIPS) if width else 1
    text = "".join(_TEXT.findall(cell))
    length = len(html.unescape(text) if "&" in text else text)
    return -(-max(1, length) // per_line) + (len(_BREAK.findall(cell)) if breaks else 0)


def _hold_short_row(row: str) -> str:
    """layout._hold_short_row on a row without w:cantSplit: w:cantSplit if it is short."""
    if not _short(row):
        return row
    start, end = _row_properties(row, 0, len(row))
    if start < 0:
        at = row.index(">") + 1
        return row[:at] + "<w:trPr><w:cantSplit/></w:trPr>" + row[at:]
    if row.startswith("<w:trPr/>", start):
        return row[:start] + "<w:trPr><w:cantSplit/></w:trPr>" + row[end:]
    after = _AFTER_CANT_SPLIT.search(row, start + len("<w:trPr>"), end)
    at = after.start() if after else end - len("</w:trPr>")
    return row[:at] + "<w:cantSplit/>" + row[at:]


_ROW_OR_TABLE = re.compile(r"<w:(?:tr[ >/]|tbl>)")


def _row_starts(table: str) -> list[int]:
    """Where the rows of the table `table` begin (raises Unexpected for a table inside it)."""
    starts = []
    for match in _ROW_OR_TABLE.finditer(table, len("<w:tbl>")):
        if table.startswith("<w:tbl>", match.start()):
            raise Unexpected("nested table")
        starts.append(match.start())
    return starts


def _table(table: str) -> str:
    """layout._table on a table's text."""
    starts = _row_starts(table)
    if not starts:
        raise Unexpected("table without rows")  # docxtpl's table fix then rewrites its grid
    # each row up to the next, the last up to its end
    bounds = [*starts, table.rindex("</w:tr>", starts[-1]) + len("</w:tr>")]
    rows = list(zip(bounds, bounds[1:]))
    unbreakable = [_cant_split(table, start, end) for start, end in rows]
    if len(rows) <= KEEP_WHOLE and all(unbreakable):
        return _keep_paragraphs(table[:starts[-1]]) + table[starts[-1]:]
    held = [table[start:end] if kept else _hold_short_row(table[start:end])
            for (start, end), kept in zip(rows, unbreakable)]
    if len(held) > 2:
        held[0], held[-2] = _keep_paragraphs(held[0]), _keep_paragraphs(held[-2])
    return table[:starts[0]] + "".join(held) + table[bounds[-1]:]
