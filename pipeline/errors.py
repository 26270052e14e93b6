"""The project's errors: every failure a user can cause or meet, and where it happened."""
from __future__ import annotations

import errno
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


class LockedError(SalesReportError):
    """Another run of the same job holds its lock (two cron jobs overlapping)."""

    exit_code = 1


class EnvironmentFailure(SalesReportError):
    """The machine, not the data: a full or read-only disk, a missing permission, a planted link."""

    exit_code = 6

    @classmethod
    def from_os_error(cls, error: OSError, doing: str = "") -> "EnvironmentFailure":
        """A user's sentence for `error`: which file, what happened, what to do."""
        reason = _REASONS.get(error.errno, error.strerror or str(error))
        reason = _WINDOWS_REASONS.get(getattr(error, "winerror", None), reason)
        where = " ".join(str(part) for part in (doing, error.filename) if part)
        return cls(f"{where}：{reason}" if where else reason)


class LedgerError(SalesReportError):
    """The delivery ledger (deliveries.sqlite) cannot be read or written: corrupt or locked."""

    exit_code = 7


class PdfError(SalesReportError):
    """PDF output is asked for but cannot be made here."""

    exit_code = 4


class DeliveryError(SalesReportError):
    """Some mails failed or are still pending; the others went out, and a rerun sends only those."""

    exit_code = 5


class Refused(Exception):
    """A file that cannot be read as a table: where (spreadsheet line, or None) and why.
    `load` turns it into a Problem of that file."""

    def __init__(self, line: int | None, message: str, column: str | None = None):
        super().__init__(message)
        self.line, self.message, self.column = line, message, column


class TemporaryFailure(Exception):
    """Sending a mail: worth retrying — a 4xx reply, a dropped connection, a timeout."""


class ConnectionFailure(TemporaryFailure):
    """No SMTP session could be opened at all (refused, unreachable, no greeting, TLS failed):
    the message never left, and repeated ones mean the server is down."""


class Stalled(ConnectionFailure):
    """The SMTP conversation did not finish within its overall deadline: the server counts as down.
    `after_data`: the message had been handed over, so whether it arrived is unknown."""

    def __init__(self, message: str, after_data: bool = False):
        super().__init__(message)
        self.after_data = after_data


class PermanentFailure(Exception):
    """Sending a mail: not worth retrying — a 5xx reply; the message holds the server's words."""


class ServerDown(Exception):
    """The mail server could not be reached several times in a row, or stalled past the deadline:
    stop, keep the rest pending. `in_flight`: the mail being sent may have arrived (a stall after DATA)."""

    def __init__(self, message: str, in_flight: bool = False):
        super().__init__(message)
        self.in_flight = in_flight


_REASONS = {
    errno.ENOSPC: "磁盘已满，请腾出空间后重新运行",
    errno.EDQUOT: "超出磁盘配额，请腾出空间后重新运行",
    errno.EROFS: "文件系统是只读的，请换一个可写的输出文件夹（--outputs）",
    errno.EACCES: "没有写入权限，请检查文件夹的权限或换一个输出文件夹（--outputs）",
    errno.EPERM: "操作不被允许，请检查文件夹的权限或换一个输出文件夹（--outputs）",
    errno.ELOOP: "是符号链接，不是本程序创建的，拒绝跟随；请检查并删除它",
    errno.EIO: "磁盘读写错误（I/O error），请检查磁盘",
    errno.ENOTDIR: "路径中有一部分是文件而不是文件夹，请换一个路径",
    errno.EEXIST: "已存在，请换一个名字或先移走它",
}
# Windows refuses to rename a folder or file that a program holds open (ERROR_SHARING_VIOLATION,
# often ERROR_ACCESS_DENIED): a month folder with a document open in Word cannot be replaced.
_WINDOWS_REASONS = {
    5: "没有权限，或文件正被另一个程序使用（例如在 Word 中打开）：请检查权限或关闭它后重新运行",
    32: "文件正被另一个程序使用（例如在 Word 中打开），请关闭它后重新运行",
}


class ConfigError(SalesReportError):
    """Invalid settings: salesreport.toml (or --config) or a SALESREPORT_* environment variable."""

    exit_code = 2


class UsageError(SalesReportError):
    """A request that cannot be carried out as asked: a month that is not one, a report that is
    not there yet, a recipient not known. Not a problem of the inputs."""

    exit_code = 2


class ApprovalError(SalesReportError):
    """Approval is required (SALESREPORT_REQUIRE_APPROVAL) and some documents to send are not approved."""

    exit_code = 8


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
