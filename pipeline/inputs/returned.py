"""Returned documents: the fill-in fields of the .docx files people send back, read safely and
judged against what was issued (`salesreport collect`).

A returned file is untrusted. It is held to the input readers' limits (inputs.load: file size,
decompressed size and compression ratio of the parts read), its XML parsed with no DTD, no
entity, no network and a bounded depth, and only two parts are read: word/document.xml (the
fields) and docProps/core.xml (who saved it, when). Nothing in it is executed or followed —
no relationship, link, embedded object or macro. A field's text is cleaned of control
characters and held to MAX_FIELD_CHARS.

A field is a content control (w:sdt) with a w:tag. Its tag must verify (pipeline.fieldtag)
under the key of the outputs folder; all the fields of a document must come from one issued
document; a document failing either is refused whole. A field still showing its placeholder
(w:showingPlcHdr, or text only in the placeholder style) is not a note.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from lxml import etree

from pipeline import fieldtag
from pipeline.inputs import load
from pipeline.inputs.schema import LEVEL_NAMES
from pipeline.layout import KIND_NAMES

SUFFIXES = (".docx", ".eml")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_FIELD_CHARS = 2_000
MAX_DEPTH = 128  # elements nested in a part: a Word body with tables in tables stays far below
RATIO_FROM = 2**20  # a part smaller than this may compress better than load.MAX_RATIO
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CORE = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
         "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/"}
# Control characters (but the line break) and the bidirectional overrides that can disguise text.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LIBREOFFICE_LOST = ("填写栏的标记已丢失，无法核对（LibreOffice 保存时会去掉内容控件的标记）；"
                    "请在 Word 或 WPS 中填写原文档后交回")
FLATTENED = ("文档中没有填写栏（保存时内容控件被去掉了，即“扁平化”，或不是本工具发出的文档）；"
             "其中写的文字无法收取，请在原文档的填写栏中填写后交回")


class Unreadable(Exception):
    """A returned file that cannot be read safely; the message says why, in Chinese."""


@dataclass(frozen=True)
class ReturnedField:
    tag: str
    title: str  # w:alias, as Word shows the field
    text: str  # cleaned; "" when the field still shows its placeholder
    characters: int  # of the text as written, before it is held to MAX_FIELD_CHARS


@dataclass(frozen=True)
class Returned:
    """A returned document: where it came from (`source`, as printed), its tagged fields,
    the count of untagged fill-in-like controls, and who saved it when (UTC, ISO 8601)."""

    source: str
    fields: tuple[ReturnedField, ...] = ()
    untagged: int = 0
    author: str = ""
    modified: str = ""
    problem: str = ""  # why it could not be read


@dataclass
class Judged:
    """What becomes of a returned document: `notes` (rows for notes_collected.csv) or why not.
    `status`: taken (notes may be empty: nothing filled in), refused, or skipped (another month)."""

    source: str
    status: str
    reason: str = ""
    document: tuple[str, str, str, str] | None = None  # (month, level, unit, kind)
    notes: list[dict] = field(default_factory=list)


# Finding the returned files

def returned_files(paths: list[Path]) -> Iterator[tuple[Path, str]]:
    """(file, problem) for each path given: a file as it is; a folder's .docx and .eml files,
    its sub-folders too, in name order, neither symbolic links nor Word's owner files (`~$…`)
    followed. `problem` is "" or why the path is not read."""
    for path in paths:
        if path.is_dir():
            for folder, names, files in os.walk(path):  # symbolic links to folders are not entered
                names.sort()
                for name in sorted(files):
                    found = Path(folder) / name
                    if found.suffix.lower() in SUFFIXES and not name.startswith("~$") and not found.is_symlink():
                        yield found, ""
        elif path.is_file():
            yield path, "" if path.suffix.lower() in SUFFIXES else "不是 .docx 或 .eml 文件"
        else:
            yield path, "找不到这个文件或文件夹"


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(load.MAX_FILE_BYTES + 1)
    if len(data) > load.MAX_FILE_BYTES:
        raise Unreadable(f"文件超过 {load.MAX_FILE_BYTES // 2**20:,} MB，未读取")
    return data


def _utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def documents_in(path: Path) -> Iterator[tuple[str, bytes, str]]:
    """(source, .docx bytes, fallback time) of the file: a .docx itself, or each .docx attached
    to a mail (.eml). The fallback time — the mail's date, else the file's — stands in for a
    document that does not say when it was saved."""
    data = _read_bytes(path)
    file_time = _utc(dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc))
    if path.suffix.lower() == ".docx":
        yield str(path), data, file_time
        return
    message = email.message_from_bytes(data, policy=email.policy.default)
    try:
        sent = _utc(email.utils.parsedate_to_datetime(str(message["Date"])))
    except (TypeError, ValueError, IndexError):
        sent = file_time
    found = False
    for part in message.walk():
        name = clean(str(part.get_filename() or ""))[:200]
        if part.is_multipart() or not (name.lower().endswith(".docx") or part.get_content_type() == DOCX_TYPE):
            continue
        content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            found = True
            yield f"{path} › {name or '附件'}", content, sent
    if not found:
        raise Unreadable("邮件中没有 .docx 附件")


# Reading one document

def clean(text: str) -> str:
    """`text` without control characters (a line break kept; a tab as a space), each line
    without spaces at its ends, no empty lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    text = _CONTROL.sub(lambda m: " " if m.group() == "\t" else "", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A part of the package, within the limits; None when the package has no such part."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > RATIO_FROM and info.file_size > load.MAX_RATIO * max(info.compress_size, 1):
        raise Unreadable(f"其中的 {name} 解压后是压缩时的 {info.file_size // max(info.compress_size, 1):,} 倍"
                         f"（上限 {load.MAX_RATIO} 倍），疑似压缩炸弹，未读取")
    return archive.read(info)


def parsed(data: bytes, name: str):
    """The XML part `data` as an lxml tree: no DTD, no entity, no network, depth ≤ MAX_DEPTH."""
    depth = 0
    events = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False, remove_pis=True, remove_comments=True)
    try:
        for event, _ in events:
            depth += 1 if event == "start" else -1
            if depth > MAX_DEPTH:
                raise Unreadable(f"其中的 {name} 嵌套超过 {MAX_DEPTH} 层，未读取")
    except etree.XMLSyntaxError as error:
        raise Unreadable(f"其中的 {name} 不是有效的 XML（{error.msg}），未读取") from None
    docinfo = events.root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Unreadable(f"其中的 {name} 含有 DTD/实体声明，未读取（Word 从不写这些）")
    return events.root


def _content_text(content) -> str:
    """The text of a control's content as Word holds it: w:t runs, w:br/w:cr as line breaks,
    w:tab as a space, paragraphs on lines of their own (deleted text, w:delText, left out)."""
    pieces = []
    for element in content.iter(f"{_W}t", f"{_W}br", f"{_W}cr", f"{_W}tab", f"{_W}p"):
        if element.tag == f"{_W}t":
            pieces.append(element.text or "")
        elif element.tag == f"{_W}tab":
            pieces.append(" ")
        elif element.tag != f"{_W}p" or pieces:
            pieces.append("\n")
    return "".join(pieces)


def _showing_placeholder(sdt) -> bool:
    if sdt.find(f"{_W}sdtPr/{_W}showingPlcHdr") is not None:
        return True
    runs = sdt.findall(f"{_W}sdtContent//{_W}r")
    styles = [run.find(f"{_W}rPr/{_W}rStyle") for run in runs]
    return bool(runs) and all(s is not None and s.get(f"{_W}val") == "PlaceholderText" for s in styles)


def _field(sdt) -> ReturnedField | None:
    properties = sdt.find(f"{_W}sdtPr")
    tag = None if properties is None else properties.find(f"{_W}tag")
    if tag is None:
        return None
    alias = properties.find(f"{_W}alias")
    title = clean(alias.get(f"{_W}val", "")) if alias is not None else ""
    content = sdt.find(f"{_W}sdtContent")
    text = "" if content is None or _showing_placeholder(sdt) else clean(_content_text(content))
    return ReturnedField(tag.get(f"{_W}val", ""), title[:100] or "（无标题）", text[:MAX_FIELD_CHARS], len(text))


def _untagged_fill_in(sdt) -> bool:
    """A control like the fields but without a tag: what LibreOffice keeps of one (title, plain text)."""
    properties = sdt.find(f"{_W}sdtPr")
    return properties is not None and properties.find(f"{_W}tag") is None \
        and properties.find(f"{_W}alias") is not None and properties.find(f"{_W}text") is not None


def _core(archive: zipfile.ZipFile) -> tuple[str, str]:
    """(who saved it last, when, UTC ISO) from docProps/core.xml; "" where it does not say."""
    data = _part(archive, "docProps/core.xml")
    if data is None:
        return "", ""
    root = parsed(data, "docProps/core.xml")
    who = root.findtext("cp:lastModifiedBy", "", _CORE).strip() or root.findtext("dc:creator", "", _CORE).strip()
    when = root.findtext("dcterms:modified", "", _CORE).strip()
    try:
        when = _utc(dt.datetime.fromisoformat(when.replace("Z", "+00:00"))) if when else ""
    except ValueError:
        when = ""
    return clean(who)[:100], when


def read_docx(source: str, data: bytes, fallback_time: str) -> Returned:
    """The fields of a returned .docx and who saved it when (the document's own time, else
    `fallback_time`); a Returned with `problem` set when it cannot be read safely."""
    try:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError):
            raise Unreadable("不是 Word 文档（.docx 是 zip 包，这个文件不是）") from None
        with archive:
            if sum(info.file_size for info in archive.infolist()) > load.MAX_FILE_BYTES:
                raise Unreadable(f"解压后超过 {load.MAX_FILE_BYTES // 2**20:,} MB，未读取")
            body = _part(archive, "word/document.xml")
            if body is None:
                raise Unreadable("不是 Word 文档（没有 word/document.xml）")
            root = parsed(body, "word/document.xml")
            who, when = _core(archive)
    except Unreadable as error:
        return Returned(source, problem=str(error))
    # zipfile raises NotImplementedError for a compression method it cannot read: a file we refuse
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as error:
        return Returned(source, problem=f"无法解压（{type(error).__name__}），未读取")
    controls = list(root.iter(f"{_W}sdt"))
    fields = tuple(f for f in map(_field, controls) if f is not None)
    return Returned(source, fields, sum(map(_untagged_fill_in, controls)), who, when or fallback_time)


# Judging one document

def describe(document: tuple[str, str, str, str]) -> str:
    """`个人 S1003 的 2025-10 月度工作总结`."""
    month, level, unit, kind = document
    return f"{LEVEL_NAMES.get(level, level)} {unit} 的 {month} {KIND_NAMES.get(kind, kind)}"


def judge(returned: Returned, key: bytes, issued: Callable[[tuple[str, str, str, str]], bool],
          months: list[str] | None = None) -> Judged:
    """What to take of `returned`: every filled-in field as a note, when all its fields verify
    under `key`, come from one document and that document was `issued`; else the whole
    document refused, with the reason. A document of a month not in `months` is skipped."""
    def refused(reason: str, document=None) -> Judged:
        return Judged(returned.source, "refused", reason, document)

    if returned.problem:
        return refused(returned.problem)
    if not returned.fields:
        return refused(LIBREOFFICE_LOST if returned.untagged else FLATTENED)
    identities = []
    for item in returned.fields:
        identity = fieldtag.verify(item.tag, key)
        if isinstance(identity, str):
            return refused(f"填写栏「{item.title}」的{identity}")
        identities.append(identity)
    counts = Counter(identity.document() for identity in identities)
    own = counts.most_common(1)[0][0]
    for item, identity in zip(returned.fields, identities):
        if identity.document() != own:
            return refused(f"填写栏「{item.title}」来自另一份文档（{describe(identity.document())}），"
                           f"本文档是{describe(own)}", own)
    times = Counter(identities)
    repeated = [item for item, identity in zip(returned.fields, identities) if times[identity] > 1]
    if repeated:
        return refused(f"填写栏「{repeated[0].title}」在文档中出现了不止一次，无法判断哪一处是填写的", own)
    if not issued(own):
        return refused(f"不属于任何已发出的文档（输出文件夹中没有{describe(own)}）", own)
    if months and own[0] not in months:
        return Judged(returned.source, "skipped", f"是 {own[0]} 的文档，不在 --month 之内", own)
    for item in returned.fields:
        if item.characters > MAX_FIELD_CHARS:
            return refused(f"填写栏「{item.title}」有 {item.characters:,} 个字，超过 {MAX_FIELD_CHARS:,} 字；"
                           "请缩短后再交回", own)
    notes = [{"month": identity.month, "level": identity.level, "unit": identity.unit, "metric": identity.metric,
              "section": identity.section, "text": item.text, "response": "", "cause": identity.cause,
              "author": returned.author, "modified": returned.modified, "file": returned.source}
             for item, identity in zip(returned.fields, identities) if item.text]
    return Judged(returned.source, "taken", document=own, notes=notes)
