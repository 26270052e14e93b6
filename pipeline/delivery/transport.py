"""Sending a composed mail: SMTP from the environment, or an .eml outbox when no server is set.

Passwords come only from the environment, are never printed or logged, and never cross an
unencrypted connection unless the user explicitly allows it.
"""
from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Mapping

from pipeline import config
from pipeline.config import SmtpSettings
from pipeline.errors import (ConnectionFailure, PermanentFailure,
                             TemporaryFailure)
from pipeline.delivery.month_folder import planted, write_new
from pipeline.publish import remove, safe_name

CONNECT_TIMEOUT_SECONDS = 10  # a server that does not answer within this is not there
TIMEOUT_SECONDS = 30  # each reply of a server that is there
_TEMPORARY_SUFFIX = ".tmp"  # month_folder.write_new's temporary files


def outbox_file_name(recipient: str, label: str = "") -> str:
    """`<address>.eml`; an address a file name cannot hold as it is (`a/b@…`, `a?b@…`, very long)
    gets its safe form plus ` (8 hex of its sha256)`. A space never occurs in a valid address,
    so no two recipients share a file. A `label` (a mail's part, an alert's time) is added
    as ` [label]`, so the parts of one mail have a file each."""
    name = safe_name(recipient)
    if name != recipient:
        name = f"{name} ({hashlib.sha256(recipient.encode()).hexdigest()[:8]})"
    return f"{name} [{safe_name(label)}].eml" if label else f"{name}.eml"


def _real_folder(folder: Path) -> None:
    """Create `folder` (and parents); refuse one that is a symlink the run did not create."""
    for path in (folder.parent, folder):
        if path.is_symlink():
            raise planted(path)
        path.mkdir(exist_ok=True)


class Outbox:
    """Writes each mail as `<recipient>.eml` under `folder`; any mail client opens it."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return f"outbox（{self.folder}）"

    def prepare(self) -> None:
        """Make the folder and clear temporary files of killed runs (the caller holds the lock)."""
        _real_folder(self.folder)
        for leftover in self.folder.glob(f"*{_TEMPORARY_SUFFIX}"):
            remove(leftover)

    def send(self, message: EmailMessage, recipient: str, label: str = "") -> None:
        """Written to a new temporary file (created exclusively, never through a link) and renamed
        into place, so a reader sees the whole mail or none; on any failure the file is gone. Written
        through the folder's handle, opened anew for each mail: a folder swapped for a link mid-run
        is refused, never written through (month_folder)."""
        write_new(self.folder.parent.parent, [self.folder.parent.name, self.folder.name],
                  outbox_file_name(recipient, label), bytes(message))


class Smtp:
    """One SMTP session per mail, with the security the environment asks for."""

    name = "smtp"  # the ledger's key: whichever relay carries it, a delivery is a delivery

    def __init__(self, host: str, port: int, security: str, user: str | None, password: str | None):
        self.host, self.port, self.security = host, port, security
        self._user, self._password = user, password

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}（{self.security}）"

    def prepare(self) -> None:
        pass

    def _connect(self) -> smtplib.SMTP:
        """An open session (TLS as asked); ConnectionFailure when there is none to be had."""
        connection = None
        try:
            if self.security == "ssl":
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=CONNECT_TIMEOUT_SECONDS,
                                              context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=CONNECT_TIMEOUT_SECONDS)
            connection.sock.settimeout(TIMEOUT_SECONDS)
            if self.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            return connection
        except (smtplib.SMTPException, OSError) as error:  # OSError: refused, unreachable, timeout, TLS
            if connection is not None:
                connection.close()
            raise ConnectionFailure(f"无法连接 {self.host}:{self.port}：{type(error).__name__}: {error}") from None

    def send(self, message: EmailMessage, recipient: str, label: str = "") -> None:
        connection = self._connect()
        try:
            with connection:
                if self._user:
                    connection.login(self._user, self._password or "")
                connection.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            raise _classified(code, reply) from None
        except smtplib.SMTPResponseException as error:
            raise _classified(error.smtp_code, error.smtp_error) from None
        except smtplib.SMTPNotSupportedError as error:
            raise PermanentFailure(f"服务器不支持：{error}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:  # OSError: refused, reset, timeout
            raise TemporaryFailure(f"连接失败：{type(error).__name__}: {error}") from None


def _classified(code: int, reply) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
    return failure(f"{code} {text}")


def from_settings(smtp: SmtpSettings | None, outbox: Path) -> Outbox | Smtp:
    """SMTP when a server is set, else the outbox folder `outbox`."""
    if smtp is None:
        return Outbox(outbox)
    return Smtp(smtp.host, smtp.port, smtp.security, smtp.user, smtp.password)


def from_environment(env: Mapping[str, str], outbox: Path) -> Outbox | Smtp:
    """SMTP when SALESREPORT_SMTP_HOST is set, else the outbox; ConfigError for bad settings."""
    return from_settings(config.options(env).smtp, outbox)


def sender(env: Mapping[str, str] = os.environ) -> str:
    return config.options(env).sender
