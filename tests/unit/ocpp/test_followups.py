"""Follow-ups: work queued during a CALL runs after its answer, in order, and one failure stops nothing."""

from __future__ import annotations

from ocpay.ocpp.followups import FollowUps, Work


def _step(log: list[str], name: str, fail: bool = False) -> Work:
    """Work that notes its name in `log` when it runs (and then fails, if asked to)."""

    async def work() -> None:
        log.append(name)
        if fail:
            raise RuntimeError(f"{name} failed")

    return work


async def test_queued_work_waits_for_start_then_runs_in_order() -> None:
    followups, log = FollowUps(), list[str]()
    followups.schedule("CS-1", _step(log, "cost message"))
    followups.schedule("CS-1", _step(log, "receipt"))

    assert log == []  # nothing runs before the answer is on the wire
    followups.start("CS-1")
    await followups.drain()

    assert log == ["cost message", "receipt"]


async def test_a_failing_follow_up_does_not_stop_the_next() -> None:
    followups, log = FollowUps(), list[str]()
    followups.schedule("CS-1", _step(log, "cost message", fail=True))
    followups.schedule("CS-1", _step(log, "receipt"))

    followups.start("CS-1")
    await followups.drain()

    assert log == ["cost message", "receipt"]


async def test_starting_one_station_leaves_the_others_queued() -> None:
    followups, log = FollowUps(), list[str]()
    followups.schedule("CS-1", _step(log, "for CS-1"))
    followups.schedule("CS-2", _step(log, "for CS-2"))

    followups.start("CS-1")
    await followups.drain()
    assert log == ["for CS-1"]

    followups.start("CS-2")
    await followups.drain()
    assert log == ["for CS-1", "for CS-2"]


async def test_work_runs_once() -> None:
    followups, log = FollowUps(), list[str]()
    followups.schedule("CS-1", _step(log, "cost message"))

    followups.start("CS-1")
    await followups.drain()
    followups.start("CS-1")  # the next answer: nothing queued any more
    await followups.drain()

    assert log == ["cost message"]
