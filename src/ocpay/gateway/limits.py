"""Limits that keep one station (or one attacker) from slowing everyone: frame rates, failed logins, log lines.

Plain objects with an injectable clock, no I/O, so that each rule is tested with plain values. Every
table is bounded: keys expire, and the oldest go first when a table is full.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take` says how long to wait for the next one."""

    def __init__(self, rate: float, burst: float, clock: Clock = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, max(burst, 1.0), clock
        self._tokens = self.burst
        self._at = clock()

    def take(self) -> float:
        """Take one token; the seconds to wait before using it (0 when one was saved up)."""
        if self.rate <= 0:
            return 0.0
        moment = self.clock()
        self._tokens = min(self.burst, self._tokens + (moment - self._at) * self.rate)
        self._at = moment
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class FailureWindow:
    """At most `limit` failures per key in any `window` seconds; beyond that the key waits (`retry_after`)."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000, clock: Clock = time.monotonic) -> None:
        self.limit, self.window, self.max_keys, self.clock = limit, window, max_keys, clock
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        if self.limit <= 0:
            return 0.0
        failures = self._recent(key)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return max(failures[0] + self.window - self.clock(), 0.001)

    def failed(self, key: str) -> None:
        """Count a failure of `key`."""
        if self.limit <= 0:
            return
        failures = self._recent(key)
        if failures is None:
            if len(self._failures) >= self.max_keys:
                self._sweep()
            failures = self._failures[key] = deque(maxlen=self.limit)
        failures.append(self.clock())

    def _recent(self, key: str) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        horizon = self.clock() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def _sweep(self) -> None:
        """Forget expired keys; when still full, the oldest half."""
        horizon = self.clock() - self.window
        for key in [k for k, v in self._failures.items() if not v or v[-1] <= horizon]:
            del self._failures[key]
        if len(self._failures) >= self.max_keys:
            for key in list(self._failures)[: self.max_keys // 2]:
                del self._failures[key]


class LogLimiter:
    """One log line per key and `interval`; `allow` says how many were held back since the last one."""

    def __init__(self, interval: float = 60, max_keys: int = 10_000, clock: Clock = time.monotonic) -> None:
        self.interval, self.max_keys, self.clock = interval, max_keys, clock
        self._last: dict[object, tuple[float, int]] = {}

    def allow(self, key: object) -> int | None:
        """None: say nothing now. A number: log now, mentioning that many lines held back before."""
        moment = self.clock()
        last = self._last.get(key)
        if last is not None and moment - last[0] < self.interval:
            self._last[key] = (last[0], last[1] + 1)
            return None
        if last is None and len(self._last) >= self.max_keys:
            horizon = moment - self.interval
            self._last = {k: v for k, v in self._last.items() if v[0] > horizon}
            if len(self._last) >= self.max_keys:
                self._last.clear()
        self._last[key] = (moment, 0)
        return last[1] if last is not None else 0


def printable(value: str, limit: int = 100) -> str:
    """`value` for a log line: what is not printable ASCII escaped (no forged lines, no bidi tricks), cut."""
    text = value[:limit]
    cut = "..." if len(value) > limit else ""
    if text.isascii() and text.isprintable():
        return text + cut
    return text.encode("unicode_escape").decode("ascii") + cut
