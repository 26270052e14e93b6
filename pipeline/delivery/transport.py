"""Sending a composed mail: SMTP from the environment, or an .eml outbox when no server is set.

Passwords come only from the environment, are never printed or logged, and never cross an
unencrypted connection unless the user explicitly allows it.
"""
from __future__ import annotations

import contextlib
import hashlib
import smtplib
import socket
import ssl
import threading
import time
from email.message import EmailMessage
from pathlib import Path

from pipeline import config
from pipeline.config import SmtpSettings
from pipeline.errors import ConnectionFailure, PermanentFailure, Stalled, TemporaryFailure
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


SOCKET_SLACK_SECONDS = 0.05  # a socket timeout this close to the deadline is the deadline


class _Deadline:
    """The end of one SMTP conversation: when it passes, the connection is shut down under whatever
    is waiting on it (a server sending its greeting a byte at a time defeats any per-read timeout)."""

    def __init__(self, seconds: float):
        self.seconds, self.end, self.expired = seconds, time.monotonic() + seconds, False
        self._handles: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self, at_most: float) -> float:
        return max(min(at_most, self.end - time.monotonic()), 0.001)

    def passed(self) -> bool:
        """Whether the deadline has come: the timer fired, or a socket timed out at it first (a
        socket's timeout is the time left, so on a loaded machine it may beat the timer thread)."""
        return self.expired or time.monotonic() >= self.end - SOCKET_SLACK_SECONDS

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down at the deadline; a duplicate handle, so TLS wrapping it later changes nothing."""
        with self._lock:
            self._handles.append(sock.dup())
            if self.expired:
                self._shut(self._handles[-1])

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for handle in self._handles:
                self._shut(handle)

    @staticmethod
    def _shut(handle: socket.socket) -> None:
        with contextlib.suppress(OSError):
            handle.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for handle in self._handles:
                handle.close()


class _Watched(smtplib.SMTP):
    """smtplib.SMTP whose socket the conversation's deadline can shut; notes when DATA began."""

    def __init__(self, deadline: _Deadline, **options):
        self.deadline, self.data_began = deadline, False
        super().__init__(**options)

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, self.deadline.left(timeout))
        self.deadline.watch(sock)
        return sock

    def data(self, msg):
        self.data_began = True
        return super().data(msg)


class _WatchedSsl(_Watched, smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        sock = socket.create_connection((host, port), self.deadline.left(timeout), self.source_address)
        self.deadline.watch(sock)  # before the TLS handshake, which a server can stall too
        return self.context.wrap_socket(sock, server_hostname=self._host)


class Smtp:
    """One SMTP session per mail, with the security the environment asks for, each within the
    overall deadline (SALESREPORT_SMTP_DEADLINE_SECONDS): a server that stalls past it is down."""

    name = "smtp"  # the ledger's key: whichever relay carries it, a delivery is a delivery

    def __init__(self, host: str, port: int, security: str, user: str | None, password: str | None,
                 deadline: float = config.DEFAULT_SMTP_DEADLINE):
        self.host, self.port, self.security, self.deadline = host, port, security, deadline
        self._user, self._password = user, password

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}（{self.security}）"

    def prepare(self) -> None:
        pass

    def _stalled(self, connection: _Watched | None) -> Stalled:
        return Stalled(f"{self.host}:{self.port} 在 {self.deadline:g} 秒内没有完成会话（smtp_deadline_seconds），"
                       "视为不可用", after_data=bool(connection and connection.data_began))

    def _connect(self, deadline: _Deadline) -> _Watched:
        """An open session (TLS as asked); ConnectionFailure when there is none to be had."""
        connection = None
        try:
            if self.security == "ssl":
                connection = _WatchedSsl(deadline, host=self.host, port=self.port, timeout=CONNECT_TIMEOUT_SECONDS,
                                         context=ssl.create_default_context())
            else:
                connection = _Watched(deadline, host=self.host, port=self.port, timeout=CONNECT_TIMEOUT_SECONDS)
            connection.sock.settimeout(deadline.left(TIMEOUT_SECONDS))
            if self.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            return connection
        except (smtplib.SMTPException, OSError) as error:  # OSError: refused, unreachable, timeout, TLS
            if connection is not None:
                connection.close()
            if deadline.passed():
                raise self._stalled(None) from None
            raise ConnectionFailure(f"无法连接 {self.host}:{self.port}：{type(error).__name__}: {error}") from None

    def send(self, message: EmailMessage, recipient: str, label: str = "") -> None:
        deadline = _Deadline(self.deadline)
        try:
            self._send(deadline, message, recipient)
        finally:
            deadline.close()

    def _send(self, deadline: _Deadline, message: EmailMessage, recipient: str) -> None:
        connection = self._connect(deadline)
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
            if deadline.passed():
                raise self._stalled(connection) from None
            raise TemporaryFailure(f"连接失败：{type(error).__name__}: {error}") from None


def _classified(code: int, reply) -> Exception:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    failure = TemporaryFailure if 400 <= code < 500 else PermanentFailure
    return failure(f"{code} {text}")


def from_settings(smtp: SmtpSettings | None, outbox: Path) -> Outbox | Smtp:
    """SMTP when a server is set, else the outbox folder `outbox`."""
    if smtp is None:
        return Outbox(outbox)
    return Smtp(smtp.host, smtp.port, smtp.security, smtp.user, smtp.password, smtp.deadline)

