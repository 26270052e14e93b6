"""The data the inputs stage hands on: the validated inputs. A plain container, no I/O and no
rules of its own."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from pipeline.inputs.catalog import Catalog
from pipeline.inputs.schema import InputFile


@dataclass
class Inputs:
    """The validated inputs; frames keep `_file` and `_line` for later messages."""

    catalog: Catalog
    org: pd.DataFrame  # rep_id, rep_name, team, region, email
    targets: pd.DataFrame  # month, rep_id, metric, target
    actuals: pd.DataFrame  # month, rep_id, metric, actual, base
    tasks: pd.DataFrame  # month, metric, task, owner (rep_id), due, done_criteria, notes
    notes: pd.DataFrame  # month, level, unit, metric, section, text
    files: list[InputFile] = field(default_factory=list)
    # The rows given by segment (compute.segments.collapse), with a `segment` column; targets and
    # actuals above hold each such (month, rep, metric) once, as the sum of its segments.
    segment_targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    segment_actuals: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The opportunity export (inputs.opportunities), None without one: opportunity_id, rep_id, amount,
    # stage, probability, close_date, status, metric, export (the day the file was taken, or None)
    opportunities: pd.DataFrame | None = None

    @cached_property
    def note_texts(self) -> dict[tuple[str, str, str, str, str], list[str]]:
        """Note texts by (month, level, unit, section, metric), in file order; built once."""
        index: dict[tuple[str, str, str, str, str], list[str]] = {}
        notes = self.notes
        for key in zip(notes["month"], notes["level"], notes["unit"], notes["section"], notes["metric"], notes["text"]):
            index.setdefault(key[:5], []).append(key[5])
        return index
