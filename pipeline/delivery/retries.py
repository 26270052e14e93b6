"""Sending one message with retries: temporary failures are retried with back-off, and a circuit
breaker across mails stops the run when the server is down (or stalls past its deadline)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pipeline.errors import ConnectionFailure, PermanentFailure, ServerDown, Stalled, TemporaryFailure

MAX_TRIES = 4  # per mail and run: the first try and three retries
DEAD_AFTER = 3  # consecutive failed connections after which the server counts as down for this run


@dataclass
class Breaker:
    """Counts failed connections in a row, across mails: a server known to be down is not tried
    again for every mail (each would cost its back-off)."""

    failures: int = 0

    def failed(self, error: ConnectionFailure) -> None:
        if isinstance(error, Stalled):  # a stall costs the whole deadline: once is enough
            raise ServerDown(f"邮件服务器 {error}，本次不再尝试", in_flight=error.after_data)
        self.failures += 1
        if self.failures >= DEAD_AFTER:
            raise ServerDown(f"邮件服务器连续 {DEAD_AFTER} 次无法连接，本次不再尝试（{error}）")


def send_with_retries(transport, message, recipient: str, retry_delay: float,
                       sleep: Callable[[float], None], breaker: Breaker, label: str = "") -> str | None:
    """None when sent, else the last error; temporary failures are retried with back-off.
    ServerDown when the breaker finds the server down."""
    for attempt in range(1, MAX_TRIES + 1):
        try:
            transport.send(message, recipient, label)
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
