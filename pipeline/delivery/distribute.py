"""Distribution (contract §6): each recipient one mail per month with exactly their units' documents.

files → recipients and the month's manifest → one planned mail per address → ledger-guarded send.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from pipeline.compute.org import Org
from pipeline.delivery.ledger import FAILED, PENDING, SENDING, SENT, Ledger
from pipeline.delivery.mail import HeadlineItem, UnitHeadline, compose, message_id
from pipeline.delivery.transport import Outbox, Smtp, from_environment, sender
from pipeline.documents import formats
from pipeline.errors import (ConnectionFailure, EnvironmentFailure, InputError, LedgerError, PermanentFailure, Problem,
                             SalesReportError, ServerDown, TemporaryFailure)
from pipeline.errors import DeliveryError  # noqa: F401 -- the exit code `distribute` ends with; importable from here
from pipeline.inputs import schema
from pipeline.inputs.load import read_table
from pipeline.inputs.validate import resolve_rep, validate_org, validate_recipients
from pipeline.outputs import read_manifest, read_metrics_csv
from pipeline.publish import exclusive, month_busy, month_lock, sha256
from pipeline.status import status_fill, status_text

MAX_TRIES = 4  # per mail and run: the first try and three retries
DEAD_AFTER = 3  # consecutive failed connections after which the server counts as down for this run
HEADLINE_METRICS = 3
DELIVERIES_BUSY = "另一个 distribute 正在运行，请等它结束后再运行（重叠的两次运行可能重复发送）"


@dataclass
class Mail:
    recipient: str
    name: str
    units: list[tuple[str, str]]  # (level, unit) in manifest order
    documents: list[dict]  # the manifest's entries, in order


@dataclass
class Outcome:
    mail: Mail
    status: str  # sent | skipped | failed | pending (not sent: the server was down) | dry-run
    is_update: bool = False
    resent_unknown: bool = False
    error: str | None = None
    via: str = ""  # the transport's name: "outbox" (written to a file) or "smtp"


@dataclass
class Result:
    transport: str
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the run stopped sending before the end

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def read_people(inputs_dir: Path):
    """The org and recipients.csv rows, validated; InputError lists every problem."""
    problems: list[Problem] = []
    org = validate_org(read_table(inputs_dir, schema.ORG, problems, []), problems)
    recipients = validate_recipients(read_table(inputs_dir, schema.RECIPIENTS, problems, []), problems)
    if problems:
        raise InputError(problems)
    return org, recipients


def plan_mails(manifest: dict, org, recipients) -> tuple[list[Mail], list[str]]:
    """One mail per address with the documents of every unit it is listed for; warnings for the rest."""
    listed = [(row.email, row.rep_name, "rep", row.rep_id, None) for row in org.itertuples() if row.email]
    for row in recipients.to_dict("records"):
        unit = (resolve_rep(row["unit"], org)[0] or row["unit"]) if row["level"] == "rep" else row["unit"]
        listed.append((row["email"], row["name"], row["level"], unit, f"{row['_file']} 第{row['_line']}行"))

    present = {(d["level"], d["unit"]) for d in manifest["documents"]}
    wanted: dict[str, dict] = {}
    warnings = []
    for email, name, level, unit, where in listed:
        if (level, unit) not in present:
            warnings.append(f"{where or 'org.csv'}：{manifest['month']} 没有「{unit}」"
                            f"（{schema.LEVEL_NAMES[level]}）的文档，{email} 不会收到它")
            continue
        entry = wanted.setdefault(email.casefold(), {"email": email, "name": name, "units": set()})
        entry["name"] = entry["name"] or name
        entry["units"].add((level, unit))
    mails = []
    for entry in wanted.values():
        documents = [d for d in manifest["documents"] if (d["level"], d["unit"]) in entry["units"]]
        units = list(dict.fromkeys((d["level"], d["unit"]) for d in documents))
        mails.append(Mail(entry["email"], entry["name"], units, documents))
    return mails, warnings


def headlines(mail: Mail, metrics_rows: list[dict], labels: dict[str, str]) -> list[UnitHeadline]:
    """Each unit's achievement of its first metrics, with the summary's colours."""
    result = []
    for level, unit in mail.units:
        rows = [r for r in metrics_rows if r["level"] == level and r["unit"].lstrip("'") == unit][:HEADLINE_METRICS]
        items = tuple(HeadlineItem(r["metric_name"], formats.achievement(float(r["achievement"]) if r["achievement"] else None),
                                   status_text(r["status"]), status_fill(r["status"]))
                      for r in rows)
        result.append(UnitHeadline(labels.get(unit, unit) if level == "rep" else unit, items))
    return result


def _attachments(month_dir: Path, mail: Mail) -> list[tuple[str, bytes]]:
    files = []
    for document in mail.documents:
        data = (month_dir / document["path"]).read_bytes()
        if sha256(data) != document["sha256"]:
            raise InputError([Problem(str(month_dir / document["path"]), None, None, None,
                                      "与 manifest.json 的 sha256 不符（文件在报告后被改动？），请重新运行 report")])
        files.append((Path(document["path"]).name, data))
    return files


@dataclass
class Breaker:
    """Counts failed connections in a row, across mails: a server known to be down is not tried
    again for every mail (each would cost its back-off)."""

    failures: int = 0

    def failed(self, error: ConnectionFailure) -> None:
        self.failures += 1
        if self.failures >= DEAD_AFTER:
            raise ServerDown(f"邮件服务器连续 {DEAD_AFTER} 次无法连接，本次不再尝试（{error}）")


def _send_with_retries(transport, message, recipient: str, retry_delay: float,
                       sleep: Callable[[float], None], breaker: Breaker) -> str | None:
    """None when sent, else the last error; temporary failures are retried with back-off.
    ServerDown when the breaker finds the server down."""
    for attempt in range(1, MAX_TRIES + 1):
        try:
            transport.send(message, recipient)
            breaker.failures = 0
            return None
        except PermanentFailure as error:
            breaker.failures = 0
            return str(error)
        except ConnectionFailure as error:
            breaker.failed(error)
            last = error
        except TemporaryFailure as error:
            breaker.failures = 0
            last = error
        if attempt == MAX_TRIES:
            return f"{last}（重试 {MAX_TRIES - 1} 次后仍失败）"
        sleep(retry_delay * 2 ** (attempt - 1))
    return None


def _plan(month: str, inputs_dir: Path, outputs_dir: Path):
    """The mails of `month`, the warnings, and the org (for the reps' names)."""
    manifest = read_manifest(outputs_dir, month)
    org, recipients = read_people(inputs_dir)
    return (*plan_mails(manifest, org, recipients), org)


def distribute(month: str, inputs_dir: Path, outputs_dir: Path, env: Mapping[str, str], dry_run: bool = False,
               resend: bool = False, retry_delay: float = 2.0, sleep: Callable[[float], None] | None = None,
               report: Callable[[Outcome], None] | None = None) -> Result:
    """Send (or with `dry_run` only list) each recipient's mail for `month`; see contract §6.

    The month's lock (shared with `report`) is held from before the manifest is read to the
    end, so a report of the same month can never swap the documents mid-way: one of the two
    refuses at its start. A full or read-only disk or an unusable ledger stops the run with an
    EnvironmentFailure or LedgerError saying how many mails are still to be sent.
    """
    transport: Outbox | Smtp = from_environment(env, outputs_dir / "outbox" / month)
    if dry_run:
        mails, warnings, _ = _plan(month, inputs_dir, outputs_dir)
        result = Result(transport.describe(), [Outcome(mail, "dry-run") for mail in mails], warnings)
        for outcome in result.outcomes:
            if report:
                report(outcome)
        return result
    with exclusive(month_lock(outputs_dir, month), month_busy(month)), \
            exclusive(outputs_dir / ".deliveries.lock", DELIVERIES_BUSY):
        mails, warnings, org = _plan(month, inputs_dir, outputs_dir)
        result = Result(transport.describe(), warnings=warnings)
        metrics_rows = read_metrics_csv(outputs_dir / month / "metrics.csv")
        transport.prepare()
        ledger = Ledger(outputs_dir / "deliveries.sqlite")
        try:
            delivery = _Delivery(month, outputs_dir / month, transport, ledger, sender(env), metrics_rows,
                                 Org(org).names, resend, retry_delay, sleep or time.sleep, Breaker())
            _deliver_all(delivery, mails, result, report or (lambda outcome: None))
        finally:
            ledger.close()
    return result


def _deliver_all(delivery: "_Delivery", mails: list[Mail], result: Result, report: Callable[[Outcome], None]) -> None:
    """Each mail in turn; a server found down leaves this and every later mail pending."""
    for index, mail in enumerate(mails):
        try:
            outcome = delivery.deliver(mail)
        except ServerDown as error:
            result.stopped = str(error)
            for rest in mails[index:]:
                result.outcomes.append(Outcome(rest, PENDING))
                report(result.outcomes[-1])
            return
        except (OSError, EnvironmentFailure, LedgerError) as error:
            raise _stopped(error, result, len(mails) - index) from None
        result.outcomes.append(outcome)
        report(outcome)


def _stopped(error: Exception, result: Result, unsent: int) -> SalesReportError:
    """The disk's or the ledger's failure, with what was done and what is left."""
    failure = EnvironmentFailure.from_os_error(error) if isinstance(error, OSError) else error
    return type(failure)(f"{failure}\n已停止：本次发送 {result.count(SENT)} 封、跳过 {result.count('skipped')} 封；"
                         f"{unsent} 封未发送（含出错的这一封）。问题解决后重新运行 distribute，已发送的不会重发。")


@dataclass
class _Delivery:
    """What every mail of one run shares: where the documents are, how they go, the ledger."""

    month: str
    month_dir: Path
    transport: Outbox | Smtp
    ledger: Ledger
    sender: str
    metrics_rows: list[dict]
    labels: dict[str, str]
    resend: bool
    retry_delay: float
    sleep: Callable[[float], None]
    breaker: Breaker

    def deliver(self, mail: Mail) -> Outcome:
        """Skip what the ledger has as delivered; otherwise record, send, record the result."""
        hashes = sorted(d["sha256"] for d in mail.documents)
        documents = ",".join(hashes)
        previous = self.ledger.get(self.transport.name, self.month, mail.recipient)
        delivered = previous is not None and previous.status == SENT
        if delivered and previous.documents == documents and not self.resend:
            return Outcome(mail, "skipped", via=self.transport.name)
        is_update = delivered and previous.documents != documents
        unknown = previous is not None and previous.status == SENDING and previous.documents == documents
        if unknown:  # same Message-ID, so the server can drop the copy it may already have
            msg_id = previous.message_id
        elif delivered and not is_update:  # --resend: a deliberate new mail
            msg_id = message_id(self.month, mail.recipient, [*hashes, f"resend-{previous.attempts}"])
        else:
            msg_id = message_id(self.month, mail.recipient, hashes)
        message = compose(self.sender, mail.recipient, mail.name, self.month,
                          headlines(mail, self.metrics_rows, self.labels), _attachments(self.month_dir, mail),
                          msg_id, is_update)
        key = (self.transport.name, self.month, mail.recipient)
        self.ledger.sending(*key, documents, msg_id, is_update)
        try:
            error = _send_with_retries(self.transport, message, mail.recipient, self.retry_delay, self.sleep,
                                       self.breaker)
        except ServerDown as down:  # never reached a server: not sent, not in flight
            self.ledger.finished(*key, PENDING, str(down))
            raise
        except OSError as failure:  # the outbox's disk: nothing was written
            self.ledger.finished(*key, FAILED, str(EnvironmentFailure.from_os_error(failure)))
            raise
        self.ledger.finished(*key, FAILED if error else SENT, error)
        return Outcome(mail, FAILED if error else SENT, is_update, unknown, error, self.transport.name)
