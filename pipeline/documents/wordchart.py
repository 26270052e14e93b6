"""Native Word charts: DrawingML chart parts with their embedded workbook, added to a document.

The chart XML comes from python-pptx's ChartXmlWriter (the same schema in Word and PowerPoint)
and the workbook behind Word's "Edit Data" from its XlsxWriter-based writer; this module
adds the combined bar-and-line form, the Chinese font, labels, and fixed timestamps.

Per document both are written from prepared pieces: the chart XML from a template made once
per chart shape by the tree-building path (`reference_chart_xml`), the same bytes; the
workbook from XlsxWriter's parts with only the sheet and its strings written anew (the same
parts; those two deflated by ISA-L, as the document's own parts are).
"""
from __future__ import annotations

import copy
import functools
import io
import math
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from xml.sax.saxutils import escape

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.chart.xmlwriter import ChartXmlWriter
from pptx.enum.chart import XL_CHART_TYPE
from xlsxwriter import Workbook

from pipeline.documents.charts import ChartSpec, description
from pipeline.documents.stablezip import Member, quickly_deflated, stable_raw, stable_zip, write_zip

CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CT_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS = {"c": C, "a": A, "r": R}
FONT = "SimSun"  # 宋体 by the name Word and fontconfig both know (see scripts/build_templates.py)
LANGUAGE = "zh-CN"
SERIES_COLOURS = ("4472C4", "A5A5A5", "ED7D31", "70AD47")
LINE_COLOUR = "C00000"
EMU_PER_CM = 360000
FIXED_STAMP = "2025-01-01T00:00:00Z"


def _el(tag: str, **attributes) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.Element(f"{{{NS[prefix]}}}{name}")
    for key, value in attributes.items():
        element.set(key, str(value))
    return element


def _sub(parent, tag: str, **attributes) -> etree._Element:
    prefix, name = tag.split(":")
    return etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", {key: str(value) for key, value in attributes.items()})


def _fill(colour: str, line: bool = False) -> etree._Element:
    return copy.deepcopy(_fill_made(colour, line))


@functools.lru_cache(maxsize=16)
def _fill_made(colour: str, line: bool) -> etree._Element:
    shape = _el("c:spPr")
    if line:
        outline = _sub(shape, "a:ln", w=22225)
        _sub(_sub(outline, "a:solidFill"), "a:srgbClr", val=colour)
        _sub(outline, "a:prstDash", val="dash")
    else:
        _sub(_sub(shape, "a:solidFill"), "a:srgbClr", val=colour)
    return shape


def _text_properties(size: int = 900, horizontal: bool = False) -> etree._Element:
    """Chart-wide text: the Chinese font on the East Asian slot, 9 pt. `horizontal`: never turned
    (category names wrap under their bar instead of standing at 45° and squeezing the plot)."""
    return copy.deepcopy(_text_properties_made(size, horizontal))


@functools.lru_cache(maxsize=8)
def _text_properties_made(size: int, horizontal: bool) -> etree._Element:
    text = _el("c:txPr")
    if horizontal:
        _sub(text, "a:bodyPr", rot=0, vert="horz")
    else:
        _sub(text, "a:bodyPr")
    _sub(text, "a:lstStyle")
    paragraph = _sub(text, "a:p")
    run = _sub(_sub(paragraph, "a:pPr"), "a:defRPr", sz=size)
    _sub(run, "a:latin", typeface="Arial")
    _sub(run, "a:ea", typeface=FONT)
    _sub(paragraph, "a:endParaRPr", lang="zh-CN")
    return text


def _title(text: str) -> etree._Element:
    title = _el("c:title")
    rich = _sub(_sub(title, "c:tx"), "c:rich")
    _sub(rich, "a:bodyPr")
    _sub(rich, "a:lstStyle")
    paragraph = _sub(rich, "a:p")
    properties = _sub(_sub(paragraph, "a:pPr"), "a:defRPr", sz=1100, b=1)
    _sub(properties, "a:ea", typeface=FONT)
    run = _sub(paragraph, "a:r")
    _sub(run, "a:rPr", lang="zh-CN", sz=1100, b=1)
    _sub(run, "a:t").text = text
    _sub(title, "c:overlay", val=0)
    return title


_LABEL_FLAGS = (("showLegendKey", 0), ("showVal", 1), ("showCatName", 0), ("showSerName", 0),
                ("showPercent", 0), ("showBubbleSize", 0))


def _label_text(text: str) -> etree._Element:
    """A data label's own text (c:tx), e.g. `80%` exactly as the tables write it."""
    tx = copy.deepcopy(_LABEL_TEXT)
    tx[0][2][0][1].text = text  # c:rich / a:p / a:r / a:t
    return tx


def _label_text_made(text: str) -> etree._Element:
    tx = _el("c:tx")
    rich = _sub(tx, "c:rich")
    _sub(rich, "a:bodyPr")
    _sub(rich, "a:lstStyle")
    run = _sub(_sub(rich, "a:p"), "a:r")
    properties = _sub(run, "a:rPr", lang=LANGUAGE)
    _sub(properties, "a:ea", typeface=FONT)
    _sub(run, "a:t").text = text
    return tx


_LABEL_TEXT = _label_text_made("")


def _labels(number_format: str, texts: tuple[str, ...] = (), position: str | None = None) -> etree._Element:
    """The series' data labels: each point's text from `texts` where given, else the value in
    `number_format`; at `position` (`inBase`: at the foot of the bar, clear of a target line)."""
    labels = _el("c:dLbls")
    for index, text in enumerate(texts):
        if not text:
            continue
        label = _sub(labels, "c:dLbl")
        _sub(label, "c:idx", val=index)
        label.append(_label_text(text))
        if position:
            _sub(label, "c:dLblPos", val=position)
        for tag, value in _LABEL_FLAGS:
            _sub(label, f"c:{tag}", val=value)
    _sub(labels, "c:numFmt", formatCode=number_format, sourceLinked=0)
    if position:
        _sub(labels, "c:dLblPos", val=position)
    for tag, value in _LABEL_FLAGS:
        _sub(labels, f"c:{tag}", val=value)
    return labels


def _all_series(spec: ChartSpec) -> list:
    """The series of `spec`, the reference line last as a series of its value at every category."""
    series = list(spec.series)
    if spec.reference_line:
        name, value = spec.reference_line
        series.append((name, tuple(value for _ in spec.categories)))
    return series


def _chart_data(spec: ChartSpec, xml: bool = False) -> tuple[CategoryChartData, list]:
    """python-pptx's chart data of `spec`, and its series (the reference line last, as a series).
    `xml`: for the chart XML, where python-pptx writes the number format as it is (a unit such as
    `件&套` must be escaped there; the workbook's writer escapes it itself)."""
    data = CategoryChartData(number_format=escape(spec.number_format) if xml else spec.number_format)
    data.categories = list(spec.categories)
    series = _all_series(spec)
    for name, values in series:
        data.add_series(name, list(values))
    return data, series


MUTED_COLOUR = "7F7F7F"


def _muted_point(index: int) -> etree._Element:
    """A bar drawn hatched grey (c:dPt), for a figure that stands but is incomplete."""
    point = _el("c:dPt")
    _sub(point, "c:idx", val=index)
    _sub(point, "c:invertIfNegative", val=0)
    _sub(point, "c:bubble3D", val=0)
    shape = _sub(point, "c:spPr")
    pattern = _sub(shape, "a:pattFill", prst="wdUpDiag")
    _sub(_sub(pattern, "a:fgClr"), "a:srgbClr", val=MUTED_COLOUR)
    _sub(_sub(pattern, "a:bgClr"), "a:srgbClr", val="FFFFFF")
    _sub(_sub(_sub(shape, "a:ln", w=9525), "a:solidFill"), "a:srgbClr", val=MUTED_COLOUR)
    return point


def chart_xml(spec: ChartSpec) -> tuple[bytes, bytes]:
    """The chart part's XML and its embedded workbook for `spec`: `reference_chart_xml`'s XML and
    workbook parts, written from prepared pieces where the chart's text and numbers are plain
    (else built as trees)."""
    xml = fast_chart_xml(spec) or _tree_xml(spec)
    workbook = _fast_workbook(spec.categories, _all_series(spec), spec.number_format)
    return xml, workbook or reference_workbook(spec)


def reference_chart_xml(spec: ChartSpec) -> tuple[bytes, bytes]:
    """The chart part's XML built as trees and its workbook through XlsxWriter: what `chart_xml` must equal."""
    return _tree_xml(spec), reference_workbook(spec)


def _tree_xml(spec: ChartSpec) -> bytes:
    """The chart part's XML: python-pptx's chart parsed, dressed as lxml trees, serialized."""
    data, _ = _chart_data(spec, xml=True)
    root = etree.fromstring(ChartXmlWriter(XL_CHART_TYPE.COLUMN_CLUSTERED, data).xml.encode("utf-8"))

    chart = root.find("c:chart", NS)
    chart.insert(0, _title(spec.title))
    chart.find("c:autoTitleDeleted", NS).set("val", "0")
    bar = root.find(".//c:barChart", NS)
    bars = bar.findall("c:ser", NS)
    # With a target line the labels sit at the foot of the bars, never on the line.
    position = "inBase" if spec.reference_line else None
    for number, ser in enumerate(bars):
        ser.insert(3, _fill(SERIES_COLOURS[number % len(SERIES_COLOURS)]))
        texts = spec.labels[number] if number < len(spec.labels) else ()
        for index in spec.muted:
            ser.find("c:cat", NS).addprevious(_muted_point(index))
        if spec.data_labels:
            ser.find("c:cat", NS).addprevious(_labels(spec.number_format, texts, position))
    if spec.reference_line:
        _as_line(bar, bars[-1], single=len(spec.categories) == 1)
    category_axis = root.find(".//c:catAx", NS)
    category_axis.find("c:crossAx", NS).addprevious(_text_properties(horizontal=True))
    value_axis = root.find(".//c:valAx", NS)
    _from_zero(value_axis)
    value_axis.find("c:majorTickMark", NS).addprevious(_el("c:numFmt", formatCode=spec.number_format.replace(".0", ""),
                                                          sourceLinked=0))
    legend = _el("c:legend")
    _sub(legend, "c:legendPos", val="b")
    _sub(legend, "c:overlay", val=0)
    root.find(".//c:plotArea", NS).addnext(legend)
    legend.addnext(_el("c:plotVisOnly", val=1))
    root.replace(root.find("c:txPr", NS), _text_properties())
    root.find("c:date1904", NS).addnext(_el("c:lang", val=LANGUAGE))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def reference_workbook(spec: ChartSpec) -> bytes:
    """The embedded workbook of `spec` as XlsxWriter writes it: what `_fast_workbook` must equal."""
    return _stable_workbook(_TextOnlyWorkbookWriter(_chart_data(spec)[0]).xlsx_blob)


_XML_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def _plain_xml(text) -> bool:
    """Text that python-pptx's template and lxml's `.text` both give as it is, but for & < > escaped:
    a non-empty string without control characters (these take the trees' path)."""
    return type(text) is str and _XML_TEXT.fullmatch(text) is not None


def _number(value) -> bool:
    """A number python-pptx writes as Python does: an int or a float itself (no bool, no numpy)."""
    return type(value) in (float, int)


def _shape(spec: ChartSpec) -> tuple | None:
    """What fixes the chart XML apart from its text and numbers: the series' and labels' lengths,
    the number format, the reference line, data labels, muted bars. None where text or numbers
    are not plain (the trees' path, which also raises where the spec cannot be drawn)."""
    series = spec.series
    names = [name for name, _ in series]
    line = spec.reference_line
    if not spec.categories or not series or type(spec.muted) is not tuple \
            or not _plain_xml(spec.number_format) or "\ue000" in spec.number_format \
            or not all(_plain_xml(text) for text in (spec.title, *spec.categories, *names)) \
            or (line and not (_plain_xml(line[0]) and _number(line[1]))) \
            or not all(v is None or _number(v) for _, values in series for v in values):
        return None
    labels = ()
    if spec.data_labels:
        labels = tuple(spec.labels[number] if number < len(spec.labels) else () for number in range(len(series)))
        if not all(not text or _plain_xml(text) for texts in labels for text in texts):
            return None
    return (len(spec.categories), tuple(len(values) for _, values in series), tuple(len(t) for t in labels),
            spec.number_format, bool(line), bool(spec.data_labels), spec.muted)


_VALUE_POINT = '                <c:pt idx="%d">\n                  <c:v>%s</c:v>\n                </c:pt>\n'


def _mark(kind: str, number: int) -> str:
    """A text that stands for a spec's text in a template (private-use characters, never escaped)."""
    return f"\ue000{kind}{number}\ue001"


@dataclass(frozen=True)
class _Template:
    """A chart's XML as constant pieces around slots. The slots' fills, in one list, are the texts
    (title, categories, series names, the reference line's name; escaped), then each value's
    whole c:pt (empty for None: python-pptx leaves the point out), then each data label's whole
    c:dLbl (empty for no text: no label); `order` holds which fill each slot takes."""

    constants: tuple[str, ...]  # one more than the slots
    order: tuple[int, ...]
    points: tuple[tuple[str, str], ...]  # each value's c:pt before and after the number
    labels: tuple[tuple[str, str], ...]  # each label's c:dLbl before and after its text

    def filled(self, texts: list[str], values: list, labels: list) -> bytes:
        fills = [escape(text) for text in texts]
        fills += ["" if value is None else f"{before}{value}{after}" for value, (before, after) in zip(values, self.points)]
        fills += [f"{before}{escape(text)}{after}" if text else "" for text, (before, after) in zip(labels, self.labels)]
        pieces = [""] * (2 * len(self.order) + 1)
        pieces[::2] = self.constants
        pieces[1::2] = [fills[number] for number in self.order]
        return "".join(pieces).encode("utf-8")


@functools.lru_cache(maxsize=256)
def _template(shape: tuple) -> _Template | None:
    """The chart XML of `shape`, from the trees' path run once on a spec whose texts and numbers
    are marks. None if the marks do not come out one to one (the trees' path is then used)."""
    count, lengths, label_lengths, number_format, line, data_labels, muted = shape
    texts = [_mark("t", n) for n in range(1 + count + len(lengths) + line)]  # title, categories, names, line
    values = [-1e9 - n - 0.125 for n in range(sum(lengths) + line)]  # the line's value last
    labels = [_mark("l", n) for n in range(sum(label_lengths))]
    series, start = [], 0
    for number, length in enumerate(lengths):
        series.append((texts[1 + count + number], tuple(values[start:start + length])))
        start += length
    given, start = [], 0
    for length in label_lengths:
        given.append(tuple(labels[start:start + length]))
        start += length
    spec = ChartSpec(texts[0], tuple(texts[1:1 + count]), tuple(series), number_format,
                     (texts[-1], values[-1]) if line else None, labels=tuple(given), data_labels=data_labels,
                     muted=muted)
    xml = _tree_xml(spec).decode("utf-8")
    slots = []  # (start, end, fill number)
    for number, text in enumerate(texts):
        at = xml.find(text)
        if at < 0:
            return None
        while at >= 0:
            slots.append((at, at + len(text), number))
            at = xml.find(text, at + 1)
    points = []
    for index, value in ((index, value) for _, vs in _all_series(spec) for index, value in enumerate(vs)):
        point = _VALUE_POINT % (index, value)
        at = xml.find(point)
        if at < 0 or xml.find(point, at + 1) >= 0:
            return None
        slots.append((at, at + len(point), len(texts) + len(points)))
        before, after = point.split(f"<c:v>{value}</c:v>")
        points.append((before + "<c:v>", "</c:v>" + after))
    label_affixes = []
    for text in labels:
        at = xml.find(text)
        if at < 0 or xml.find(text, at + 1) >= 0:
            return None
        first, last = xml.rfind("<c:dLbl>", 0, at), xml.find("</c:dLbl>", at) + len("</c:dLbl>")
        slots.append((first, last, len(texts) + len(points) + len(label_affixes)))
        label_affixes.append((xml[first:at], xml[at + len(text):last]))
    slots.sort()
    constants, end = [], 0
    for first, last, _ in slots:
        if first < end:
            return None
        constants.append(xml[end:first])
        end = last
    constants.append(xml[end:])
    if any("\ue000" in text for text in (*constants, *(text for pair in points + label_affixes for text in pair))):
        return None
    return _Template(tuple(constants), tuple(number for *_, number in slots), tuple(points), tuple(label_affixes))


def fast_chart_xml(spec: ChartSpec) -> bytes | None:
    """The chart XML of `spec` filled into its shape's template: the bytes of the trees' path.
    None where the spec's text or numbers are not plain or its shape has no template."""
    shape = _shape(spec)
    template = _template(shape) if shape is not None else None
    if template is None:
        return None
    series = _all_series(spec)
    labels = [text for number in range(len(spec.series)) if spec.data_labels and number < len(spec.labels)
              for text in spec.labels[number]]
    return template.filled([spec.title, *spec.categories, *(name for name, _ in series)],
                           [value for _, values in series for value in values], labels)


_SHEET, _STRINGS = "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"
_PLAIN_TEXT = re.compile(r"[^\x00-\x1f]*")


def _plain(text) -> bool:
    """Text XlsxWriter stores as it is (escaped & < > only): no control characters, no `_x` escapes,
    no whitespace at the ends, no rich-text look, within a cell's limit."""
    return (isinstance(text, str) and 0 < len(text) <= 32767 and _PLAIN_TEXT.fullmatch(text) is not None
            and "_x" not in text and text == text.strip() and not (text.startswith("<r>") and text.endswith("</r>")))


@functools.lru_cache(maxsize=32)
def _workbook_skeleton(number_format: str) -> tuple[list[Member], str, str, str]:
    """XlsxWriter's workbook for `number_format` once: its members (the sheet and its strings to be
    replaced), and the sheet's text before and after its data and the strings' header."""
    blob = reference_workbook(ChartSpec("", ("a",), (("b", (1.0,)),), number_format))
    archive = zipfile.ZipFile(io.BytesIO(blob))
    members = [Member(info.filename, info.CRC, info.file_size, stable_raw(blob, info)) for info in archive.infolist()]
    sheet = archive.read(_SHEET).decode("utf-8")
    head, tail = sheet[:sheet.index("<sheetData>")], sheet[sheet.index("</sheetData>") + len("</sheetData>"):]
    strings = archive.read(_STRINGS).decode("utf-8")
    return members, head, tail, strings[:strings.index("<sst ")]


def _fast_workbook(categories: tuple, series: list, number_format: str) -> bytes | None:
    """XlsxWriter's workbook for a one-level category chart, written directly: the same parts in
    the same order, only the sheet and its shared strings differ from chart to chart. None where the data holds
    anything but plain text and numbers or a series' values do not match the categories one to one
    (XlsxWriter's own path handles that)."""
    names = [name for name, _ in series]
    if number_format == "General" or not categories or not series \
            or any(len(values) != len(categories) for _, values in series) \
            or not all(_plain(text) for text in (*categories, *names)) \
            or not all(v is None or (type(v) in (float, int) and math.isfinite(v)) for _, values in series for v in values):
        return None
    members, head, tail, strings_head = _workbook_skeleton(number_format)
    index: dict[str, int] = {}
    count = 0

    def shared(text: str) -> int:
        nonlocal count
        count += 1
        return index.setdefault(text, len(index))

    columns = [CategoryWorkbookWriter._column_reference(number) for number in range(1, len(series) + 2)]
    spans = f"1:{len(columns)}"
    category_cells = [f'<c r="A{row}" s="1" t="s"><v>{shared(text)}</v></c>' for row, text in enumerate(categories, 2)]
    header = "".join(f'<c r="{column}1" t="s"><v>{shared(name)}</v></c>' for column, name in zip(columns[1:], names))
    rows = [f'<row r="1" spans="{spans}">{header}</row>']
    for offset, category in enumerate(category_cells):
        row = offset + 2
        cells = [category]
        for column, (_, values) in zip(columns[1:], series):
            value = values[offset]
            cells.append(f'<c r="{column}{row}" s="2"/>' if value is None
                         else f'<c r="{column}{row}" s="2"><v>{value:.16G}</v></c>')
        rows.append(f'<row r="{row}" spans="{spans}">{"".join(cells)}</row>')
    dimension = f'<dimension ref="A1:{columns[-1]}{len(categories) + 1}"/>'
    sheet = re.sub(r'<dimension ref="[^"]*"/>', dimension, head, count=1) + "<sheetData>" + "".join(rows) \
        + "</sheetData>" + tail
    text = "".join(f"<si><t>{escape(key)}</t></si>" for key in index)
    strings = (f'{strings_head}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
               f'count="{count}" uniqueCount="{len(index)}">{text}</sst>')
    content = {_SHEET: sheet.encode("utf-8"), _STRINGS: strings.encode("utf-8")}
    return write_zip(quickly_deflated(m.name, content[m.name]) if m.name in content else m for m in members)


class _TextOnlyWorkbookWriter(CategoryWorkbookWriter):
    """python-pptx's workbook writer, except that text stays text.

    XlsxWriter by default stores a string starting with `=` as a formula and one like
    `http://…` as a link, so a team named `=HYPERLINK(…)` would run in Excel when a reader
    clicks Word's "Edit Data".
    """

    @contextmanager
    def _open_worksheet(self, xlsx_file):
        workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
        yield workbook, workbook.add_worksheet()
        workbook.close()


def _from_zero(value_axis: etree._Element) -> None:
    """The value axis starts at 0, so bar heights compare truthfully."""
    scaling = value_axis.find("c:scaling", NS)
    for old in scaling.findall("c:min", NS):
        scaling.remove(old)
    scaling.append(_el("c:min", val=0))  # last child: after orientation and max, as the schema orders them


def _as_line(bar: etree._Element, ser: etree._Element, single: bool = False) -> None:
    """Move the last bar series into a line chart on the same axes (the reference line).

    A line through one category draws nothing, so with `single` the point is a wide dash marker."""
    line = _el("c:lineChart")
    _sub(line, "c:grouping", val="standard")
    _sub(line, "c:varyColors", val=0)
    ser = copy.deepcopy(ser)
    bar.remove(bar.findall("c:ser", NS)[-1])
    for tag in ("c:invertIfNegative", "c:dLbls", "c:spPr"):
        for element in ser.findall(tag, NS):
            ser.remove(element)
    ser.find("c:tx", NS).addnext(_fill(LINE_COLOUR, line=True))
    marker = _el("c:marker")
    if single:
        _sub(marker, "c:symbol", val="dash")
        _sub(marker, "c:size", val=20)
        marker_shape = _sub(marker, "c:spPr")
        _sub(_sub(marker_shape, "a:solidFill"), "a:srgbClr", val=LINE_COLOUR)
        _sub(_sub(_sub(marker_shape, "a:ln"), "a:solidFill"), "a:srgbClr", val=LINE_COLOUR)
    else:
        _sub(marker, "c:symbol", val="none")
    ser.find("c:spPr", NS).addnext(marker)
    _sub(ser, "c:smooth", val=0)
    line.append(ser)
    _sub(line, "c:marker", val=1)
    for axis in bar.findall("c:axId", NS):
        _sub(line, "c:axId", val=axis.get("val"))
    bar.addnext(line)


def _stable_workbook(blob: bytes) -> bytes:
    """XlsxWriter's workbook with its creation time fixed, so reruns give the same bytes."""
    def fix_stamp(name: str, content: bytes) -> bytes:
        if name != "docProps/core.xml":
            return content
        return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", FIXED_STAMP.encode(), content)
    return stable_zip(blob, fix_stamp)


def with_workbook_link(xml: bytes, book_rid: str) -> bytes:
    """The chart part's XML pointing at its embedded workbook (Word's "Edit Data")."""
    end = b"</c:chartSpace>"
    if xml.endswith(end) and b' xmlns:r="' + R.encode() + b'"' in xml[:xml.index(b">", xml.index(b"<c:chartSpace"))]:
        # what the tree below serializes to, written directly (the root declares c: and r:)
        return xml[:-len(end)] + (f'<c:externalData r:id="{escape(book_rid)}"><c:autoUpdate val="0"/>'
                                  f'</c:externalData>').encode() + end
    root = etree.fromstring(xml)
    external = _el("c:externalData")
    external.set(f"{{{R}}}id", book_rid)
    _sub(external, "c:autoUpdate", val=0)
    root.append(external)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


@dataclass(frozen=True)
class ChartParts:
    """Where a chart went in the package: its number, the document's relationship id to it,
    the workbook's id from the chart, and the two parts."""

    number: int
    rid: str
    book_rid: str
    chart: Part
    book: Part


def add_chart_parts(document_part, xml: bytes, workbook: bytes) -> ChartParts:
    """Adds a chart part holding `xml` and its `workbook` to the document's package."""
    package = document_part.package
    number = sum(1 for p in package.iter_parts() if p.partname.startswith("/word/charts/chart")) + 1
    chart = Part(PackURI(f"/word/charts/chart{number}.xml"), CT_CHART, b"", package)
    book = Part(PackURI(f"/word/embeddings/Microsoft_Excel_Sheet{number}.xlsx"), CT_XLSX, workbook, package)
    book_rid = chart.relate_to(book, RT.PACKAGE)
    chart._blob = with_workbook_link(xml, book_rid)
    return ChartParts(number, document_part.relate_to(chart, RT.CHART), book_rid, chart, book)


def chart_run(number: int, rid: str, width_cm: float, height_cm: float, description: str = "") -> str:
    """The run that shows chart `number` (related as `rid`) in the text, `description` its alt text."""
    width, height = int(width_cm * EMU_PER_CM), int(height_cm * EMU_PER_CM)
    return (
        '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        f'<wp:extent cx="{width}" cy="{height}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{number}" name="Chart {number}" descr={_attribute(description)}/><wp:cNvGraphicFramePr/>'
        f'<a:graphic xmlns:a="{A}"><a:graphicData uri="{C}">'
        f'<c:chart xmlns:c="{C}" xmlns:r="{R}" r:id="{rid}"/>'
        '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>'
    )


def add_chart(document_part, spec: ChartSpec, width_cm: float) -> str:
    """Adds `spec` as a chart part (with its workbook) to the document; returns the run XML."""
    parts = add_chart_parts(document_part, *chart_xml(spec))
    return chart_run(parts.number, parts.rid, width_cm, spec.height_cm, description(spec))


def _attribute(text: str) -> str:
    """`text` as a quoted XML attribute value, inert to docxtpl (braces as references)."""
    text = re.sub("[\x00-\x1f]", " ", text)
    return '"' + escape(text, {'"': "&quot;"}).replace("{", "&#123;").replace("}", "&#125;") + '"'
