"""Sending a composed mail: SMTP from the environment, or an .eml outbox when no server is set.

Passwords come only from the environment and are never printed or logged.
"""
from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Mapping

from .errors import SalesReportError
from .publish import safe_name

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
TIMEOUT_SECONDS = 30


class TemporaryFailure(Exception):
    """Worth retrying: a 4xx reply, a dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Not worth retrying: a 5xx reply; the message holds the server's words."""


class ConfigError(SalesReportError):
    exit_code = 2


class Outbox:
    """Writes each mail as `<recipient>.eml` under `folder`; any mail client opens it."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return f"outbox（{self.folder}）"

    def send(self, message: EmailMessage, recipient: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{safe_name(recipient)}.eml"
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)


class Smtp:
    """One SMTP session per mail, with the security the environment asks for."""

    name = "smtp"  # the ledger's key: whichever relay carries it, a delivery is a delivery

    def __init__(self, host: str, port: int, security: str, user: str | None, password: str | None):
        self.host, self.port, self.security = host, port, security
        self._user, self._password = user, password

    def describe(self) -> str:
        return f"SMTP {self.host}:{self.port}（{self.security}）"

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
        connection = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        if self.security == "starttls":
            connection.starttls(context=ssl.create_default_context())
        return connection

    def send(self, message: EmailMessage, recipient: str) -> None:
        try:
            with self._connect() as connection:
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


def from_environment(env: Mapping[str, str], outbox: Path) -> Outbox | Smtp:
    """SMTP when SALESREPORT_SMTP_HOST is set, else the outbox."""
    host = env.get("SALESREPORT_SMTP_HOST", "").strip()
    if not host:
        return Outbox(outbox)
    security = env.get("SALESREPORT_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in DEFAULT_PORTS:
        raise ConfigError(f"SALESREPORT_SMTP_SECURITY 应为 none、starttls 或 ssl，而不是「{security}」")
    port_text = env.get("SALESREPORT_SMTP_PORT", "").strip()
    if port_text and not port_text.isdigit():
        raise ConfigError(f"SALESREPORT_SMTP_PORT 应为端口号，而不是「{port_text}」")
    port = int(port_text) if port_text else DEFAULT_PORTS[security]
    return Smtp(host, port, security, env.get("SALESREPORT_SMTP_USER") or None,
                env.get("SALESREPORT_SMTP_PASSWORD") or None)


def sender(env: Mapping[str, str] = os.environ) -> str:
    return env.get("SALESREPORT_MAIL_FROM", "").strip() or "salesreport@localhost"
