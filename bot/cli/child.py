"""A serving child of `hoanhap serve --workers N`, forked from a process that has imported it all.

Started as a fresh interpreter, a child spent some 4 s of CPU on imports alone (aiogram's types
most) before it could serve: after a crash that was the core the living children needed, and
replies waited behind it. The supervisor forks its children from multiprocessing's fork server
instead, which imports the modules below once; a child then starts with them in memory (shared
with its siblings until written) and only opens its connections and builds its matcher."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from bot.channels.registry import MODULES as CHANNEL_MODULES

# prctl(2): the signal a process is sent when its parent ends.
PR_SET_PDEATHSIG = 1

# What `serve` imports, the channels it may wire among it; then the heap frozen (bot.cli.preloaded).
PRELOAD: tuple[str, ...] = ("bot.cli.main", "bot.runtime", "bot.web.app", *CHANNEL_MODULES, "bot.cli.preloaded")


def serve_child(index: int, variables: dict[str, str]) -> None:
    """`hoanhap serve --child index` in this process, with the variables the supervisor gives it."""
    from bot.cli.main import main

    _end_with_the_fork_server()
    os.environ.update(variables)
    sys.exit(main(["serve", "--child", str(index)]))


def _end_with_the_fork_server() -> None:
    """SIGTERM (finish the rows in hand, then stop) when the fork server ends, as it does when the
    supervisor does. Without it a child outlived a killed fork server or supervisor and went on
    serving the port, out of any supervisor's reach, while the supervisor started replacements."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the fork server was gone before the line above: nobody would tell us
        sys.exit(1)
