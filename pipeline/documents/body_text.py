"""A template's body compiled once so that each document's body is written as text: Jinja fills
it, and nothing is parsed per document.

What the render otherwise does to the parsed body (render._document) is decided here when the
template is compiled, or done on the text:

- docxtpl's table fix changes nothing where every row has as many cells as the table's grid, no
  cell spans columns and no tag stands between cells: checked here, once.
- The cell properties' schema order (render._order_cell_properties): put in order here, in the
  template, where no tag stands between them.
- Fill-in fields (render._dress_controls): a run holding one tag and nothing else is compiled to
  a call that writes the run, or — for a fill-in field, when the run is its paragraph's only
  content — the field's runs dressed in the run's look. A field anywhere else, lines without a
  field, a control character in a field's text (the listing step would split runs dressed
  already), or anything this reading does not cover, raises `Unexpected`: that document is
  rendered the parsed way.
- Line breaks in values become w:br in those runs, as docxtpl's listing step writes them.
- Drawing ids numbered as docxtpl numbers them; keep-with-next by layout_text.

A template this does not cover (text boxes, content controls, nested tables, …) gets None from
`compile_body`, and every document of it is rendered the parsed way.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import jinja2
from docx.oxml.ns import qn
from lxml import etree
from markupsafe import Markup, escape

from pipeline.documents import layout_text
from pipeline.documents.layout_text import Unexpected

# Word features the text reading of a body does not cover: the template is rendered the parsed way.
_NOT_COVERED = ("txbxContent", "<w:sdt", "pPrChange", "<w:customXml", "<w:altChunk", "<w:subDoc", "\n")
_TAG_ONLY = re.compile(r"\{\{((?:(?!\{\{|\}\}|\{%|%\}).)*)\}\}", re.S)
_WHITESPACE_CONTROL = re.compile(r"\A[-+]|-\Z")  # `{{-`, `{{+`, `-}}`: Jinja's, not the expression's
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
LISTING = re.compile("[\t\a\n\f]")  # what docxtpl's listing step turns into runs, breaks, paragraphs
_NEW_PARAGRAPH = re.compile("[\a\f]")  # what it makes new paragraphs of
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # either of the two above
_CONTROL_BYTES = bytes(range(0x20)).replace(b"\r", b"")  # _CONTROL's in UTF-8 (but U+FFFE, U+FFFF, surrogates)
_SPLITS_RUNS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # _CONTROL but a line break
_DOC_PR = re.compile(r'(<wp:docPr\s(?:[^>]*?\s)?id=")[^"]*(")')
_BREAK = '</w:t><w:br/><w:t xml:space="preserve">'  # docxtpl's listing step for "\n"
_CALL = "_salesreport_run"
_SPLIT = "\ue000"  # a private-use character marking where a run's value goes
# Schema order of <w:tcPr> children; docxtpl's {% cellbg %} puts <w:shd> first, which Word
# may refuse as a damaged file.
_TC_PR_RANK = {qn(f"w:{tag}"): rank for rank, tag in enumerate((
    "cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
    "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange"))}
_P, _R, _T, _RPR, _PPR, _TBL, _TR, _TC = (qn(f"w:{tag}") for tag in ("p", "r", "t", "rPr", "pPr", "tbl", "tr", "tc"))
NOT_IN_PLACEHOLDER = (qn("w:rStyle"), qn("w:color"))  # a field's placeholder keeps its own style and colour


def cell_property_rank(child) -> int:
    """Where a child of w:tcPr goes in schema order (one the schema does not know, last)."""
    return _TC_PR_RANK.get(child.tag, len(_TC_PR_RANK))
_DECLARATION = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')


@dataclass(frozen=True)
class _Run:
    """A run that held one tag: its text around the value, and — when it is its paragraph's only
    content — the look a fill-in field takes from it."""

    head: str  # <w:r …><w:rPr>…</w:rPr><w:t …>
    tail: str  # </w:t></w:r>
    sole: bool
    properties: str | None  # the run's w:rPr as text
    placeholder: str  # its children a placeholder's w:rPr takes (not its style or colour)


class TextBody:
    """A body compiled by `compile_body`: `render(values)` gives the document part's XML."""

    def __init__(self, source: str, runs: list[_Run], environment: jinja2.Environment, head: str, tail: str,
                 runs_in_paragraphs: bool = True):
        self.runs = runs
        # Whether every run is its paragraph's child (none in a hyperlink, a tracked insertion, …):
        # only then does docxtpl's listing step close and open paragraphs (\a, \f) around it
        # well-formed; elsewhere the parsed way's recovering parser mends what it makes of them.
        self.runs_in_paragraphs = runs_in_paragraphs
        # A filter, called directly by the compiled template (a global function would be called
        # through Jinja's context), in an overlay so that each template has its own.
        overlay = environment.overlay()
        overlay.filters = {**environment.filters, _CALL: self._run}  # (overlay() shares the dict)
        self.template = overlay.from_string(source)
        # Every `{{ }}` in the body writes a Markup (a run, a prepared value), which markupsafe's
        # escape copies; the compiled template's own name for it is pointed at one that does not.
        self.template.root_render_func.__globals__["escape"] = _escaped
        self.head, self.tail = head.encode("utf-8"), tail.encode("utf-8")

    def _run(self, value, number: int) -> Markup:
        run = self.runs[number]
        dressed = getattr(value, "dressed", None)
        if dressed is not None:
            if not run.sole:
                raise Unexpected("a fill-in field beside other content")
            xml = dressed(run.properties, run.placeholder)
            if "<w:sdt>" not in xml:  # lines without a field: the parsed way leaves their runs undressed
                raise Unexpected("no fill-in field among the lines")
            if _SPLITS_RUNS.search(xml):  # the listing step would split the runs dressed here; the parsed way dresses after it
                raise Unexpected("a control character beside a fill-in field")
            return str.__new__(_RunXml, xml)
        text = _checked(value) if type(value) is Markup else escape(value)
        if "\n" in text:
            text = str.replace(text, "\n", _BREAK)  # (Markup's own replace would escape _BREAK)
        return str.__new__(_RunXml, "".join((run.head, text, run.tail)))

    def render(self, values: dict, resolve_listing) -> bytes:
        """document.xml for `values` (prepared by render.Prepared); `resolve_listing` is docxtpl's
        listing step, for the tabs, paragraph and page breaks the text may hold (the template's
        text holds none, but a value, a filter such as wordwrap or a string in a tag may)."""
        text = self.template.render(values)
        if "{_" in text or "_}" in text:  # docxtpl's escaped braces
            text = text.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        body = self._laid_out(text)
        # A control character is rare: found in the bytes (≈ 5× faster than a search of the
        # text), then the text resolved and laid out again.
        if holds_control(body, text):
            if LISTING.search(text):
                if not self.runs_in_paragraphs and _NEW_PARAGRAPH.search(text):
                    raise Unexpected("a paragraph or page break in a run outside a paragraph's children")
                text = resolve_listing(text)
            if _NOT_XML.search(text):  # e.g. in an attribute: the parsed way drops it, as lxml's parser does
                raise Unexpected("a character XML cannot hold")
            body = self._laid_out(text)
        return self.head + body + self.tail

    @staticmethod
    def _laid_out(text: str) -> bytes:
        """The body with its drawings numbered and laid out, in UTF-8."""
        if "<wp:docPr" in text:  # numbered from 1001 in document order, as docxtpl does
            ids = itertools.count(1001)
            text = _DOC_PR.sub(lambda match: f"{match.group(1)}{next(ids)}{match.group(2)}", text)
        try:
            return layout_text.hold_layout(text).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the parsed way drops it, as lxml's parser does
            raise Unexpected("a character XML cannot hold") from None


def holds_control(data: bytes, text: str) -> bool:
    """Whether `text` (`data` in UTF-8) holds a control character or one XML cannot hold:
    looked for in the bytes, ≈ 5× faster than a search of the text."""
    return len(data.translate(None, _CONTROL_BYTES)) != len(data) or "\ufffe" in text or "\uffff" in text


def markup(text: str) -> Markup:
    """`text` (XML already) as Markup, made directly: Markup's constructor is Python code that
    looks for an `__html__` a str does not have."""
    return str.__new__(Markup, text)


class _RunXml(Markup):
    """A run `TextBody._run` wrote: XML by construction."""


# What escaped text never holds: markup, a quote, an `&` that begins no character reference.
_NOT_ESCAPED = re.compile(r"""[<"']|&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)""")


def _checked(value: Markup) -> Markup:
    """A Markup value as it is, when it is escaped text; `Unexpected` for one a filter or an
    expression made otherwise (`|upper` on `&amp;`, a slice through an entity, `|safe` on
    markup, render's `|plain`, which leaves & and < for python-docx to escape in a property):
    not XML as text, and the parsed way makes something of it."""
    # (the four `in` tests first: most values hold none of these characters, and they are faster)
    if ("&" in value or "<" in value or '"' in value or "'" in value) and _NOT_ESCAPED.search(value):
        raise Unexpected("markup not escaped as text")
    return value


def _escaped(value) -> Markup:
    """markupsafe's escape, except that a Markup is itself (not a copy of itself), checked."""
    kind = type(value)
    if kind is _RunXml:
        return value
    return _checked(value) if kind is Markup else escape(value)


def compile_body(source: str, document: str, environment: jinja2.Environment) -> TextBody | None:
    """`source` (the template's body as docxtpl prepares it) compiled to render as text inside
    `document` (the serialized document part with an empty `<w:body/>`); None where it cannot be."""
    if any(marker in source for marker in _NOT_COVERED) or document.count("<w:body/>") != 1 \
            or _CONTROL.search(source) \
            or any(set(tag) & set("<>&") for tag in _JINJA.findall(source)):
        return None  # (lxml would write a tag's < > & as references: no longer Jinja)
    try:
        body = etree.fromstring(source)
    except etree.XMLSyntaxError:
        return None
    if not all(_table_fix_changes_nothing(table) for table in body.iter(_TBL)):
        return None
    if not all(_cell_properties_in_order(properties) for properties in body.iter(qn("w:tcPr"))):
        return None
    runs_in_paragraphs = all(run.getparent().tag == _P for run in body.iter(_R))
    runs: list[_Run] = []
    for run in list(body.iter(_R)):
        _compile_run(run, runs)
    text = etree.tostring(body, encoding="unicode")
    root = etree.fromstring(document.encode("utf-8"))
    if set(body.nsmap.items()) <= set(root.nsmap.items()):
        text = "<w:body>" + text[text.index(">") + 1:]  # the document's root declares them
    head, tail = document.split("<w:body/>")
    try:
        return TextBody(text, runs, environment, head, tail, runs_in_paragraphs)
    except jinja2.TemplateSyntaxError:
        return None  # the parsed way raises it, with docxtpl's words and the text near it


def _table_fix_changes_nothing(table) -> bool:
    """Whether docxtpl's fix_tables leaves every rendering of `table` as it is: no nested table,
    no spanned cell, every row as many cells as the grid has columns, no tag between cells."""
    grid = table.find(qn("w:tblGrid"))
    rows = table.findall(_TR)
    if grid is None or not rows or table.find(f".//{_TBL}") is not None or table.find(f".//{qn('w:gridSpan')}") is not None:
        return False
    columns = len(grid.findall(qn("w:gridCol")))
    for row in rows:
        if len(row.findall(_TC)) != columns or "{" in (row.text or "") + "".join(child.tail or "" for child in row):
            return False
    return True


def _cell_properties_in_order(properties) -> bool:
    """Puts a cell's properties in schema order (render._order_cell_properties) where no tag stands
    between them; False where tags do and the order is not already right in every rendering."""
    ranks = [cell_property_rank(child) for child in properties]
    if ranks == sorted(ranks):
        return True
    if "{" in (properties.text or "") + "".join(child.tail or "" for child in properties):
        return False
    for child in sorted(properties, key=cell_property_rank):
        properties.append(child)
    return True


def _compile_run(run, runs: list[_Run]) -> None:
    """A run whose only text is one tag becomes a call writing it (a fill-in field dressed)."""
    children = list(run)
    texts = [child for child in children if child.tag == _T]
    properties = [child for child in children if child.tag == _RPR]
    if len(texts) != 1 or len(children) != len(texts) + len(properties) or (run.text or "").strip():
        return
    match = _TAG_ONLY.fullmatch(texts[0].text or "")
    if match is None or any(child.tail for child in children) or _WHITESPACE_CONTROL.search(match.group(1)):
        return  # (`{{- x }}` is not the call `(- x)`: left to Jinja)
    scope = run.getparent().nsmap
    if any(element.nsmap != scope for element in run.iter()):
        return  # a namespace declared inside the run: its text written without declarations would lose it
    texts[0].text = _SPLIT
    whole = _without_declarations(etree.tostring(run, encoding="unicode", with_tail=False))
    head, tail = whole.split(_SPLIT)
    texts[0].text = match.group(0)
    if "{" in whole:  # a tag in the run's look: Jinja's to render
        return
    paragraph = run.getparent()
    siblings = [child for child in paragraph if child.tag != _PPR] if paragraph.tag == _P else None
    sole = siblings == [run] and not (paragraph.text or "").strip() and not any(
        (child.tail or "").strip() for child in paragraph)
    look = properties[0] if properties else None
    runs.append(_Run(head, tail, sole,
                     _without_declarations(etree.tostring(look, encoding="unicode", with_tail=False))
                     if look is not None else None,
                     "".join(_without_declarations(etree.tostring(child, encoding="unicode", with_tail=False))
                             for child in (look if look is not None else ()) if child.tag not in NOT_IN_PLACEHOLDER)))
    call = "{{ (%s)|%s(%d) }}" % (match.group(1), _CALL, len(runs) - 1)
    _replace_with_text(run, call)


def _replace_with_text(element, text: str) -> None:
    """Takes `element` out of its parent, leaving `text` (and its tail) where it stood."""
    parent, previous = element.getparent(), element.getprevious()
    text += element.tail or ""
    if previous is None:
        parent.text = (parent.text or "") + text
    else:
        previous.tail = (previous.tail or "") + text
    parent.remove(element)


def _without_declarations(xml: str) -> str:
    """An element serialized alone, without the namespace declarations lxml adds to it."""
    return _DECLARATION.sub("", xml)
