"""The project's errors: every failure a user can cause or meet, and where it happened."""
from __future__ import annotations

from dataclasses import dataclass

MAX_LISTED = 1000  # problems listed in a message; the rest are only counted
_SHOWN_CHARS = 60  # a value longer than this is cut in messages (a cell may hold 2 million)


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
        return f"{where}{_shown(self.value)}：{self.message}"


def _shown(value) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    if len(text) > _SHOWN_CHARS:
        text = f"{text[:_SHOWN_CHARS]}…（共 {len(text):,} 个字符）"
    return f" 值「{text}」"


class Problems:
    """The problems found so far: the first MAX_LISTED kept in order, every one counted.

    An attack file can hold millions of bad cells; keeping them all costs gigabytes.
    Used like a list: append, len (the total), iteration (the listed ones).
    """

    def __init__(self):
        self.listed: list[Problem] = []
        self.total = 0

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(problem)

    def __len__(self) -> int:
        return self.total

    def __iter__(self):
        return iter(self.listed)


class SalesReportError(Exception):
    """Base of every error the CLI turns into a message and a non-zero exit."""

    exit_code = 1


class InputError(SalesReportError):
    """The inputs are invalid; holds the first MAX_LISTED problems found and the total count."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problems):
        self.total = len(problems)
        self.problems = list(problems)[:MAX_LISTED]
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(SalesReportError):
    """A Word template cannot be rendered (syntax error, missing table, undefined name)."""

    exit_code = 3


@dataclass(frozen=True)
class DataWarning:
    """A gap in the data that does not stop the run (missing actual, unweighted roll-up …).

    `level`/`unit` name the unit it is about (for reps the rep_id); the documents show it in
    the data notes of that unit and of every unit above it.
    """

    level: str
    unit: str
    metric: str | None
    message: str

    def __str__(self) -> str:
        return self.message
