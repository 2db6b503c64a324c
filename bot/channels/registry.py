"""The channels there are (kind -> class), and those the settings turn on.

Each channel module registers its class with `@register`: what it needs from the settings to be on,
how it is built (its transport among it), its webhook router, its long poll, its close. The
composition root asks for the configured ones and wires them in one loop.
"""

from __future__ import annotations

import asyncio
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from bot.channels.base import Transport
from bot.clock import Sleep

if TYPE_CHECKING:
    from fastapi import APIRouter

    from bot.app import App
    from bot.config import Settings

Poller = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
# Imported only when channels are wired, so that the command line's other commands never load
# aiogram or the platforms' clients.
MODULES = ("bot.channels.telegram.channel", "bot.channels.zalo.bot_platform", "bot.channels.zalo.oa")


class Channel(ABC):
    kind: ClassVar[str]
    transport: Transport

    @staticmethod
    @abstractmethod
    def configured(settings: Settings) -> bool:
        """Whether the settings this channel needs are present."""

    @classmethod
    @abstractmethod
    def build(cls, app: App, wake: Callable[[], None]) -> Self:
        """The channel and its transport; `wake` wakes the outbox sender after a commit of new rows."""

    def router(self) -> APIRouter | None:
        """Its webhook endpoint, if it takes one."""
        return None

    async def start(self) -> None:
        """What serving does first (not a worker): Telegram's command menu."""
        return None

    async def poller(self) -> Poller | None:
        """The long poll `serve` runs when no webhook is registered, if the platform offers one."""
        return None

    async def close(self) -> None:
        """Its clients' connections."""
        return None


_CHANNELS: dict[str, type[Channel]] = {}
C = TypeVar("C", bound=type[Channel])


def register(channel: C) -> C:
    _CHANNELS[channel.kind] = channel
    return channel


def channel_classes() -> dict[str, type[Channel]]:
    for module in MODULES:
        importlib.import_module(module)
    return dict(_CHANNELS)


def configured_channels(app: App, wake: Callable[[], None]) -> list[Channel]:
    return [cls.build(app, wake) for cls in channel_classes().values() if cls.configured(app.settings)]


async def pause(stop: asyncio.Event, seconds: float, sleep: Sleep) -> None:
    """A poller's wait of `seconds`, as `sleep` passes them, cut short when serving stops."""
    waits = [asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(stop.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()
    await asyncio.gather(*waits, return_exceptions=True)
