"""The gateway's limits with a hand-driven clock: frame rates, failed logins, rate-limited log lines."""

from __future__ import annotations

import pytest

from ocpay.gateway.limits import FailureWindow, LogLimiter, TokenBucket, printable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_frames_wait_one_token_interval_each() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == pytest.approx(0.1)
    assert bucket.take() == pytest.approx(0.2)  # the frame before it waits too: waits add up
    clock.now += 10  # idle: the bucket refills, but only to the burst
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() > 0


def test_a_rate_of_zero_is_no_limit() -> None:
    bucket = TokenBucket(rate=0, burst=0, clock=Clock())
    assert all(bucket.take() == 0 for _ in range(10_000))


def test_failures_within_the_window_block_the_key_until_the_oldest_expires() -> None:
    clock = Clock()
    window = FailureWindow(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert window.retry_after("CP-1") == 0
        window.failed("CP-1")
        clock.now += 1
    assert window.retry_after("CP-1") == pytest.approx(57)
    assert window.retry_after("CP-2") == 0  # other keys are not affected
    clock.now += 57
    assert window.retry_after("CP-1") == 0


def test_a_limit_of_zero_never_blocks() -> None:
    window = FailureWindow(limit=0, window=60, clock=Clock())
    for _ in range(100):
        window.failed("x")
    assert window.retry_after("x") == 0


def test_the_failure_table_stays_bounded_under_many_keys() -> None:
    clock = Clock()
    window = FailureWindow(limit=5, window=60, max_keys=100, clock=clock)
    for n in range(10_000):
        window.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(window._failures) <= 100


def test_a_log_line_per_key_and_interval_with_the_count_held_back() -> None:
    clock = Clock()
    limiter = LogLimiter(interval=60, clock=clock)
    assert limiter.allow(("CP-1", "frame")) == 0
    assert [limiter.allow(("CP-1", "frame")) for _ in range(5)] == [None] * 5
    assert limiter.allow(("CP-2", "frame")) == 0  # another station, its own line
    clock.now += 60
    assert limiter.allow(("CP-1", "frame")) == 5


def test_the_log_limiter_stays_bounded() -> None:
    limiter = LogLimiter(interval=60, max_keys=50, clock=Clock())
    for n in range(1000):
        limiter.allow(n)
    assert len(limiter._last) <= 50


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("CP-1", "CP-1"),
        ("CP\nINFO forged", "CP\\nINFO forged"),
        ("CP\x00", "CP\\x00"),
        ("CP\u202eevil", "CP\\u202eevil"),
        ("A" * 150, "A" * 100 + "..."),
    ],
)
def test_log_text_is_escaped_and_cut(value: str, shown: str) -> None:
    assert printable(value) == shown
    assert "\n" not in printable(value)
