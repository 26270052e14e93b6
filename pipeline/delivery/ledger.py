"""The delivery ledger (outputs/deliveries.sqlite): every mail, per kind of transport, so none goes twice.

A mail is recorded as `sending` before it is handed to the transport and as `sent` or `failed`
after; a `sending` row found later is a mail whose fate is unknown (the process died), which is
resent with the same Message-ID so that the receiving server can drop a duplicate. `pending`
is a mail that never reached a server (it was down): not sent, to be sent by the next run.

Rows are keyed on the kind of transport (`smtp` or `outbox`), not on the server's name: a
delivery is a delivery whichever relay carried it, so `localhost` after `127.0.0.1` sends nothing
twice, while writing the outbox still does not count as delivery by SMTP.
"""
from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EnvironmentFailure, LedgerError

SENDING, SENT, FAILED, PENDING = "sending", "sent", "failed", "pending"
LOCK_WAIT_SECONDS = 10.0  # how long to wait for another program's write to finish
_VERSION = 1  # PRAGMA user_version: 1 = transports keyed by kind

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    transport   TEXT NOT NULL,   -- smtp | outbox
    month       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    documents   TEXT NOT NULL,   -- the attached documents' sha256, sorted, comma-separated
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,   -- sending | sent | failed | pending
    attempts    INTEGER NOT NULL DEFAULT 0,
    is_update   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (transport, month, recipient)
)
"""


@dataclass(frozen=True)
class Entry:
    documents: str
    message_id: str
    status: str
    attempts: int


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
        with self._guard():
            self._db = sqlite3.connect(path, isolation_level=None, timeout=LOCK_WAIT_SECONDS)  # autocommit
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            if self._db.execute("PRAGMA user_version").fetchone()[0] < _VERSION:
                self._key_by_kind()

    @contextlib.contextmanager
    def _guard(self):
        try:
            yield
        except sqlite3.Error as error:
            raise _explained(self.path, error) from None

    def close(self) -> None:
        self._db.close()

    def _key_by_kind(self) -> None:
        """Rows of older versions are keyed `smtp://host:port`: fold them into `smtp`, keeping per
        recipient and month the latest `sent` row (else the latest `sending`, else the latest)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            rows = self._db.execute("SELECT rowid, month, recipient, status, updated_at FROM deliveries"
                                    " WHERE transport LIKE 'smtp://%' OR transport = 'smtp'").fetchall()
            best: dict[tuple[str, str], tuple] = {}
            for rowid, month, recipient, status, updated_at in rows:
                rank = (status == SENT, status == SENDING, updated_at, rowid)
                if (month, recipient) not in best or rank > best[month, recipient]:
                    best[month, recipient] = rank
            keep = {rank[-1] for rank in best.values()}
            self._db.executemany("DELETE FROM deliveries WHERE rowid = ?", [(r[0],) for r in rows if r[0] not in keep])
            self._db.execute("UPDATE deliveries SET transport = 'smtp' WHERE transport LIKE 'smtp://%'")
            self._db.execute(f"PRAGMA user_version = {_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def get(self, transport: str, month: str, recipient: str) -> Entry | None:
        with self._guard():
            row = self._db.execute(
                "SELECT documents, message_id, status, attempts FROM deliveries"
                " WHERE transport = ? AND month = ? AND recipient = ?", (transport, month, recipient)).fetchone()
        return Entry(*row) if row else None

    def sending(self, transport: str, month: str, recipient: str, documents: str, message_id: str,
                is_update: bool) -> None:
        """Record the attempt before the mail leaves."""
        with self._guard():
            self._db.execute(
                "INSERT INTO deliveries (transport, month, recipient, documents, message_id, status, attempts,"
                " is_update) VALUES (?, ?, ?, ?, ?, 'sending', 1, ?)"
                " ON CONFLICT (transport, month, recipient) DO UPDATE SET documents = excluded.documents,"
                " message_id = excluded.message_id, status = 'sending', attempts = attempts + 1,"
                " is_update = excluded.is_update, last_error = NULL,"
                " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (transport, month, recipient, documents, message_id, int(is_update)))

    def finished(self, transport: str, month: str, recipient: str, status: str, error: str | None = None) -> None:
        """Record the result: sent, failed with the server's reply, or pending (never reached a server)."""
        with self._guard():
            self._db.execute(
                "UPDATE deliveries SET status = ?, last_error = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
                " WHERE transport = ? AND month = ? AND recipient = ?",
                (status, error, transport, month, recipient))

    def rows(self, month: str) -> list[tuple]:
        with self._guard():
            return self._db.execute(
                "SELECT transport, recipient, status, attempts, is_update, last_error FROM deliveries"
                " WHERE month = ? ORDER BY transport, recipient", (month,)).fetchall()


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
        return EnvironmentFailure.from_os_error(OSError(errno.EACCES, str(error), str(path)))
    return LedgerError(f"{path} 无法读写（{error}）")
