"""The delivery ledger (outputs/deliveries.sqlite): every mail, per kind of transport, so none goes twice.

A mail is recorded as `sending` before it is handed to the transport and as `sent` or `failed`
after; a `sending` row found later is a mail whose fate is unknown (the process died), which is
resent with the same Message-ID so that the receiving server can drop a duplicate. `pending`
is a mail that never reached a server (it was down): not sent, to be sent by the next run.

Rows are keyed on the kind of transport (`smtp` or `outbox`), not on the server's name: a
delivery is a delivery whichever relay carried it, so `localhost` after `127.0.0.1` sends nothing
twice, while writing the outbox still does not count as delivery by SMTP.

A mail too large for one message goes as parts: each part is a row of its own (`part` of
`parts`), so exactly-once holds per part. Beside the deliveries, the ledger keeps the
approvals (which document — month, level, unit, kind and sha256 — someone approved, who, when) and what each recipient
received (every attachment of every delivered mail, by sha256), which `status` shows.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import EnvironmentFailure, LedgerError

SENDING, SENT, FAILED, PENDING = "sending", "sent", "failed", "pending"
LOCK_WAIT_SECONDS = 10.0  # how long to wait for another program's write to finish
_VERSION = 3  # PRAGMA user_version: 1 = transports keyed by kind, 2 = mails in parts, 3 = approvals bound to their document
_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

_DELIVERIES = f"""
CREATE TABLE IF NOT EXISTS deliveries (
    transport   TEXT NOT NULL,   -- smtp | outbox
    month       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    part        INTEGER NOT NULL DEFAULT 1,
    parts       INTEGER NOT NULL DEFAULT 1,
    documents   TEXT NOT NULL,   -- the sha256 of the part's documents (and workbook), sorted, comma-separated
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,   -- sending | sent | failed | pending
    attempts    INTEGER NOT NULL DEFAULT 0,
    is_update   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  TEXT NOT NULL DEFAULT ({_NOW}),
    PRIMARY KEY (transport, month, recipient, part)
)
"""
_APPROVALS = f"""
CREATE TABLE IF NOT EXISTS approvals (
    month       TEXT NOT NULL,
    level       TEXT NOT NULL,
    unit        TEXT NOT NULL,
    kind        TEXT NOT NULL,   -- plan | summary
    sha256      TEXT NOT NULL,
    path        TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL DEFAULT ({_NOW}),
    PRIMARY KEY (month, level, unit, kind, sha256)
)"""
_OTHERS = _APPROVALS + f""";
CREATE TABLE IF NOT EXISTS received (
    transport   TEXT NOT NULL,
    month       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    name        TEXT NOT NULL,   -- the attachment's file name ('' for mails recorded before version 2)
    sha256      TEXT NOT NULL,   -- of the attachment's bytes: its copy in outputs/archive/MONTH/SHA256/
    identity    TEXT NOT NULL,   -- the document's sha256 (a .docx), pdf:SHA256 (its PDF), xlsx:… (the workbook)
    sent_at     TEXT NOT NULL DEFAULT ({_NOW})
);
CREATE INDEX IF NOT EXISTS received_by_month ON received (month, transport, recipient);
"""


@dataclass(frozen=True)
class Entry:
    documents: str
    message_id: str
    status: str
    attempts: int
    part: int = 1
    parts: int = 1
    last_error: str | None = None

    @property
    def hashes(self) -> set[str]:
        return set(filter(None, self.documents.split(",")))


@dataclass(frozen=True)
class Received:
    recipient: str
    message_id: str
    name: str
    sha256: str
    identity: str
    sent_at: str


@dataclass
class Delivered:
    """What a recipient has of a month: per attachment name the last version delivered."""

    by_name: dict[str, str] = field(default_factory=dict)  # name → identity
    unnamed: set[str] = field(default_factory=set)  # identities recorded before version 2, without names

    def has(self, name: str, identity: str) -> bool:
        if name in self.by_name:
            return self.by_name[name] == identity
        return identity in self.unnamed

    def replaces(self, name: str) -> bool:
        """Whether sending `name` replaces a version delivered earlier (an update)."""
        return name in self.by_name or bool(self.unnamed)


@dataclass(frozen=True)
class Approval:
    sha256: str
    path: str
    approved_by: str
    approved_at: str


class Ledger:
    """One SQLite file; every change is committed at once, so a crash loses nothing recorded.

    Any SQLite failure becomes a LedgerError (corrupt, locked) or an EnvironmentFailure (disk
    full, read-only) that says what to do.
    """

    def __init__(self, path: Path):
        self.path = path
        for side in ("", "-wal", "-shm", "-journal"):  # SQLite would follow a planted link
            if Path(f"{path}{side}").is_symlink():
                raise EnvironmentFailure.from_os_error(OSError(errno.ELOOP, os.strerror(errno.ELOOP), f"{path}{side}"))
        existed = _existing_ledger(path)
        with self._guard():
            self._db = sqlite3.connect(path, isolation_level=None, timeout=LOCK_WAIT_SECONDS)  # autocommit
            if existed and not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'deliveries'").fetchone():
                self._db.close()
                raise _not_a_ledger(path, "是 SQLite 数据库，但不是 salesreport 的发送记录（没有 deliveries 表）")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_DELIVERIES)
            self._db.executescript(_OTHERS)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version < 1:
                self._key_by_kind()
            if version < 2:
                self._in_parts()
            if version < _VERSION:
                self._bound_approvals()

    @contextlib.contextmanager
    def _guard(self):
        try:
            yield
        except sqlite3.Error as error:
            raise _explained(self.path, error) from None

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _key_by_kind(self) -> None:
        """Rows of version 0 are keyed `smtp://host:port`: fold them into `smtp`, keeping per
        recipient and month the latest `sent` row (else the latest `sending`, else the latest)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}
        part = "part" if "part" in columns else "1"
        with self._transaction():
            rows = self._db.execute(f"SELECT rowid, month, recipient, {part}, status, updated_at FROM deliveries"
                                    " WHERE transport LIKE 'smtp://%' OR transport = 'smtp'").fetchall()
            best: dict[tuple, tuple] = {}
            for rowid, *key, status, updated_at in rows:
                rank = (status == SENT, status == SENDING, updated_at, rowid)
                if tuple(key) not in best or rank > best[tuple(key)]:
                    best[tuple(key)] = rank
            keep = {rank[-1] for rank in best.values()}
            self._db.executemany("DELETE FROM deliveries WHERE rowid = ?", [(r[0],) for r in rows if r[0] not in keep])
            self._db.execute("UPDATE deliveries SET transport = 'smtp' WHERE transport LIKE 'smtp://%'")
            self._db.execute("PRAGMA user_version = 1")

    def _in_parts(self) -> None:
        """Version 2 keys rows by part too: a table of version 1 is copied over, each mail as part 1 of 1."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}
        with self._transaction():
            if "part" not in columns:
                self._db.execute("ALTER TABLE deliveries RENAME TO deliveries_v1")
                self._db.execute(_DELIVERIES)
                self._db.execute("INSERT INTO deliveries (transport, month, recipient, documents, message_id, status,"
                                 " attempts, is_update, last_error, updated_at) SELECT transport, month, recipient,"
                                 " documents, message_id, status, attempts, is_update, last_error, updated_at"
                                 " FROM deliveries_v1")
                self._db.execute("DROP TABLE deliveries_v1")
                sent = self._db.execute("SELECT transport, month, recipient, message_id, documents, updated_at"
                                        " FROM deliveries WHERE status = 'sent'").fetchall()
                self._db.executemany(
                    "INSERT INTO received (transport, month, recipient, message_id, name, sha256, identity, sent_at)"
                    " VALUES (?, ?, ?, ?, '', ?, ?, ?)",
                    [(t, m, r, i, h, h, at) for t, m, r, i, documents, at in sent for h in documents.split(",") if h])
            self._db.execute("PRAGMA user_version = 2")

    def _bound_approvals(self) -> None:
        """Version 3 binds an approval to its document (month, level, unit, kind and sha256). An
        approval of version 2 named the bytes only, which another unit's document could carry: those
        are dropped, and the month is approved again."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(approvals)")}
        with self._transaction():
            if "level" not in columns:
                self._db.execute("DROP TABLE approvals")
                self._db.execute(_APPROVALS)
            self._db.execute(f"PRAGMA user_version = {_VERSION}")

    def get(self, transport: str, month: str, recipient: str, part: int = 1) -> Entry | None:
        return self.parts(transport, month, recipient).get(part)

    def parts(self, transport: str, month: str, recipient: str) -> dict[int, Entry]:
        """The recipient's rows for the month, by part."""
        with self._guard():
            rows = self._db.execute(
                f"SELECT {_ENTRY} FROM deliveries WHERE transport = ? AND month = ? AND recipient = ?",
                (transport, month, recipient)).fetchall()
        return {row[4]: Entry(*row) for row in rows}

    def month(self, transport: str, month: str) -> dict[str, list[Entry]]:
        """Every recipient's rows for the month, in order of part."""
        with self._guard():
            rows = self._db.execute(f"SELECT recipient, {_ENTRY} FROM deliveries WHERE transport = ? AND month = ?"
                                    " ORDER BY recipient, part", (transport, month)).fetchall()
        found: dict[str, list[Entry]] = {}
        for recipient, *entry in rows:
            found.setdefault(recipient.casefold(), []).append(Entry(*entry))
        return found

    def sending(self, transport: str, month: str, recipient: str, documents: str, message_id: str,
                is_update: bool, part: int = 1, parts: int = 1) -> None:
        """Record the attempt before the mail leaves."""
        with self._guard():
            self._db.execute(
                "INSERT INTO deliveries (transport, month, recipient, part, parts, documents, message_id, status,"
                " attempts, is_update) VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?)"
                " ON CONFLICT (transport, month, recipient, part) DO UPDATE SET parts = excluded.parts,"
                " documents = excluded.documents, message_id = excluded.message_id, status = 'sending',"
                " attempts = attempts + 1, is_update = excluded.is_update, last_error = NULL,"
                f" updated_at = {_NOW}",
                (transport, month, recipient, part, parts, documents, message_id, int(is_update)))

    def finished(self, transport: str, month: str, recipient: str, status: str, error: str | None = None,
                 part: int = 1) -> None:
        """Record the result: sent, failed with the server's reply, or pending (never reached a server)."""
        with self._guard():
            self._db.execute(
                f"UPDATE deliveries SET status = ?, last_error = ?, updated_at = {_NOW}"
                " WHERE transport = ? AND month = ? AND recipient = ? AND part = ?",
                (status, error, transport, month, recipient, part))

    def failed_before_sending(self, transport: str, month: str, recipient: str, documents: str, error: str) -> None:
        """A mail that cannot be sent at all (an attachment too large for any mail): part 1 failed."""
        self.sending(transport, month, recipient, documents, "", False)
        self.finished(transport, month, recipient, FAILED, error)

    def delivered(self, transport: str, month: str, recipient: str, part: int, message_id: str,
                  attachments: list[tuple[str, str, str]], months: list[str] | None = None) -> None:
        """Record the part as sent and each of its attachments, (name, sha256, identity), as received, at once:
        under `month`, or under each attachment's own month of `months` (a mail of several months)."""
        with self._guard(), self._transaction():
            self._db.execute(
                f"UPDATE deliveries SET status = 'sent', last_error = NULL, updated_at = {_NOW}"
                " WHERE transport = ? AND month = ? AND recipient = ? AND part = ?",
                (transport, month, recipient, part))
            self._db.executemany(
                "INSERT INTO received (transport, month, recipient, message_id, name, sha256, identity)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(transport, own, recipient, message_id, *attachment)
                 for attachment, own in zip(attachments, months or [month] * len(attachments))])

    def received(self, transport: str, month: str) -> list[Received]:
        """Everything delivered for the month, oldest first."""
        with self._guard():
            rows = self._db.execute(
                "SELECT recipient, message_id, name, sha256, identity, sent_at FROM received"
                " WHERE transport = ? AND month = ? ORDER BY rowid", (transport, month)).fetchall()
        return [Received(*row) for row in rows]

    def delivered_to(self, transport: str, month: str) -> dict[str, Delivered]:
        """Per recipient (case-folded) what they have of the month."""
        found: dict[str, Delivered] = {}
        for row in self.received(transport, month):
            have = found.setdefault(row.recipient.casefold(), Delivered())
            if row.name:
                have.by_name[row.name] = row.identity
            else:
                have.unnamed.add(row.identity)
        return found

    def approve(self, month: str, documents: list[dict], by: str) -> int:
        """Record the manifest's `documents` as approved by `by`, each bound to its month, level, unit,
        kind and sha256; how many were not approved before."""
        with self._guard(), self._transaction():
            before = self._db.total_changes
            self._db.executemany(
                "INSERT OR IGNORE INTO approvals (month, level, unit, kind, sha256, path, approved_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", [(month, *approval_key(d), d["path"], by) for d in documents])
            return self._db.total_changes - before

    def approvals(self, month: str) -> dict[tuple[str, str, str, str], Approval]:
        """The month's approvals by `approval_key`: bytes approved for one document approve no other."""
        with self._guard():
            rows = self._db.execute("SELECT level, unit, kind, sha256, path, approved_by, approved_at FROM approvals"
                                    " WHERE month = ?", (month,)).fetchall()
        return {tuple(row[:4]): Approval(*row[3:]) for row in rows}


_ENTRY = "documents, message_id, status, attempts, part, parts, last_error"


def _why_not_writable(path: Path) -> int:
    """EROFS when the ledger's file system is mounted read-only, else EACCES (a permission)."""
    with contextlib.suppress(OSError, AttributeError):
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return errno.EROFS
    return errno.EACCES


def approval_key(document: dict) -> tuple[str, str, str, str]:
    """What an approval is bound to: a manifest document's (level, unit, kind, sha256), in its month."""
    return document["level"], document["unit"], document.get("kind", ""), document["sha256"]


def _existing_ledger(path: Path) -> bool:
    """Whether `path` holds a ledger to open (False: none yet); LedgerError for what cannot be one —
    a folder, an empty file (SQLite would take it as a new, empty ledger and everything would go
    again), anything but a regular file."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise EnvironmentFailure.from_os_error(error) from None
    if stat.S_ISDIR(status.st_mode):
        raise _not_a_ledger(path, "是一个文件夹")
    if not stat.S_ISREG(status.st_mode):
        raise _not_a_ledger(path, "不是普通文件")
    if status.st_size == 0:
        raise _not_a_ledger(path, "是空文件（0 字节）")
    return True


def _not_a_ledger(path: Path, what: str) -> LedgerError:
    return LedgerError(f"{path} {what}，不是有效的发送记录。它应记录哪些邮件已发送：请把它改名备份"
                       f"（例如 {path.name}.broken）或从备份恢复，再重新运行；没有这份记录时，已发送过的邮件会再发一次")


def _explained(path: Path, error: sqlite3.Error) -> Exception:
    """What a SQLite failure means for the user, by SQLite's error name."""
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return LedgerError(f"{path} 被另一个程序锁定（等了 {LOCK_WAIT_SECONDS:g} 秒仍未释放）：请关闭正在写它的程序"
                           "（例如打开着它的 sqlite3 或数据库工具）后重新运行")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return LedgerError(f"{path} 已损坏，不是有效的 SQLite 数据库（{error}）。它记录了哪些邮件已发送："
                           f"请把它改名备份（例如 {path.name}.broken）或从备份恢复，再重新运行；"
                           "没有这份记录时，已发送过的邮件会再发一次")
    if name.startswith("SQLITE_FULL"):
        return EnvironmentFailure.from_os_error(OSError(errno.ENOSPC, str(error), str(path)))
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return EnvironmentFailure.from_os_error(OSError(_why_not_writable(path), str(error), str(path)))
    return LedgerError(f"{path} 无法读写（{error}）")
