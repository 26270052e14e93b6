"""Splitting a mail that is over the size limit into consecutive parts, each within it.

The size is the whole message as it goes over SMTP (headers, both bodies, the attachments in
base64, CRLF line ends). Attachments keep their order; each is in exactly one part.
"""
from __future__ import annotations

from email.message import EmailMessage
from typing import Callable

from pipeline.delivery.mail import Attachment

Build = Callable[[list[Attachment], int, int], EmailMessage]  # (attachments, part, parts) → the mail
_WIDEST_MARK = 99  # parts are measured as if marked （99/99）, the longest mark there will be


class TooLarge(Exception):
    """One attachment makes a mail over the limit on its own."""

    def __init__(self, name: str, size: int, limit: int):
        self.name, self.size, self.limit = name, size, limit
        super().__init__(f"附件「{name}」单独一封邮件就有 {size / 1e6:.2f} MB，超过每封邮件 {limit / 1e6:g} MB 的上限"
                         "（SALESREPORT_MAX_MAIL_MB），无法发送给此收件人")


def encoded_size(message: EmailMessage) -> int:
    """Bytes of the message as SMTP sends it (CRLF line ends)."""
    return len(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))


def split(attachments: list[Attachment], build: Build, limit: int) -> list[tuple[list[Attachment], EmailMessage]]:
    """The mail as one message when it fits, else as parts (attachments, message), each within `limit`.
    TooLarge names an attachment that cannot fit even alone."""
    whole = build(attachments, 1, 1)
    if encoded_size(whole) <= limit:
        return [(attachments, whole)]
    base = encoded_size(build([], _WIDEST_MARK, _WIDEST_MARK))
    costs = [encoded_size(build([a], _WIDEST_MARK, _WIDEST_MARK)) - base for a in attachments]
    for attachment, cost in zip(attachments, costs):
        if base + cost > limit:
            raise TooLarge(attachment.name, encoded_size(build([attachment], 1, 2)), limit)
    room = limit - base
    for _ in range(4):  # the sizes add up to within a few bytes; shrink the room by any overshoot
        chunks = _packed(attachments, costs, room)
        parts = [(chunk, build(chunk, number, len(chunks))) for number, chunk in enumerate(chunks, 1)]
        over = max(encoded_size(message) for _, message in parts) - limit
        if over <= 0:
            return parts
        room -= over
    raise TooLarge(max(attachments, key=lambda a: len(a.data)).name, limit + over, limit)


def _packed(attachments: list[Attachment], costs: list[int], room: int) -> list[list[Attachment]]:
    """Consecutive attachments into as few chunks as fill `room` in order."""
    chunks, used = [[]], 0
    for attachment, cost in zip(attachments, costs):
        if chunks[-1] and used + cost > room:
            chunks.append([])
            used = 0
        chunks[-1].append(attachment)
        used += cost
    return chunks
