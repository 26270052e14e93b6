"""The delivery ledger (outputs/deliveries.sqlite): every mail, per transport, so none goes twice.

A mail is recorded as `sending` before it is handed to the transport and as `sent` or `failed`
after; a `sending` row found later is a mail whose fate is unknown (the process died), which is
resent with the same Message-ID so that the receiving server can drop a duplicate.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

SENDING, SENT, FAILED = "sending", "sent", "failed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    transport   TEXT NOT NULL,
    month       TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    documents   TEXT NOT NULL,   -- the attached documents' sha256, sorted, comma-separated
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,   -- sending | sent | failed
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
    """One SQLite file; every change is committed at once, so a crash loses nothing recorded."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)  # autocommit: each statement is durable
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, transport: str, month: str, recipient: str) -> Entry | None:
        row = self._db.execute(
            "SELECT documents, message_id, status, attempts FROM deliveries"
            " WHERE transport = ? AND month = ? AND recipient = ?", (transport, month, recipient)).fetchone()
        return Entry(*row) if row else None

    def sending(self, transport: str, month: str, recipient: str, documents: str, message_id: str,
                is_update: bool) -> None:
        """Record the attempt before the mail leaves."""
        self._db.execute(
            "INSERT INTO deliveries (transport, month, recipient, documents, message_id, status, attempts, is_update)"
            " VALUES (?, ?, ?, ?, ?, 'sending', 1, ?)"
            " ON CONFLICT (transport, month, recipient) DO UPDATE SET documents = excluded.documents,"
            " message_id = excluded.message_id, status = 'sending', attempts = attempts + 1,"
            " is_update = excluded.is_update, last_error = NULL,"
            " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            (transport, month, recipient, documents, message_id, int(is_update)))

    def finished(self, transport: str, month: str, recipient: str, error: str | None) -> None:
        """Record the result: sent, or failed with the server's reply."""
        self._db.execute(
            "UPDATE deliveries SET status = ?, last_error = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
            " WHERE transport = ? AND month = ? AND recipient = ?",
            (FAILED if error else SENT, error, transport, month, recipient))

    def rows(self, month: str) -> list[tuple]:
        return self._db.execute(
            "SELECT transport, recipient, status, attempts, is_update, last_error FROM deliveries"
            " WHERE month = ? ORDER BY transport, recipient", (month,)).fetchall()
