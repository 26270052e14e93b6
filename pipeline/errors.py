"""The project's errors: every failure a user can cause or meet, and where it happened."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the inputs, located as a spreadsheet shows it (header = line 1)."""

    file: str
    line: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" 第{self.line}行"
        if self.column:
            where += f" 列「{self.column}」"
        shown = "" if self.value in (None, "") else f" 值「{self.value}」"
        return f"{where}{shown}：{self.message}"


class SalesReportError(Exception):
    """Base of every error the CLI turns into a message and a non-zero exit."""

    exit_code = 1


class InputError(SalesReportError):
    """The inputs are invalid; holds every problem found, not only the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(SalesReportError):
    """A Word template cannot be rendered (syntax error, missing table, undefined name)."""

    exit_code = 3


@dataclass(frozen=True)
class DataWarning:
    """A gap in the data that does not stop the run (missing actual, unweighted roll-up …).

    `level`/`unit` name the unit it is about (for reps the rep_id), `also` further (level, unit)
    pairs when one line covers several units; the documents show it in the data notes of those
    units (and, for a rep, of every unit above it).
    """

    level: str
    unit: str
    metric: str | None
    message: str
    also: tuple[tuple[str, str], ...] = ()

    def concerns(self, level: str, unit: str) -> bool:
        return (level, unit) == (self.level, self.unit) or (level, unit) in self.also

    def __str__(self) -> str:
        return self.message
