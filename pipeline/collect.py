"""`salesreport collect`: the texts written in returned documents, taken into
inputs/notes_collected.csv, which `report` reads like any notes file.

The key that signed the fields and the documents each month issued come from the outputs
folder (pipeline.outputs); reading and judging the returned files is the input stage's
(inputs.returned), keeping the notes file is inputs.collected. Returns what happened;
raises a SalesReportError when nothing can be collected at all.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pipeline import outputs
from pipeline.errors import InputError, Problem, UsageError
from pipeline.inputs import collected, returned


@dataclass
class Collection:
    """Every returned document judged (in the order collected), what the notes file holds
    now (with `merged.counts[i]` the fate of `judged[i]`'s notes), and whether it was rewritten."""

    judged: list[returned.Judged]
    merged: collected.Merged
    path: Path
    written: bool

    @property
    def refused(self) -> list[returned.Judged]:
        return [j for j in self.judged if j.status == "refused"]


def _issued(outputs_dir: Path):
    """Whether a (month, level, unit, kind) was issued: listed in that month's manifest.json."""
    @functools.cache
    def month_documents(month: str) -> frozenset:
        try:
            manifest = outputs.read_manifest(outputs_dir, month)
        except (InputError, UsageError, ValueError, OSError):  # no report of that month: nothing issued
            return frozenset()
        return frozenset((d.get("level"), d.get("unit"), d.get("kind")) for d in manifest.get("documents", []))

    return lambda document: document[1:] in month_documents(document[0])


def _key(outputs_dir: Path) -> bytes:
    key = outputs.fields_key(outputs_dir, create=False)
    if key is None:
        raise InputError([Problem(str(outputs_dir / outputs.FIELDS_KEY), None, None, None,
                                  "没有签名密钥：这个输出文件夹没有发出过带填写栏的文档；"
                                  "请用生成这些文档时的 --outputs")])
    return key


def collect(paths: list[Path], inputs_dir: Path, outputs_dir: Path, months: list[str] | None = None) -> Collection:
    """Reads every returned document under `paths` (.docx, .eml with .docx attached; folders
    searched), takes the filled-in fields of those that pass into notes_collected.csv of
    `inputs_dir`, and says what became of each. Only documents of `months`, when given."""
    key, issued = _key(outputs_dir), _issued(outputs_dir)
    judged = []
    for path, problem in returned.returned_files(paths):
        if problem:
            judged.append(returned.Judged(str(path), "refused", problem))
            continue
        try:
            for source, data, fallback_time in returned.documents_in(path):
                judged.append(returned.judge(returned.read_docx(source, data, fallback_time), key, issued, months))
        except returned.Unreadable as error:
            judged.append(returned.Judged(str(path), "refused", str(error)))
        except OSError as error:
            judged.append(returned.Judged(str(path), "refused", f"无法读取（{error.strerror or error}）"))
    merged = collected.merged(collected.read(inputs_dir), [j.notes for j in judged])
    path = inputs_dir / collected.FILE_NAME
    if merged.changed:
        collected.write(inputs_dir, merged.rows)
    return Collection(judged, merged, path, merged.changed)


def held(inputs_dir: Path, months: list[str] | None = None) -> list[dict]:
    """The rows of notes_collected.csv (of `months`, when given)."""
    return [row for row in collected.read(inputs_dir) if not months or row["month"] in months]
