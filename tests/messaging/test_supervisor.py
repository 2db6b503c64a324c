"""`serve --workers N` restarts a dead child under a new sender name, telling it the dead one's."""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path

import pytest

import bot.supervisor as supervisor_module
from bot.supervisor import Child, Supervisor, command_children

# A stand-in child: notes the names it was given, then dies at once (as a kill -9 would end it).
CHILD = (
    "import os, sys; "
    "names = os.environ['HOANHAP_SENDER_ID'] + ' ' + os.environ['HOANHAP_RECLAIM_SENDERS']; "
    "open(sys.argv[1], 'a').write(names + '\\n'); "
    "sys.exit(9)"
)


async def test_a_restarted_child_is_told_the_dead_senders_name(tmp_path: Path) -> None:
    notes = tmp_path / "children.txt"
    supervisor = Supervisor(1, start=command_children((sys.executable, "-c", CHILD, str(notes))), grace_seconds=5)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop))
    for _ in range(200):
        if notes.exists() and len(notes.read_text().splitlines()) >= 3:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 10)
    lines = [line.split(" ") for line in notes.read_text().splitlines()]
    assert len(lines) >= 3
    names = [line[0] for line in lines]
    assert len(set(names)) == len(names) and all(n.startswith("child0-") for n in names)
    assert lines[0][1] == ""  # the first child replaces nobody
    for before, after in itertools.pairwise(lines):
        assert after[1] == before[0]


async def test_a_dead_childs_rows_are_taken_back_as_soon_as_it_is_seen_dead(tmp_path: Path) -> None:
    """The supervisor hands the dead sender's name to `reclaim` before starting the replacement, so
    the living children may send its rows at once (not after its lease, nor after the new start-up)."""
    notes = tmp_path / "children.txt"
    reclaimed: list[tuple[str, int]] = []

    async def reclaim(sender: str) -> int:
        started = len(notes.read_text().splitlines()) if notes.exists() else 0
        reclaimed.append((sender, started))
        return 1

    supervisor = Supervisor(
        1, start=command_children((sys.executable, "-c", CHILD, str(notes))), grace_seconds=5, reclaim=reclaim
    )
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop))
    for _ in range(200):
        if len(reclaimed) >= 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 10)
    names = [line.split(" ")[0] for line in notes.read_text().splitlines()]
    # Each dead child's name, while only it had been started (its replacement not yet).
    assert reclaimed[:2] == [(names[0], 1), (names[1], 2)]


async def test_a_dead_childs_rows_are_looked_for_again_a_moment_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lease the dead child's connection had under way may commit after the first look: the
    supervisor looks again (RECLAIM_AGAIN_SECONDS later) instead of leaving those rows to their lease."""
    monkeypatch.setattr(supervisor_module, "RECLAIM_AGAIN_SECONDS", 0.3)
    notes = tmp_path / "children.txt"
    reclaimed: list[tuple[str, float]] = []

    async def reclaim(sender: str) -> int:
        reclaimed.append((sender, time.monotonic()))
        return 0

    supervisor = Supervisor(
        1, start=command_children((sys.executable, "-c", CHILD, str(notes))), grace_seconds=5, reclaim=reclaim
    )
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.run(stop))
    first = ""
    for _ in range(200):
        first = notes.read_text().split(" ")[0] if notes.exists() else ""
        if [name for name, _ in reclaimed].count(first) >= 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(running, 10)
    looks = [at for name, at in reclaimed if name == first]
    assert len(looks) == 2
    assert looks[1] - looks[0] >= 0.3


async def test_a_child_still_starting_when_told_to_stop_is_stopped_too() -> None:
    """The first start waits for the fork server's imports: a SIGTERM then finds no child to pass
    itself on to, so the child that comes up after it must be stopped by its keeper."""
    started: list[int] = []

    async def slow_start(index: int, variables: dict[str, str]) -> Child:
        await asyncio.sleep(0.5)
        child = await command_children((sys.executable, "-c", "import time; time.sleep(120)"))(index, variables)
        started.append(child.pid)
        return child

    stop = asyncio.Event()
    running = asyncio.create_task(Supervisor(1, start=slow_start, grace_seconds=5).run(stop))
    await asyncio.sleep(0.1)
    stop.set()
    assert await asyncio.wait_for(running, 20) == 0
    assert len(started) == 1
