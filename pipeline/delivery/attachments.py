"""What a mail carries, by SALESREPORT_ATTACH: each document as .docx and/or .pdf, and one metrics
workbook (.xlsx) of the recipient's units.

Items are planned first (name, kind, the identity the ledger knows them by) and made into bytes
only for the mails that go out: a PDF that `report --pdf` did not make is converted then, all of
a run's at once, through LibreOffice.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.delivery import workbook
from pipeline.delivery.mail import Attachment
from pipeline.delivery.month_folder import MonthFolder
from pipeline.documents import pdf
from pipeline.errors import InputError, Problem
from pipeline.inputs.catalog import Catalog
from pipeline.publish import sha256
from pipeline.workers import default_workers


@dataclass(frozen=True)
class Item:
    name: str
    kind: str  # docx | pdf | xlsx
    identity: str  # the document's sha256 (docx), pdf:<its sha256> (pdf), xlsx:<hash of its rows> (xlsx)
    document: dict | None = None  # the manifest's entry (docx, pdf)
    units: tuple[tuple[str, str], ...] = ()  # the workbook's units (xlsx)


def pdf_name(document: dict) -> str:
    return Path(document["path"]).with_suffix(".pdf").name


def plan(documents: list[dict], units: list[tuple[str, str]], formats: tuple[str, ...], month: str,
         metrics_rows: list[dict]) -> list[Item]:
    """The items of a mail with `documents` of `units`: per document its docx and pdf, then the workbook."""
    items = []
    for document in documents:
        if "docx" in formats:
            items.append(Item(Path(document["path"]).name, "docx", document["sha256"], document))
        if "pdf" in formats:
            items.append(Item(pdf_name(document), "pdf", f"pdf:{document['sha256']}", document))
    if "xlsx" in formats:
        rows = [r for r in metrics_rows if (r["level"], r["unit"]) in set(units)]
        digest = hashlib.sha256(json.dumps([units, rows], ensure_ascii=False).encode()).hexdigest()
        items.append(Item(workbook.file_name(month), "xlsx", f"xlsx:{digest}", None, tuple(units)))
    return items


class Maker:
    """Turns items into attachments for one month: reads and checks documents, converts PDFs, builds workbooks."""

    def __init__(self, month: str, folder: MonthFolder, metrics_rows: list[dict], labels: dict[str, str],
                 catalog: Catalog, workers: int | None = None):
        self.month, self.folder = month, folder
        self.metrics_rows, self.labels, self.catalog = metrics_rows, labels, catalog
        self.workers = workers or default_workers()
        self.converted: dict[str, bytes] = {}  # document sha256 → PDF made in this run

    def convert(self, items: list[Item]) -> None:
        """Makes, in one LibreOffice run, the PDFs of `items` that `report --pdf` did not make.
        PdfError when LibreOffice or a Chinese font is missing, naming documents it cannot convert."""
        wanted = {i.document["sha256"]: i.document for i in items
                  if i.kind == "pdf" and "pdf" not in i.document and i.document["sha256"] not in self.converted}
        if not wanted:
            return
        with tempfile.TemporaryDirectory(prefix="salesreport-pdf-") as folder:
            copies = []
            for digest, document in wanted.items():
                copy = Path(folder) / f"{digest}.docx"
                copy.write_bytes(self._document_bytes(document))
                copies.append(copy)
            for made in pdf.to_pdf(copies, self.workers):
                self.converted[made.stem] = made.read_bytes()

    def attachment(self, item: Item) -> Attachment:
        if item.kind == "docx":
            data = self._document_bytes(item.document)
        elif item.kind == "pdf":
            data = self._pdf_bytes(item.document)
        else:
            rows = [r for r in self.metrics_rows if (r["level"], r["unit"]) in set(item.units)]
            data = workbook.metrics_workbook(self.month, rows, list(item.units), self.labels, self.catalog)
        return Attachment(item.name, data, item.kind, item.identity, item.document["kind"] if item.document else "")

    def _checked(self, relative: str, expected: str) -> bytes:
        data = self.folder.read(relative)  # from inside outputs/M only, never through a link
        if sha256(data) != expected:
            raise InputError([Problem(str(self.folder.path / relative), None, None, None,
                                      "与 manifest.json 的 sha256 不符（文件在报告后被改动？），请重新运行 report")])
        return data

    def _document_bytes(self, document: dict) -> bytes:
        return self._checked(document["path"], document["sha256"])

    def _pdf_bytes(self, document: dict) -> bytes:
        if "pdf" in document:  # made by report --pdf
            return self._checked(document["pdf"]["path"], document["pdf"]["sha256"])
        if document["sha256"] not in self.converted:
            self.convert([Item(pdf_name(document), "pdf", "", document)])
        return self.converted[document["sha256"]]

