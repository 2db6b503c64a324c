"""`hoanhap serve --workers N`: N serving processes on one port, kept alive.

Each child is a whole `hoanhap serve` (web, webhooks, its own outbox sender) that binds the port with
SO_REUSEPORT, so the kernel spreads connections over them; they share nothing but PostgreSQL, where
leases keep a chat's messages in order and each sent once. Child 0 alone also runs what must not run
N times over (long polls, registering bot commands, escalation and retention rounds). A child that
dies is started again; the outbox rows the dead one had leased (each child is given its sender's name,
so the supervisor knows whose they are) are taken back as soon as it is seen dead, for the living
children to send, and again by the replacement at its start, instead of waiting out their lease;
SIGTERM or SIGINT is passed on to every child, which finishes the rows in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
# A child that lived shorter than this is restarted after a growing pause: a crash loop (a bad
# setting, the database away) must not spin the machine.
STEADY_SECONDS = 10.0
MAX_PAUSE_SECONDS = 10.0
# A dead child's rows are taken back at once and again this long after (see _keep).
RECLAIM_AGAIN_SECONDS = 2.0


@dataclass
class Supervisor:
    workers: int
    # How a child is started: `python -m bot.cli.main serve --child i` (tests may run another command).
    command: tuple[str, ...] = (sys.executable, "-m", "bot.cli.main", "serve")
    grace_seconds: float = 30.0
    # Called with a dead child's sender name as soon as the child is seen to exit: its leased outbox
    # rows go back to the living senders now, not when its replacement has started or their lease ran out.
    reclaim: Callable[[str], Awaitable[int]] | None = None
    _children: dict[int, asyncio.subprocess.Process] = field(default_factory=dict, init=False)
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
            environment = {**os.environ, "HOANHAP_SENDER_ID": sender, "HOANHAP_RECLAIM_SENDERS": dead}
            child = await asyncio.create_subprocess_exec(*self.command, "--child", str(index), env=environment)
            self._children[index] = child
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
                child.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.gather(*(c.wait() for c in running)), self.grace_seconds)
        except TimeoutError:
            for child in running:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
