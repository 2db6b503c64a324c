"""`hoanhap serve --workers N`: N serving processes on one port, kept alive.

Each child is a whole `hoanhap serve` (web, webhooks, its own outbox sender) that binds the port with
SO_REUSEPORT, so the kernel spreads connections over them; they share nothing but PostgreSQL, where
leases keep a chat's messages in order and each sent once. Child 0 alone also runs what must not run
N times over (long polls, registering bot commands, escalation and retention rounds). A child that
dies is started again; the outbox rows the dead one had leased (each child is given its sender's name,
so the supervisor knows whose they are) are taken back as soon as it is seen dead, for the living
children to send, and again by the replacement at its start, instead of waiting out their lease;
SIGTERM or SIGINT is passed on to every child, which finishes the rows in hand.

Children are forked from multiprocessing's fork server, which has imported what serving needs
(bot.cli.child): a replacement serves about 1.5 s after a crash instead of first spending
seconds of a core on imports that the living children need to work off the backlog. A child is
told to stop (SIGTERM) when the fork server ends, as it does when the supervisor does, so none
serves on out of reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Protocol

log = logging.getLogger(__name__)
# A child that lived shorter than this is restarted after a growing pause: a crash loop (a bad
# setting, the database away) must not spin the machine.
STEADY_SECONDS = 10.0
MAX_PAUSE_SECONDS = 10.0
# A dead child's rows are taken back at once and again this long after (see _keep).
RECLAIM_AGAIN_SECONDS = 2.0


class Child(Protocol):
    """A started serving process, as asyncio's subprocesses have it."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...

    def terminate(self) -> None: ...

    def kill(self) -> None: ...


# Starts child `index` with these variables added to its environment.
Start = Callable[[int, dict[str, str]], Awaitable[Child]]


class ForkedChild:
    """A child forked by the fork server; its exit is seen on its sentinel, without a thread."""

    def __init__(self, process: BaseProcess) -> None:
        self._process = process
        self._exited: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int:
        return self._process.pid or 0  # set by start(), before a ForkedChild is made

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    async def wait(self) -> int:
        if self._exited is None:
            # One reader per child: a second add_reader on the same descriptor would replace the first.
            loop = asyncio.get_running_loop()
            exited = self._exited = loop.create_future()
            sentinel = self._process.sentinel
            loop.add_reader(sentinel, _settle, exited)
            exited.add_done_callback(lambda _: loop.remove_reader(sentinel))
        await asyncio.shield(self._exited)
        self._process.join()
        # The sentinel also fires when the fork server dies; the child (told by SIGTERM, bot.cli.child)
        # may still be finishing its rows, which must not be taken back or doubled by a replacement.
        while _alive(self.pid):  # noqa: ASYNC110 (not our child: no event tells of its end)
            await asyncio.sleep(0.1)
        return self._process.exitcode or 0

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()


def _alive(pid: int) -> bool:
    """Whether `pid` runs (not ended, nor a zombie; one of ours, when we are its reaper, is reaped)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _settle(exited: asyncio.Future[None]) -> None:
    if not exited.done():
        exited.set_result(None)


def forked_children() -> Start:
    """Children forked from a fork server that has imported what serving needs (bot.cli.child)."""
    from bot.cli.child import PRELOAD, serve_child

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))

    async def start(index: int, variables: dict[str, str]) -> Child:
        process = context.Process(target=serve_child, args=(index, variables), name=f"hoanhap-serve-{index}")
        # Blocking: the first start also starts the fork server and waits for its imports.
        await asyncio.to_thread(process.start)
        return ForkedChild(process)

    return start


def command_children(command: Sequence[str]) -> Start:
    """Children run as `command --child i` (tests run stand-ins this way)."""

    async def start(index: int, variables: dict[str, str]) -> Child:
        environment = {**os.environ, **variables}
        return await asyncio.create_subprocess_exec(*command, "--child", str(index), env=environment)

    return start


@dataclass
class Supervisor:
    workers: int
    start: Start = field(default_factory=forked_children)
    grace_seconds: float = 30.0
    # Called with a dead child's sender name as soon as the child is seen to exit: its leased outbox
    # rows go back to the living senders now, not when its replacement has started or their lease ran out.
    reclaim: Callable[[str], Awaitable[int]] | None = None
    _children: dict[int, Child] = field(default_factory=dict, init=False)
    _later: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    async def run(self, stop: asyncio.Event) -> int:
        keepers = [asyncio.create_task(self._keep(index, stop)) for index in range(self.workers)]
        await stop.wait()
        await self._terminate()
        await asyncio.gather(*keepers, return_exceptions=True)
        for task in self._later:
            task.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
        return 0

    def pids(self) -> list[int]:
        return [child.pid for child in self._children.values() if child.returncode is None]

    async def _keep(self, index: int, stop: asyncio.Event) -> None:
        pause = 0.5
        dead = ""
        while not stop.is_set():
            started = time.monotonic()
            sender = f"child{index}-{secrets.token_hex(6)}"
            child = await self.start(index, {"HOANHAP_SENDER_ID": sender, "HOANHAP_RECLAIM_SENDERS": dead})
            self._children[index] = child
            if stop.is_set():  # stopped while it started (the first start waits for the fork server's imports)
                child.terminate()
            returncode = await child.wait()
            dead = sender
            if stop.is_set():
                return
            await self._reclaim(sender)
            # Once more a moment later: a lease the dead process's connection had under way when it died
            # may commit after the first look (its server backend finishes the statement), and would
            # otherwise wait out the whole lease.
            again = asyncio.create_task(self._reclaim(sender, after=RECLAIM_AGAIN_SECONDS))
            self._later.add(again)
            again.add_done_callback(self._later.discard)
            lived = time.monotonic() - started
            pause = 0.5 if lived > STEADY_SECONDS else min(MAX_PAUSE_SECONDS, pause * 2)
            log.warning("serving process %d (pid %d) ended with %s; starting it again", index, child.pid, returncode)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)

    async def _reclaim(self, sender: str, after: float = 0.0) -> None:
        if self.reclaim is None:
            return
        if after:
            await asyncio.sleep(after)
        try:
            taken = await self.reclaim(sender)
        except Exception:  # the database away: the replacement takes them back at its start, or the lease runs out
            log.warning("could not take back the outbox rows of %s", sender, exc_info=True)
            return
        if taken:
            log.info("outbox: %d rows of the dead sender %s taken back", taken, sender)

    async def _terminate(self) -> None:
        running = [child for child in self._children.values() if child.returncode is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.terminate()
        try:
            await asyncio.wait_for(asyncio.gather(*(c.wait() for c in running)), self.grace_seconds)
        except TimeoutError:
            for child in running:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
