"""A serving child of `hoanhap serve --workers N`, forked from a process that has imported it all.

Started as a fresh interpreter, a child spent some 4 s of CPU on imports alone (aiogram's types
most) before it could serve: after a crash that was the core the living children needed, and
replies waited behind it. The supervisor forks its children from multiprocessing's fork server
instead, which imports the modules below once; a child then starts with them in memory (shared
with its siblings until written) and only opens its connections and builds its matcher."""

from __future__ import annotations

import os
import sys

from bot.channels.registry import MODULES as CHANNEL_MODULES

# What `serve` imports, the channels it may wire among it; then the heap frozen (bot.cli.preloaded).
PRELOAD: tuple[str, ...] = ("bot.cli.main", "bot.runtime", "bot.web.app", *CHANNEL_MODULES, "bot.cli.preloaded")


def serve_child(index: int, variables: dict[str, str]) -> None:
    """`hoanhap serve --child index` in this process, with the variables the supervisor gives it."""
    from bot.cli.main import main

    os.environ.update(variables)
    sys.exit(main(["serve", "--child", str(index)]))
