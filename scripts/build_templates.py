"""Builds the two Word templates in docx_templates/ (run once; then edit them in Word).

    python scripts/build_templates.py [OUT_DIR]

The templates mirror the original document: the plan's five steps with Table 1, the
summary's four steps with Table 2. Every Jinja tag is written into a single run so that
docxtpl finds it; a user may restyle, move or delete anything in Word afterwards.
"""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from pipeline.documents.stablezip import stable_zip

# 宋体 and 黑体 by their English family names, which Word on Windows resolves to the same fonts and
# fontconfig on Linux knows as a serif and a sans face: with the East Asian text tagged zh-CN,
# LibreOffice then takes Noto Serif CJK SC for 宋体 and Noto Sans CJK SC for 黑体 (not a JP face).
BODY_FONT, HEADING_FONT, LATIN_FONT = "SimSun", "SimHei", "Arial"
EAST_ASIAN_LANGUAGE = "zh-CN"


def set_language(properties) -> None:
    """Tag the East Asian text of run properties `properties` (w:rPr) as Simplified Chinese."""
    language = properties.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        properties.append(language)
    language.set(qn("w:val"), language.get(qn("w:val")) or "en-US")
    language.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)
HEADER_FILL = "D9E2F3"
PLACEHOLDER_STYLE, PLACEHOLDER_COLOR = "PlaceholderText", "808080"  # as pipeline.documents.fields


def set_fonts(style, east_asian: str, size: float | None = None, bold: bool | None = None,
              color: RGBColor | None = None) -> None:
    """Give `style` a Chinese font on the East Asian slot, which Word uses for CJK text."""
    font = style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:eastAsia"), east_asian)
    set_language(style.element.get_or_add_rPr())


def set_defaults(doc) -> None:
    styles = doc.styles
    set_fonts(styles["Normal"], BODY_FONT, 10.5)
    styles["Normal"].paragraph_format.space_after = Pt(4)
    styles["Normal"].paragraph_format.line_spacing = 1.25
    set_fonts(styles["Title"], HEADING_FONT, 20, True, RGBColor(0, 0, 0))
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_border = styles["Title"].element.find(qn("w:pPr"))
    if title_border is not None and title_border.find(qn("w:pBdr")) is not None:
        title_border.remove(title_border.find(qn("w:pBdr")))
    set_fonts(styles["Heading 1"], HEADING_FONT, 15, True, RGBColor(0x1F, 0x3A, 0x5F))
    set_fonts(styles["Heading 2"], HEADING_FONT, 12, True, RGBColor(0x1F, 0x3A, 0x5F))
    set_fonts(styles["List Bullet"], BODY_FONT, 10.5)
    set_fonts(styles["Caption"], HEADING_FONT, 10.5, True, RGBColor(0, 0, 0))
    styles["Caption"].paragraph_format.keep_with_next = True  # a table's title stays with the table
    styles["Caption"].paragraph_format.space_before = Pt(9)  # and stands clear of the table above it
    # The document-wide default too, so text in any style Word adds later is Chinese-ready.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    set_language(defaults)


def set_page(doc, landscape: bool) -> None:
    section = doc.sections[0]
    width, height = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = header.add_run("{{ title }}")
    run.font.size, run.font.color.rgb = Pt(9), RGBColor(0x59, 0x59, 0x59)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("第 ", "PAGE", " 页 / 共 ", "NUMPAGES", " 页"):
        if text.isupper():
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), f" {text} ")
            field_run = OxmlElement("w:r")
            field_text = OxmlElement("w:t")
            field_text.text = "1"
            field_run.append(field_text)
            field.append(field_run)
            footer._p.append(field)
        else:
            footer.add_run(text).font.size = Pt(9)


def shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def write_cell(cell, text: str, bold: bool = False, size: float = 9, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    # an exact line height: a cell of digits alone (Latin font metrics) would otherwise sit higher
    # than its neighbours holding Chinese
    paragraph.paragraph_format.line_spacing = Pt(size + 4)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.font.size, run.font.bold = Pt(size), bold


def _set_property(parent, tag: str, **attributes) -> None:
    """Replace `parent`'s child `tag` by one with `attributes` (w: names)."""
    for old in parent.findall(qn(tag)):
        parent.remove(old)
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    parent.append(element)


def _twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


def fix_geometry(table, widths_cm: list[float], repeat_header: bool = True, header_rows: int = 1,
                 split_rows: bool = False) -> None:
    """Fixed column widths that Word and LibreOffice both honour, and rows that behave on page breaks.

    Sets the table's width and fixed layout, its grid (w:tblGrid/w:gridCol, which LibreOffice
    reads) and every cell's width (w:tcW, which Word reads); the first `header_rows` rows repeat
    on each page (w:tblHeader) and no row breaks across pages (w:cantSplit) — with `split_rows`,
    only the header rows: a row of long texts may then break rather than leave half a page empty.
    Apply it to every table a template has, after its cells are filled.
    """
    if len(widths_cm) != len(table.columns):
        raise ValueError(f"{len(widths_cm)} widths for {len(table.columns)} columns")
    table.autofit = False
    properties = table._tbl.tblPr
    _set_property(properties, "w:tblW", w=_twips(sum(widths_cm)), type="dxa")
    _set_property(properties, "w:tblLayout", type="fixed")
    # Schema order inside w:tblPr: tblStyle, tblpPr, tblOverlap, bidiVisual, tblStyleRowBandSize,
    # tblStyleColBandSize, tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook.
    order = [qn(f"w:{t}") for t in ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
                                     "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd",
                                     "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook")]
    for child in sorted(properties, key=lambda c: order.index(c.tag) if c.tag in order else len(order)):
        properties.append(child)
    grid = table._tbl.tblGrid
    for column in list(grid):
        grid.remove(column)
    for width in widths_cm:
        column = OxmlElement("w:gridCol")
        column.set(qn("w:w"), str(_twips(width)))
        grid.append(column)
    for position, row in enumerate(table.rows):
        for cell, width in zip(row.cells, widths_cm):
            cell.width = Cm(width)
        row_properties = row._tr.get_or_add_trPr()
        for tag in ("w:cantSplit", "w:tblHeader"):
            for old in row_properties.findall(qn(tag)):
                row_properties.remove(old)
        if position < header_rows or not split_rows:
            row_properties.append(OxmlElement("w:cantSplit"))  # w:cantSplit comes before w:tblHeader
        if repeat_header and position < header_rows:
            row_properties.append(OxmlElement("w:tblHeader"))


def loop_table(doc, loop: str, columns: list[tuple[str, str, float]], merged: int = 0, split_rows: bool = False) -> None:
    """A table with a repeated header row and one row per item of `loop` (`row in table1`).

    `columns` are (heading, field, width in cm[, field holding the cell's fill colour]). The rows {%tr for %} and {%tr endfor %}
    are removed by docxtpl when it renders. With `merged` > 0, `loop` must be
    `row in LIST`: its rows are grouped by their `group` key (consecutive rows share one) and the
    first `merged` columns are merged down each group ({% vm %}), shown once per group. A group's
    rows but its last keep with the next, so a page break never falls inside a group (whose
    merged cell would leave the rows on the next page without their name).
    """
    table = doc.add_table(rows=10 if merged else 4, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    variable = loop.split()[0]
    for position, (heading, *_) in enumerate(columns):
        write_cell(header.cells[position], heading, bold=True, center=True)
        shade(header.cells[position], HEADER_FILL)
    tags = {1: f"{{%tr for {loop} %}}", 3: "{%tr endfor %}"}
    data = {2: False}
    if merged:
        source = loop.split(" in ", 1)[1].strip()
        tags = {1: f"{{%tr for group in {source}|groupby('group') %}}", 2: f"{{%tr for {variable} in group.list %}}",
                3: "{%tr if not loop.last %}", 5: "{%tr else %}", 7: "{%tr endif %}",
                8: "{%tr endfor %}", 9: "{%tr endfor %}"}
        data = {4: True, 6: False}
    for number, text in tags.items():
        write_cell(table.rows[number].cells[0], text)
    for number, keep in data.items():
        _data_row(table.rows[number], variable, columns, merged, keep)
    fix_geometry(table, [column[2] for column in columns], split_rows=split_rows)


def _data_row(row, variable: str, columns: list[tuple[str, str, float]], merged: int, keep: bool) -> None:
    """The template row of one item: a tag per column, `{% vm %}` in the first `merged` columns;
    with `keep`, every paragraph keeps with the next row."""
    for position, (_, field, _, *fill) in enumerate(columns):
        cell = row.cells[position]
        vm = "{% vm %}" if position < merged else ""
        if fill:  # docxtpl moves {% cellbg %} into the cell's shading
            write_cell(cell, f"{{% cellbg {variable}.{fill[0]} %}}")
            cell.paragraphs[0].add_run(f"{vm}{{{{ {variable}.{field} }}}}").font.size = Pt(9)
        else:
            write_cell(cell, f"{vm}{{{{ {variable}.{field} }}}}")
        if vm:
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
        cell.paragraphs[0].paragraph_format.keep_with_next = keep or None


def bullets(doc, items: str) -> None:
    """One bullet paragraph per item of the list `items`."""
    doc.add_paragraph(f"{{%p for item in {items} %}}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")


def lead(doc, text: str) -> None:
    """A line that introduces what follows (`数据说明：` before its bullets): kept on the page of
    its first item, never left alone at a page's foot."""
    doc.add_paragraph(text).paragraph_format.keep_with_next = True


def chart(doc, variable: str) -> None:
    """A centred paragraph whose tag becomes a native Word chart (nothing when there is no data)."""
    doc.add_paragraph(f"{{{{ {variable} }}}}").alignment = WD_ALIGN_PARAGRAPH.CENTER


def title_block(doc) -> None:
    doc.add_paragraph("{{ title }}", style="Title")
    info = doc.add_paragraph("层级：{{ level_name }}    范围：{{ scope }}")
    info.alignment = WD_ALIGN_PARAGRAPH.CENTER


def fix_properties(doc, kind_name: str) -> None:
    """Document properties a reader sees in Word's 文件 › 信息: the document's own title (unit,
    month, kind; rendered from `title`, unescaped so that `&` is not written twice), no dates
    (none is true for a generated file, and dates would break byte-identical reruns)."""
    props = doc.core_properties
    props.title = "{{ title|plain }}"
    props.subject = f"销售团队{kind_name}"
    props.keywords = f"{kind_name}; 销售; salesreport"
    props.author, props.last_modified_by = "salesreport", "salesreport"
    props.revision = 1
    props.comments = ""
    element = props._element
    for name in ("created", "modified"):
        for old in element.findall(qn(f"dcterms:{name}")):
            element.remove(old)


APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           '<Template>Normal.dotm</Template><TotalTime>0</TotalTime><Application>salesreport</Application>'
           '<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>'
           '<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged></Properties>')

# The faces the documents use, as Word writes them in its font table (宋体/黑体: GB2312 charset 86).
FONT_TABLE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:font w:name="SimSun"><w:altName w:val="宋体"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/>'
    '<w:family w:val="auto"/><w:pitch w:val="variable"/><w:sig w:usb0="00000003" w:usb1="288F0000" w:usb2="00000016" '
    'w:usb3="00000000" w:csb0="00040001" w:csb1="00000000"/></w:font>'
    '<w:font w:name="SimHei"><w:altName w:val="黑体"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/>'
    '<w:family w:val="modern"/><w:pitch w:val="fixed"/><w:sig w:usb0="800002BF" w:usb1="38CF7CFA" w:usb2="00000016" '
    'w:usb3="00000000" w:csb0="00040001" w:csb1="00000000"/></w:font>'
    '<w:font w:name="Arial"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/><w:family w:val="swiss"/>'
    '<w:pitch w:val="variable"/><w:sig w:usb0="E0002AFF" w:usb1="C0007843" w:usb2="00000009" w:usb3="00000000" '
    'w:csb0="000001FF" w:csb1="00000000"/></w:font>'
    '</w:fonts>')


def word_native(doc) -> None:
    """The package parts as Word 2013+ writes them for a Chinese document: not 兼容模式
    (compatibilityMode 15), theme fonts in zh-CN with 宋体/黑体 as the East Asian theme faces, a
    font table of the faces used, the application named as what wrote it."""
    settings = doc.settings.element
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")
    language = settings.find(qn("w:themeFontLang"))
    language.set(qn("w:eastAsia"), EAST_ASIAN_LANGUAGE)
    for part in doc.part.package.iter_parts():
        if part.partname.endswith("/app.xml"):
            part._blob = APP_XML.encode("utf-8")
        elif part.partname.endswith("/fontTable.xml"):
            part._blob = FONT_TABLE.encode("utf-8")
        elif part.partname.endswith("/theme1.xml"):
            theme = part.blob.decode("utf-8")
            for scheme, face in (("majorFont", HEADING_FONT), ("minorFont", BODY_FONT)):
                theme = re.sub(rf"(<a:{scheme}>\s*)<a:latin typeface=\"[^\"]*\"/>(\s*)<a:ea typeface=\"[^\"]*\"/>",
                               rf'\1<a:latin typeface="{LATIN_FONT}"/>\2<a:ea typeface="{face}"/>', theme)
            part._blob = theme.encode("utf-8")


def placeholder_style(doc) -> None:
    """Word's 占位符文本 character style (grey), which the fill-in fields' hints are shown in."""
    styles = doc.styles.element
    style = OxmlElement("w:style")
    style.set(qn("w:type"), "character")
    style.set(qn("w:styleId"), PLACEHOLDER_STYLE)
    for tag, value in (("w:name", "Placeholder Text"), ("w:basedOn", "DefaultParagraphFont"), ("w:uiPriority", "99"),
                       ("w:semiHidden", None), ("w:rPr", None)):
        child = OxmlElement(tag)
        if value:
            child.set(qn("w:val"), value)
        style.append(child)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), PLACEHOLDER_COLOR)
    style.find(qn("w:rPr")).append(color)
    styles.append(style)


def slim(doc) -> None:
    """Drop what python-docx's default template carries but these documents never use: the
    Word 2010 stylesWithEffects copy, a stranger's thumbnail, latent styles and unused styles.
    Every render parses and compresses these parts, so this is most of a render's cost."""
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package_rels[rid]
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rid]
    styles = doc.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    used = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}
    xml = doc.element.xml + "".join(s.header._element.xml + s.footer._element.xml for s in doc.sections)
    used |= set(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    pending = list(used)
    while pending:  # keep what the used styles are based on, linked to or followed by
        style = by_id.get(pending.pop())
        if style is None:
            continue
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in used:
                used.add(ref.get(qn("w:val")))
                pending.append(ref.get(qn("w:val")))
    for style_id, style in by_id.items():
        if style_id not in used:
            styles.remove(style)


def new_document(landscape: bool):
    """A document with the styles, page, header, footer and title block both templates share."""
    doc = Document()
    set_defaults(doc)
    set_page(doc, landscape)
    title_block(doc)
    return doc


def save(doc, kind_name: str, path: Path) -> None:
    """Saved with fixed zip times, so rebuilding unchanged templates changes no byte."""
    fix_properties(doc, kind_name)
    slim(doc)
    placeholder_style(doc)
    word_native(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(stable_zip(buffer.getvalue()))


def pipeline_plan_block(doc) -> None:
    """Step 一 beside the targets (issue 26): what they stand on in the opportunity export; nothing without
    one. `|default([])`: a context built without these keys renders as before."""
    doc.add_paragraph("{%p if pipeline_lines|default([]) %}")
    doc.add_paragraph("商机储备（本月预计成交的在手商机；覆盖率 = 商机储备 ÷（月度目标 − 已赢单））：", style="Caption")
    bullets(doc, "pipeline_lines")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if pipeline_ranking|default([]) %}")
    doc.add_paragraph("各{{ member_noun }}商机覆盖率排名：", style="Caption")
    loop_table(doc, "row in pipeline_ranking", [
        ("核心指标", "metric", 2.0), ("排名", "rank", 1.1), ("{{ member_noun }}", "member", 2.3), ("月度目标", "target", 2.0),
        ("已赢单", "won", 1.9), ("商机储备", "open", 2.0), ("加权储备", "weighted", 2.0), ("覆盖率", "coverage", 1.8),
        ("尚缺", "gap", 1.9)], merged=1)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if pipeline_deals|default([]) %}")
    doc.add_paragraph("本月预计成交的商机（金额从大到小）：", style="Caption")
    loop_table(doc, "row in pipeline_deals", [
        ("商机编号", "id", 2.6), ("阶段", "stage", 3.0), ("金额", "amount", 2.6), ("赢率", "probability", 2.0),
        ("加权金额", "weighted", 2.6), ("预计成交日期", "close_date", 3.0)])
    doc.add_paragraph("{%p if pipeline_more %}")
    doc.add_paragraph("{{ pipeline_more }}")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p endif %}")


def pipeline_summary_block(doc) -> None:
    """Step 一 (issue 26): what was won by the month's end against the forecast at its start."""
    doc.add_paragraph("{%p if pipeline_outcome|default([]) %}")
    lead(doc, "商机兑现（月末导出的商机数据对比月初加权预测）：")
    bullets(doc, "pipeline_outcome")
    doc.add_paragraph("{%p endif %}")


def build_plan(path: Path) -> None:
    doc = new_document(landscape=False)

    doc.add_heading("一、核心目标", level=1)
    doc.add_paragraph("结合公司战略、{{ prev_month_label }}业绩完成情况和市场动态，{{ unit_label }}"
                      "{{ month_label }}的核心量化指标如下（上月数据供参考）：")
    loop_table(doc, "goal in goals", [
        ("核心指标", "metric", 3.6), ("月度目标", "target", 3.0), ("上月目标", "prev_target", 3.0),
        ("上月实际", "prev_actual", 3.0), ("上月达成率", "prev_achievement", 2.4)])
    doc.add_paragraph("{%p if target_asks %}")
    lead(doc, "目标要求（本月目标较上月实际、去年同期实际的变化）：")
    bullets(doc, "target_asks")
    doc.add_paragraph("{%p endif %}")
    chart(doc, "chart_targets")
    pipeline_plan_block(doc)
    doc.add_paragraph("{%p if prev_next_steps %}")
    lead(doc, "{{ prev_month_label }}总结提出的改进措施（本月落实）：")
    bullets(doc, "prev_next_steps")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if segment_targets %}")
    doc.add_paragraph("按细分（产品线/客户类型）的目标：", style="Caption")
    loop_table(doc, "row in segment_targets", [
        ("细分", "segment", 4.0), ("核心指标", "metric", 3.6), ("月度目标", "target", 3.0), ("目标占比", "share", 2.4)])
    doc.add_paragraph("{%p endif %}")

    doc.add_heading("二、任务分解与责任", level=1)
    doc.add_paragraph("将核心目标拆解为可执行的具体任务，明确做什么、谁负责、怎么做。")
    doc.add_paragraph("{%p if member_targets %}")
    doc.add_paragraph("目标分解到每个{{ member_noun }}：", style="Caption")
    loop_table(doc, "row in member_targets", [
        ("{{ member_noun }}", "member", 3.6), ("核心指标", "metric", 4.0), ("分解目标（占本单位目标）", "target", 5.4)],
        merged=1)
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("表1：销售团队月度工作计划表", style="Caption")
    # Widths to fit content in the 17 cm between the margins: the task description widest, the
    # target narrow; "备注(资源/风险)" needs 2.8 cm at 9 pt to stay on one line, "计划完成时间" 2.4 cm,
    # 负责人 1.9 cm for a four-character name (华东二组) on one line (the names one a line).
    # Rows of one metric are grouped (`group`) so its name and target are one merged cell down its tasks.
    loop_table(doc, "row in table1", [
        ("核心指标", "metric", 2.1), ("月度目标", "target", 1.8), ("具体任务描述", "task", 3.7),
        ("负责人", "owner", 1.9), ("计划完成时间", "due", 2.4), ("完成标准", "done_criteria", 2.3),
        ("备注(资源/风险)", "notes", 2.8)], merged=2, split_rows=True)

    doc.add_heading("三、策略与资源需求", level=1)
    doc.add_heading("（一）销售策略", level=2)
    bullets(doc, "strategies")
    doc.add_heading("（二）资源需求", level=2)
    bullets(doc, "resources")

    doc.add_heading("四、时间节点", level=1)
    lead(doc, "以周为单位拆分任务（按计划完成时间归入各周），保证进度可控：")
    doc.add_paragraph("{%p for week in weeks %}")
    week = doc.add_paragraph()
    week.add_run("{{ week.label }}").bold = True
    week.paragraph_format.keep_with_next = True  # a week's label stays with its first line
    doc.add_paragraph("{%p for item in week.tasks %}")
    doc.add_paragraph("{{ item }}", style="List Bullet")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("五、风险预判与应对", level=1)
    lead(doc, "提前识别可能影响目标达成的风险，并逐项制定应对措施：")
    loop_table(doc, "row in risk_pairs", [("风险", "risk", 8.0), ("应对措施", "response", 9.0)])
    method_notes(doc)
    save(doc, "月度工作计划", path)


def method_notes(doc) -> None:
    """附：口径说明 after the last step: how a figure is computed, where a document needs saying so."""
    doc.add_paragraph("{%p if method_notes %}")
    doc.add_heading("附：口径说明", level=2)
    doc.add_paragraph("{%p for item in method_notes %}")
    doc.add_paragraph().add_run("{{ item }}").font.size = Pt(9)  # a note, quieter than the body
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endif %}")


def history_table(doc) -> None:
    """Step 一 beyond the month, under the month's figures: year to date and last year's month per metric."""
    doc.add_paragraph("本年累计（{{ ytd_label }}）与去年同期（{{ yoy_label }}）：", style="Caption")
    loop_table(doc, "row in history", [
        ("核心指标", "metric", 3.8), ("本年累计目标", "ytd_target", 3.2), ("本年累计实际", "ytd_actual", 3.2),
        ("累计达成率", "ytd_achievement", 3.0, "ytd_fill"), ("累计月份", "ytd_months", 3.6),
        ("去年同期实际", "yoy_actual", 3.2), ("同比变化", "yoy_change", 5.6)])


def named(names: str, index: int, what: str) -> str:
    """A heading per metric ("销售额达成率"); a column without a metric (fewer metrics than columns) is headed —."""
    return f"{{{{ {names}[{index}] ~ '{what}' if {names}[{index}] != '—' else '—' }}}}"


def trend_block(doc) -> None:
    """The trend: a chart of target and actual per month, and the achievement per month."""
    doc.add_paragraph("{%p if trend %}")
    doc.add_paragraph("近{{ trend_count }}个月走势（输入中没有数据的月份留空，不计为0）：", style="Caption")
    chart(doc, "chart_trend")
    loop_table(doc, "row in trend", [
        ("月份", "month", 3.4), (named("trend_metrics", 0, "目标"), "target", 3.6),
        (named("trend_metrics", 0, "实际"), "actual", 3.6), (named("trend_metrics", 0, "达成率"), "rates[0]", 3.6),
        (named("trend_metrics", 1, "达成率"), "rates[1]", 3.6), (named("trend_metrics", 2, "达成率"), "rates[2]", 3.6)])
    doc.add_paragraph("{%p endif %}")


def build_summary(path: Path) -> None:
    doc = new_document(landscape=True)

    doc.add_heading("一、数据收集与整理", level=1)
    doc.add_paragraph("业绩数据（实际完成与月度目标对比；环比变化是与{{ prev_month_label }}实际完成相比的增减）：")
    loop_table(doc, "row in figures", [
        ("核心指标", "metric", 3.8), ("月度目标", "target", 3.2), ("实际完成", "actual", 3.2),
        ("达成率", "achievement", 2.4, "fill"), ("差异", "variance", 3.4), ("上月实际", "prev_actual", 3.2),
        ("环比变化", "mom_change", 3.4), ("状态", "status_text", 3.0, "fill")])
    history_table(doc)
    chart(doc, "chart_achievement")
    doc.add_paragraph("{%p if segments %}")
    doc.add_paragraph("按细分（产品线/客户类型）的完成情况：", style="Caption")
    loop_table(doc, "row in segments", [
        ("细分", "segment", 4.2), ("核心指标", "metric", 3.8), ("月度目标", "target", 3.2), ("实际完成", "actual", 3.2),
        ("达成率", "achievement", 3.0, "fill"), ("实际占比", "share", 2.6)])
    doc.add_paragraph("{%p endif %}")
    trend_block(doc)
    pipeline_summary_block(doc)
    lead(doc, "数据说明：")
    bullets(doc, "data_notes")

    doc.add_heading("二、目标达成分析", level=1)
    doc.add_paragraph("{{ overview }}")
    doc.add_paragraph("表2：销售团队月度工作总结表", style="Caption")
    loop_table(doc, "row in table2", [
        # 达成率 wide enough for an incomplete roll-up's `95.8%` above `（已报 11/12）`
        # and the figures for `141.2万元` on one line
        ("核心指标", "metric", 2.2), ("月度目标", "target", 2.2), ("实际完成", "actual", 2.2),
        ("达成率", "achievement", 2.5, "fill"), ("差异原因分析", "reason", 4.2), ("成功经验/亮点", "highlight", 4.1),
        ("存在问题与挑战", "problem", 4.1), ("下月改进措施", "next_step", 4.1)], split_rows=True)
    doc.add_paragraph("{%p if reasons %}")
    lead(doc, "整体差异原因：")
    bullets(doc, "reasons")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p if ranking %}")
    doc.add_paragraph("各{{ member_name }}达成情况排名：", style="Caption")
    chart(doc, "chart_members")
    loop_table(doc, "row in ranking", [
        ("排名", "rank", 1.4), ("{{ member_name }}", "name", 3.6),
        (named("ranking_metrics", 0, "达成率"), "rate1", 3.6), (named("ranking_metrics", 0, "差异"), "variance1", 3.6),
        (named("ranking_metrics", 1, "达成率"), "rate2", 3.6), (named("ranking_metrics", 1, "差异"), "variance2", 3.6),
        (named("ranking_metrics", 2, "达成率"), "rate3", 3.6)])
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("注：标有【数据】的内容由系统根据本月数据自动生成；其余内容来自填报的说明。")

    doc.add_heading("三、问题与经验提炼", level=1)
    doc.add_heading("（一）成功经验", level=2)
    bullets(doc, "highlights")
    doc.add_heading("（二）存在问题", level=2)
    bullets(doc, "problems")

    doc.add_heading("四、下月计划优化", level=1)
    doc.add_heading("（一）改进措施", level=2)
    bullets(doc, "next_steps")
    doc.add_heading("（二）{{ next_month_label }}目标", level=2)
    doc.add_paragraph("{%p if next_targets %}")
    loop_table(doc, "row in next_targets", [("核心指标", "metric", 4.0), ("月度目标", "target", 4.0)])
    doc.add_paragraph("{%p if next_untargeted|default('') %}")
    doc.add_paragraph("{{ next_untargeted }}：输入数据中尚无{{ next_month_label }}的目标。")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("输入数据中尚无{{ next_month_label }}的目标。")
    doc.add_paragraph("{%p endif %}")
    method_notes(doc)
    save(doc, "月度工作总结", path)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docx_templates")
    out.mkdir(parents=True, exist_ok=True)
    build_plan(out / "plan.docx")
    build_summary(out / "summary.docx")
    print(f"templates written to {out}")


if __name__ == "__main__":
    main()
