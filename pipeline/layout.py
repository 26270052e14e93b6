"""The outputs folder: the name of every file and folder the runs write under it, in one place
(docs/OUTPUTS.md). Below every stage: imports none.

    outputs/2025-10/            one month, written whole by report: documents, METRICS, SEGMENT_METRICS, PIPELINE, MANIFEST
    outputs/deliveries.sqlite   the ledger of distribute (what went to whom, approvals)
    outputs/outbox/KEY/         mails written as .eml files when no SMTP server is set
    outputs/archive/            the copies of what each recipient received
    outputs/.fields.key         the key that signs the documents' fill-in fields (collect checks them)
    outputs/.2025-10.lock       held by report and distribute of a month; .deliveries.lock by distribute
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The documents: their kinds, and the names those carry in file names and titles.
PLAN, SUMMARY = "plan", "summary"
KIND_NAMES = {PLAN: "月度工作计划", SUMMARY: "月度工作总结"}

MANIFEST = "manifest.json"
METRICS = "metrics.csv"
SEGMENT_METRICS = "metrics_by_segment.csv"
PIPELINE = "pipeline.csv"  # pipeline coverage, only with an opportunity export (issue 26)
LEDGER = "deliveries.sqlite"
OUTBOX = "outbox"
ARCHIVE = "archive"
FIELDS_KEY = ".fields.key"  # never mailed or listed
DELIVERIES_LOCK = ".deliveries.lock"
_MONTH_FOLDER = re.compile(r"\d{4}-\d{2}")


@dataclass(frozen=True)
class Layout:
    """Where each thing lives under the outputs folder `root`."""

    root: Path

    def month(self, month: str) -> Path:
        """The folder of a month's documents: outputs/2025-10/."""
        return self.root / month

    def manifest(self, month: str) -> Path:
        return self.root / month / MANIFEST

    def metrics(self, month: str) -> Path:
        return self.root / month / METRICS

    def is_reported(self, month: str) -> bool:
        """Whether report has written `month` (its manifest is there)."""
        return self.manifest(month).is_file()

    def reported(self) -> list[str]:
        """The months report has written here, early to late."""
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir()
                      if _MONTH_FOLDER.fullmatch(entry.name) and (entry / MANIFEST).is_file())

    @property
    def ledger(self) -> Path:
        return self.root / LEDGER

    def outbox(self, key: str) -> Path:
        """The outbox folder of a run (`2025-10`, `2025-10..2025-11`, `preview-2025-10`, `alerts`)."""
        return self.root / OUTBOX / key

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE

    @property
    def fields_key(self) -> Path:
        return self.root / FIELDS_KEY

    def month_lock(self, month: str) -> Path:
        """The lock both `report` and `distribute` of `month` hold from start to end."""
        return self.root / f".{month}.lock"

    @property
    def deliveries_lock(self) -> Path:
        """The lock every `distribute` holds while it sends."""
        return self.root / DELIVERIES_LOCK
