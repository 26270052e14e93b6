"""Settings: `salesreport.toml` (or --config FILE) under the SALESREPORT_* environment variables.

The file holds flat keys, each an environment variable's name without `SALESREPORT_`, in lower
case. A variable set (to a non-empty value) wins over the file. The SMTP password is read only
from SALESREPORT_SMTP_PASSWORD. Every value is checked when the settings are loaded, and a
message names where the bad one came from: the file and its line, or the variable.
"""
from __future__ import annotations

import math
import os
import re
import stat
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pipeline.errors import ConfigError
from pipeline.inputs import toml_errors
from pipeline.inputs.address import address_problem

PREFIX = "SALESREPORT_"
FILE_NAME = "salesreport.toml"
# Each key with the TOML types it may be written as: text, a whole number, a number, true/false,
# or a list of texts. A number or flag may also be written as text ("587"), as the variable holds it.
_TEXT, _INT, _NUMBER, _FLAG, _TEXTS = "文字", "整数", "数", "true/false", "文字或文字的列表"
KEY_TYPES = {"smtp_host": _TEXT, "smtp_port": _INT, "smtp_security": _TEXT, "smtp_user": _TEXT,
             "smtp_allow_plaintext": _FLAG, "smtp_deadline_seconds": _NUMBER, "mail_from": _TEXT,
             "alert_to": _TEXTS, "require_approval": _FLAG, "attach": _TEXTS, "max_mail_mb": _NUMBER,
             "archive_months": _INT}
KEYS = tuple(KEY_TYPES)
MAX_FILE_BYTES = 2**20  # a settings file is a few lines; a device or a huge file is never read whole
MAX_DEPTH = 32  # nesting of tables and arrays a settings file may have (the keys are flat)
DEFAULT_SMTP_DEADLINE = 60  # seconds a whole SMTP conversation may take, connecting included
PASSWORD = "SALESREPORT_SMTP_PASSWORD"
ALLOW_PLAINTEXT = "SALESREPORT_SMTP_ALLOW_PLAINTEXT"
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
ATTACH_FORMATS = ("docx", "pdf", "xlsx")
DEFAULT_MAX_MAIL_MB = 20
MIN_MAIL_MB = 0.01  # 10,000 bytes: less holds no mail with a document, and would print as 0 MB
DEFAULT_ARCHIVE_MONTHS = 24
DEFAULT_SENDER = "salesreport@localhost"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class Environment(dict):
    """The SALESREPORT_* settings (variable → text) and where each value from the file came from."""

    def __init__(self, values: Mapping[str, str], origins: Mapping[str, str]):
        super().__init__(values)
        self.origins = dict(origins)


def where(env: Mapping[str, str], variable: str) -> str:
    """`salesreport.toml 第3行 attach` for a value from the file, else the variable's name."""
    return getattr(env, "origins", {}).get(variable, variable)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none | starttls | ssl
    user: str | None
    password: str | None = field(default=None, repr=False)
    deadline: float = DEFAULT_SMTP_DEADLINE  # seconds for a whole conversation; a stall past it is a server down


@dataclass(frozen=True)
class Options:
    smtp: SmtpSettings | None  # None: the outbox
    sender: str = DEFAULT_SENDER
    alert_to: tuple[str, ...] = ()
    require_approval: bool = False
    attach: tuple[str, ...] = ("docx",)
    max_mail_bytes: int = DEFAULT_MAX_MAIL_MB * 1_000_000
    archive_months: int = DEFAULT_ARCHIVE_MONTHS


def load(environ: Mapping[str, str], path: Path | None = None, folder: Path = Path(".")) -> Options:
    """The settings of `path` (or `folder/salesreport.toml` when there is one) with the
    SALESREPORT_* variables of `environ` over them, read and checked once, every one of them (SMTP
    host or not); ConfigError listing every bad value. Passed as they are to what needs them."""
    file = path if path is not None else folder / FILE_NAME
    values, origins = _read(file) if path is not None or file.is_file() else ({}, {})
    given = variables(environ)
    values.update(given)
    return options(Environment(values, {name: at for name, at in origins.items() if name not in given}))


def variables(environ: Mapping[str, str]) -> Environment:
    """The SALESREPORT_* variables of `environ` set to a non-empty value: the settings without
    the file (where the file is what failed, an alert may still go where they say)."""
    return Environment({name: value for name, value in environ.items() if name.startswith(PREFIX) and value.strip()}, {})


def settings(given: Options | Mapping[str, str]) -> Options:
    """`given` itself when it is loaded settings, else the settings of that mapping of variables."""
    return given if isinstance(given, Options) else options(given)


def _read(file: Path) -> tuple[dict[str, str], dict[str, str]]:
    text = _file_text(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"配置文件 {file} 不是有效的 TOML：{toml_errors.explain(error)}") from None
    except RecursionError:
        raise ConfigError(f"配置文件 {file} 嵌套过深（超过 {MAX_DEPTH} 层），未读取；设置都是一层的键") from None
    lines = text.splitlines()
    values, origins, problems = {}, {}, []
    for key, value in data.items():
        line = _line_of(lines, key)
        at = f"{file} 第{line}行" if line else str(file)
        if key == "smtp_password":
            problems.append(f"{at}：smtp_password 不能写在配置文件里，密码只从环境变量 {PASSWORD} 读取")
        elif key not in KEYS:
            problems.append(f"{at}：未知的设置「{key}」（可用的设置：{'、'.join(KEYS)}）")
        elif (shown := _as_text(value, KEY_TYPES[key])) is None:
            problems.append(f"{at}：{key} 应为{KEY_TYPES[key]}，而不是 {_toml_type(value)}")
        else:
            values[PREFIX + key.upper()] = shown
            origins[PREFIX + key.upper()] = f"{at} {key}"
    if problems:
        raise ConfigError("\n".join(problems))
    return values, origins


def _file_text(file: Path) -> str:
    """The settings file's text: a regular file of at most MAX_FILE_BYTES, nested at most
    MAX_DEPTH deep. Opened without blocking, so a FIFO or device is refused rather than waited on."""
    try:
        handle = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ConfigError(f"找不到配置文件 {file}") from None
    except OSError as error:
        raise ConfigError(f"配置文件 {file} 无法读取：{error.strerror or error}") from None
    with os.fdopen(handle, "rb") as opened:
        if not stat.S_ISREG(os.fstat(opened.fileno()).st_mode):
            raise ConfigError(f"配置文件 {file} 不是普通文件（是文件夹、设备或管道），未读取")
        data = opened.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"配置文件 {file} 超过 {MAX_FILE_BYTES // 2**20} MB，未读取（设置文件只有几行）")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"配置文件 {file} 不是 UTF-8 文本：{error}") from None
    if _nesting(text) > MAX_DEPTH:
        raise ConfigError(f"配置文件 {file} 嵌套过深（超过 {MAX_DEPTH} 层），未读取；设置都是一层的键")
    return text


def _nesting(text: str) -> int:
    """The deepest run of `[`/`{` not closed, outside quotes: a bound the parser's depth never
    exceeds (brackets inside a comment or a string may count too, which only errs towards refusing
    absurd files)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n" and depth <= 1:
            depth = 0  # `[table]` headers close on their line
    return deepest


def _line_of(lines: list[str], key: str) -> int | None:
    """The line where `key` is set (or opens a table), as an editor numbers it."""
    name = re.escape(key)
    pattern = re.compile(rf"""^\s*\[*\s*(?:{name}|"{name}"|'{name}')\s*[=.\]]""")
    return next((number for number, line in enumerate(lines, 1) if pattern.match(line)), None)


def _as_text(value, kind: str) -> str | None:
    """A TOML value of `kind` as the environment variable would hold it; None for any other type
    (`smtp_port = true`, a table, a date …)."""
    if isinstance(value, str):
        return value
    if kind == _FLAG and isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bool):
        return None
    if (kind == _INT and isinstance(value, int)) or (kind == _NUMBER and isinstance(value, (int, float))):
        return str(value)
    if kind == _TEXTS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return None


def _toml_type(value) -> str:
    kinds = ((bool, "true/false"), (str, "文字"), (int, "整数"), (float, "小数"), (list, "列表"), (dict, "表"))
    shown = next((name for kind, name in kinds if isinstance(value, kind)), "日期或时间")
    return f"{shown}「{str(value)[:40]}」" if not isinstance(value, (list, dict)) else shown


def options(env: Mapping[str, str]) -> Options:
    """The typed settings of `env`; ConfigError naming where every bad value came from."""
    problems: list[str] = []

    def text(name: str) -> str:
        return env.get(PREFIX + name, "").strip()

    def bad(name: str, what: str) -> None:
        problems.append(f"{where(env, PREFIX + name)}：{what}")

    unsafe = {name for name in (key[len(PREFIX):] for key in env if key.startswith(PREFIX))
              if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in env[PREFIX + name].strip())}
    for name in sorted(unsafe):  # the value is not echoed: it could forge a line of the output
        bad(name, "含换行或控制字符，不能用在邮件头或地址里")
    alert_to = tuple(a.strip() for a in text("ALERT_TO").split(",") if a.strip())
    for address in alert_to if "ALERT_TO" not in unsafe else ():
        if why := address_problem(address):
            bad("ALERT_TO", f"「{address}」不是有效的邮箱地址：{why}")
    sender = text("MAIL_FROM")
    if sender and "MAIL_FROM" not in unsafe and (why := address_problem(sender)):
        bad("MAIL_FROM", f"「{sender}」不是有效的邮箱地址：{why}")
    attach = tuple(dict.fromkeys(a.strip().lower() for a in text("ATTACH").split(",") if a.strip())) or ("docx",)
    if set(attach) - set(ATTACH_FORMATS):
        bad("ATTACH", f"应为 docx、pdf、xlsx 中的一个或几个（用逗号分隔），而不是「{text('ATTACH')}」")
    options = Options(_smtp(env, bad), sender or DEFAULT_SENDER, alert_to,
                      _flag(text("REQUIRE_APPROVAL"), "REQUIRE_APPROVAL", bad), attach,
                      _max_mail_bytes(text("MAX_MAIL_MB"), bad), _archive_months(text("ARCHIVE_MONTHS"), bad))
    if problems:
        raise ConfigError("\n".join(problems))
    return options


def _flag(value: str, name: str, bad) -> bool:
    if value.lower() not in _TRUE + _FALSE + ("",):
        bad(name, f"应为 1 或 0（true/false），而不是「{value}」")
    return value.lower() in _TRUE


def _max_mail_bytes(value: str, bad) -> int:
    """Megabytes of 1,000,000 bytes, fractions allowed, as whole bytes."""
    if not value:
        return DEFAULT_MAX_MAIL_MB * 1_000_000
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = math.nan
    if not math.isfinite(megabytes) or megabytes < MIN_MAIL_MB:
        bad("MAX_MAIL_MB", f"应为大于 0 的数，至少 {MIN_MAIL_MB:g}（单位 MB，1 MB = 1,000,000 字节，可带小数），"
                           f"而不是「{value}」")
        return DEFAULT_MAX_MAIL_MB * 1_000_000
    return int(megabytes * 1_000_000)


def _archive_months(value: str, bad) -> int:
    if not value:
        return DEFAULT_ARCHIVE_MONTHS
    if not value.isdigit() or int(value) < 1:
        bad("ARCHIVE_MONTHS", f"应为至少 1 的整数（月数），而不是「{value}」")
        return DEFAULT_ARCHIVE_MONTHS
    return int(value)


def _smtp(env: Mapping[str, str], bad) -> SmtpSettings | None:
    """SMTP when SALESREPORT_SMTP_HOST is set, else None (the outbox). Every SMTP setting is
    checked either way: a bad one fails every command, not only the first run with a host."""
    host = env.get(PREFIX + "SMTP_HOST", "").strip()
    security = env.get(PREFIX + "SMTP_SECURITY", "").strip().lower() or "starttls"
    if security not in DEFAULT_PORTS:
        bad("SMTP_SECURITY", f"应为 none、starttls 或 ssl，而不是「{security}」")
        security = "starttls"
    port_text = env.get(PREFIX + "SMTP_PORT", "").strip()
    if port_text and not (port_text.isdigit() and port_text.isascii() and 0 < int(port_text) < 65536):
        bad("SMTP_PORT", f"应为端口号，而不是「{port_text}」")
        port_text = ""
    user, password = env.get(PREFIX + "SMTP_USER") or None, env.get(PASSWORD) or None
    allowed = _flag(env.get(ALLOW_PLAINTEXT, "").strip(), "SMTP_ALLOW_PLAINTEXT", bad)
    deadline = _deadline(env.get(PREFIX + "SMTP_DEADLINE_SECONDS", "").strip(), bad)
    if not host:
        return None
    if security == "none" and (user or password) and not allowed:
        bad("SMTP_SECURITY", "为 none 时登录密码会以明文经网络发送，已拒绝。请改用 starttls 或 ssl；"
                             f"若确实只在可信的本机或内网中继上使用，请同时设置 {ALLOW_PLAINTEXT}=1")
    return SmtpSettings(host, int(port_text) if port_text else DEFAULT_PORTS[security], security, user, password,
                        deadline)


def _deadline(value: str, bad) -> float:
    """Seconds, fractions allowed, more than 0 and at most a day."""
    if not value:
        return DEFAULT_SMTP_DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 < seconds <= 86_400):
        bad("SMTP_DEADLINE_SECONDS", f"应为大于 0、不超过 86400 的秒数，而不是「{value}」")
        return DEFAULT_SMTP_DEADLINE
    return seconds
