"""The Telegram channel: an update in, handled in one transaction, then the button answered."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import Update

from bot.channels.telegram.updates import parse
from bot.messaging.agency_desk import AgencyDesk
from bot.messaging.pipeline import MessageProcessor

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
POLL_TIMEOUT = 25


class TelegramChannel:
    def __init__(self, bot: Bot, processor: MessageProcessor, desk: AgencyDesk) -> None:
        self.bot = bot
        self.processor = processor
        self.desk = desk

    async def handle(self, update: Update) -> None:
        """Commit the update's effects (or learn it was handled before); raises when nothing was kept."""
        parsed = parse(update)
        if parsed.person is not None:
            await self.processor.process(parsed.person)
        elif parsed.staff is not None:
            await self.desk.handle(parsed.staff)
        if parsed.callback_id:
            await self._close_button(parsed.callback_id, parsed.callback_chat_id, parsed.callback_message_id)

    async def _close_button(self, callback_id: str, chat_id: int | None, message_id: int | None) -> None:
        # Best effort and after commit: the effects are kept whether or not Telegram hears this.
        with contextlib.suppress(TelegramAPIError):
            await self.bot.answer_callback_query(callback_id)
        if chat_id is not None and message_id is not None:
            # The used keyboard goes, so an old button cannot be pressed again.
            with contextlib.suppress(TelegramAPIError):
                await self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling: the offset moves past an update only once its effects are committed."""
        offset: int | None = None
        with contextlib.suppress(TelegramAPIError):
            await self.bot.delete_webhook(drop_pending_updates=False)
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
            except TelegramRetryAfter as error:
                await _sleep(stop, float(error.retry_after))
                continue
            except (TelegramNetworkError, TelegramAPIError) as error:
                log.warning("getUpdates failed: %s", type(error).__name__)
                await _sleep(stop, 2.0)
                continue
            for update in updates:
                try:
                    await self.handle(update)
                except Exception:
                    # Not committed: stop here and fetch this update again, so nothing is lost.
                    log.exception("update %s failed; it will be fetched again", update.update_id)
                    await _sleep(stop, 2.0)
                    break
                offset = update.update_id + 1


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
