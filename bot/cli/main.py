"""The `hoanhap` command: one sub-command module per noun, listed once below, each adding its parsers."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine
from types import ModuleType
from typing import Any

from bot.accounts import cli as accounts_cli
from bot.agencies import cli as agencies_cli
from bot.channels import cli as channels_cli
from bot.cli import runtime
from bot.cli.common import run_in_app
from bot.config import Settings
from bot.faq import cli as faq_cli
from bot.listings import cli as listings_cli
from bot.localities import cli as localities_cli
from bot.logging_setup import setup_logging
from bot.privacy import cli as privacy_cli
from bot.reference import cli as reference_cli
from bot.requests import cli as requests_cli
from bot.routing import cli as routing_cli

# Each exposes `register(subparsers)`; the order is the order of `hoanhap --help`.
COMMAND_MODULES: tuple[ModuleType, ...] = (
    runtime,  # init, chat, serve, worker
    faq_cli,  # kb
    reference_cli,  # data
    agencies_cli,  # agencies
    localities_cli,  # localities
    routing_cli,  # route
    requests_cli,  # requests
    listings_cli,  # listings
    accounts_cli,  # users, tokens
    channels_cli,  # telegram, zalo
    privacy_cli,  # retention
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hoanhap", description="Hòa Nhập: trợ lý tái hòa nhập cộng đồng")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _run(main: Coroutine[Any, Any, int]) -> int:
    """uvloop's event loop where it is installed (Linux and macOS: uvicorn[standard]), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level, secrets=settings.secret_values(), fmt=settings.log_format)
    # Windows consoles and pipes may default to a legacy code page; Vietnamese needs UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(encoding="utf-8", errors="replace")
    try:
        return _run(run_in_app(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`hoanhap kb match | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
