"""What every sub-command module of `hoanhap` shares: the parser types, opening the app, printing."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeAlias

from bot.app import App, create_app
from bot.config import Settings

# argparse names the type of `add_subparsers()`'s result only privately, and it is generic only to type checkers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# A sub-command's handler, set on its parser as `run`: the exit code from the app and the parsed options.
Command = Callable[[App, argparse.Namespace], Awaitable[int]]


def reader_locale() -> str:
    """The language of whoever reads the terminal: Vietnamese when their locale says so, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(variable, "")
        if value:
            return "vi" if value.lower().startswith("vi") else "en"
    return "en"


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str, indent=2) + "\n")


def write_out(text: str, out: str) -> None:
    """To the file named by --out, or to standard output when none is."""
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


async def run_in_app(args: argparse.Namespace) -> int:
    """The parsed command's handler, with the app opened from the environment's settings and closed after."""
    app = await create_app(Settings())
    try:
        run: Command = args.run
        return await run(app, args)
    finally:
        await app.close()
