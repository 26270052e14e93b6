"""inputs/notes_collected.csv: the texts `collect` took from returned documents, as notes.

The columns of notes*.csv (so `report` reads it as one of them), then `cause` (主观/客观 of a
差异原因 field), `author` and `modified` (from the document's properties) and `file` (where it
came from). One row per field: a field is (month, level, unit, metric, section, cause). A
field collected again replaces its row when its document is newer (by `modified`; the same
time: the one collected later) and its text differs; otherwise nothing changes, and the file
is not rewritten. A cell a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`) is
written with a leading `'`, as metrics.csv's are, and read back without it.
"""
from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError, Problem
from pipeline.inputs import load, schema
from pipeline.inputs.values import formula_guarded, is_blank

FILE_NAME = schema.COLLECTED_NOTES
COLUMNS = ["month", "level", "unit", "metric", "section", "text", "response", "cause", "author", "modified", "file"]
KEY = ("month", "level", "unit", "metric", "section", "cause")
# Read as the input files are (inputs.load: its limits, rows as wide as the header, line breaks
# only in free text); a field's key and text are required columns.
SPEC = schema.FileSpec(FILE_NAME.removesuffix(".csv"), tuple(
    schema.Column(name, (), required=name in KEY + ("text",), free_text=name in ("text", "response", "author", "file"))
    for name in COLUMNS), family=False)


def _key(row: dict) -> tuple[str, ...]:
    return tuple(row[name] for name in KEY)


def read(inputs_dir: Path) -> list[dict]:
    """The rows of notes_collected.csv ([] when there is none), every column as text; InputError
    naming the file, line and column of what is wrong in it."""
    if not (inputs_dir / FILE_NAME).is_file():
        return []
    problems: list[Problem] = []
    table = load.read_table(inputs_dir, SPEC, problems, [])
    if problems:
        raise InputError(problems)
    if table is None:
        return []
    return [{name: "" if is_blank(row[name]) else str(row[name]) for name in COLUMNS}
            for row in table.frame[COLUMNS].to_dict("records")]


@dataclass
class Merged:
    """Rows after a collection; per document taken in (in order), how many of its fields were
    new, replaced an earlier text, were already held, or were older than the text held."""

    rows: list[dict]
    counts: list[dict[str, int]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c["new"] or c["replaced"] for c in self.counts)


def merged(rows: list[dict], documents: list[list[dict]]) -> Merged:
    """`rows` with the notes of `documents` (in the order collected) taken in: each note new,
    replacing the row of its field when newer, or left out when the same text is held or its
    document is older."""
    rows = [dict(row) for row in rows]
    where = {_key(row): index for index, row in enumerate(rows)}
    result = Merged(rows)
    for notes in documents:
        count = dict.fromkeys(("new", "replaced", "held", "older"), 0)
        result.counts.append(count)
        for note in notes:
            index = where.get(_key(note))
            if index is None:
                where[_key(note)] = len(rows)
                rows.append(dict(note))
                count["new"] += 1
            elif rows[index]["text"] == note["text"]:
                count["held"] += 1
            elif note["modified"] < rows[index]["modified"]:
                count["older"] += 1
            else:
                rows[index] = dict(note)
                count["replaced"] += 1
    return result


def write(inputs_dir: Path, rows: list[dict]) -> Path:
    """notes_collected.csv holding `rows`, replaced whole (a reader never sees half of it)."""
    path = inputs_dir / FILE_NAME
    inputs_dir.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=".notes_collected.", suffix=".tmp", dir=inputs_dir)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as file:
            writer = csv.DictWriter(file, COLUMNS, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows({name: formula_guarded(row.get(name, "")) for name in COLUMNS} for row in rows)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
