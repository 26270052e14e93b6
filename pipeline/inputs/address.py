"""Mail addresses as salesreport accepts them wherever it reads one (org.csv, recipients.csv,
mail_from, alert_to, --to): only what every SMTP server can deliver as written.

`local@host`: the local part a dot-atom of ASCII letters, digits and ``!#$%&'*+-/=?^_`{|}~``
(dots between them, never two in a row, never first or last), at most 64 characters; the
host two or more labels of letters, digits and hyphens (no hyphen first or last, at most 63
characters each), no trailing dot; 254 characters in all. An international domain is written
in its encoded form (`xn--…`); any other non-ASCII character is refused, never re-encoded.
"""
from __future__ import annotations

import re

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
MAX_LOCAL, MAX_ADDRESS = 64, 254


def address_problem(text: str) -> str | None:
    """Why `text` is not an address salesreport can send to; None when it is one."""
    if not text.isascii():
        odd = next(c for c in text if not c.isascii())
        return (f"含非 ASCII 字符「{odd}」（U+{ord(odd):04X}）：地址只能用英文字母、数字和 .-_+ 等符号；"
                "中文域名请写成编码形式（xn--…）")
    if text.count("@") != 1:
        return "应恰好有一个 @（例如 name@example.com）"
    local, host = text.split("@")
    if not _LOCAL.fullmatch(local) or len(local) > MAX_LOCAL:
        return "@ 前面的部分无效（不能为空、不能有空格或引号，点不能在开头、结尾或连续出现，最多 64 个字符）"
    labels = host.split(".")
    if host.endswith("."):
        return "域名不能以点结尾"
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return "@ 后面的域名无效（应为用点分隔的几段字母、数字或连字符，例如 example.com，不能有连续的点）"
    if len(text) > MAX_ADDRESS:
        return f"超过 {MAX_ADDRESS} 个字符"
    return None


def is_email(text: str) -> bool:
    """Whether `text` is an address salesreport sends to (see `address_problem`)."""
    return address_problem(text) is None
