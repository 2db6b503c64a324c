"""The Telegram channel: an update in, handled in one transaction, then the button answered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter
from aiogram.types import Update
from fastapi import APIRouter

from bot.channels.registry import Channel, Poller, pause, register
from bot.channels.telegram.client import make_bot, register_commands
from bot.channels.telegram.notifier import TelegramNotifier
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.updates import CHANNEL, ParsedUpdate, parse
from bot.channels.telegram.webhook import ALLOWED_UPDATES, webhook_router, webhook_secret
from bot.channels.webhooks import WebhookSecret
from bot.clock import Sleep
from bot.messaging.agency_desk import AgencyDesk
from bot.messaging.pipeline import MessageProcessor

if TYPE_CHECKING:
    from bot.app import App
    from bot.config import Settings

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
# After a failed getUpdates or update, before trying again.
PAUSE_SECONDS = 2.0
# The longest text answerCallbackQuery shows.
ALERT_LIMIT = 200


@register
class TelegramChannel(Channel):
    kind = CHANNEL

    def __init__(
        self,
        bot: Bot,
        processor: MessageProcessor,
        desk: AgencyDesk,
        transport: TelegramTransport,
        secret: WebhookSecret,
        *,
        polls: bool = True,
        sleep: Sleep = asyncio.sleep,
        notifier: TelegramNotifier | None = None,
    ) -> None:
        self.bot = bot
        self.processor = processor
        self.desk = desk
        self.transport = transport
        self.secret = secret
        self.polls = polls
        self.sleep = sleep
        self.notifier = notifier

    @staticmethod
    def configured(settings: Settings) -> bool:
        return settings.telegram_token is not None and bool(settings.telegram_token.get_secret_value())

    @classmethod
    def build(cls, app: App, wake: Callable[[], None]) -> Self:
        token = app.settings.telegram_token
        bot = make_bot(token.get_secret_value() if token else "", app.settings.telegram_api_base)
        share_label = app.texts.get(app.texts.default_locale, "telegram_share_phone")
        return cls(
            bot,
            app.processor,
            AgencyDesk(app.database, app.texts, app.clock, wake, app.settings.max_message_chars),
            TelegramTransport(bot, share_label),
            webhook_secret(app),
            polls=not app.settings.telegram_webhook_url,
            sleep=app.sleep,
            notifier=_notifier(app),
        )

    def router(self) -> APIRouter:
        return webhook_router(self.handle, self.secret)

    async def start(self) -> None:
        try:
            await register_commands(self.bot)
        except Exception as error:  # the menu of commands is a nicety; serving goes on without it
            log.warning("could not register bot commands: %s", type(error).__name__)
        if self.notifier is not None and not self.notifier.username:
            # Once, so the web chat can link here; without it the web chat does not offer Telegram.
            try:
                me = await self.bot.get_me()
            except TelegramAPIError as error:
                log.warning("getMe failed (%s): no Telegram links in the web chat", type(error).__name__)
                return
            self.notifier.learn(me.username or "")

    async def poller(self) -> Poller | None:
        return self.poll if self.polls else None

    async def close(self) -> None:
        await self.bot.session.close()

    async def handle(self, update: Update) -> None:
        """Commit the update's effects (or learn it was handled before); raises when nothing was kept."""
        parsed = parse(update)
        alert = ""
        if parsed.person is not None:
            await self.processor.process(parsed.person)
        elif parsed.staff is not None:
            alert = (await self.desk.handle(parsed.staff)).alert
        if parsed.callback_id:
            await self._close_button(parsed, alert)

    async def _close_button(self, parsed: ParsedUpdate, alert: str) -> None:
        # Best effort and after commit: the effects are kept whether or not Telegram hears this.
        with contextlib.suppress(TelegramAPIError):
            if alert:
                # For the presser's eyes only (a phone number, a refusal); Telegram allows 200 characters.
                await self.bot.answer_callback_query(parsed.callback_id, text=alert[:ALERT_LIMIT], show_alert=True)
            else:
                await self.bot.answer_callback_query(parsed.callback_id)
        chat_id, message_id = parsed.callback_chat_id, parsed.callback_message_id
        if chat_id is not None and message_id is not None and not alert and not parsed.keeps_keyboard:
            # The used keyboard goes, so an old button cannot be pressed again; the phone button stays.
            with contextlib.suppress(TelegramAPIError):
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=parsed.lasting
                )

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
                await pause(stop, float(error.retry_after), self.sleep)
                continue
            except (TelegramNetworkError, TelegramAPIError) as error:
                log.warning("getUpdates failed: %s", type(error).__name__)
                await pause(stop, PAUSE_SECONDS, self.sleep)
                continue
            for update in updates:
                try:
                    await self.handle(update)
                except Exception:
                    # Not committed: stop here and fetch this update again, so nothing is lost.
                    log.exception("update %s failed; it will be fetched again", update.update_id)
                    await pause(stop, PAUSE_SECONDS, self.sleep)
                    break
                offset = update.update_id + 1


def _notifier(app: App) -> TelegramNotifier | None:
    """The app's Telegram notifier, whose username getMe may fill in at start."""
    found = app.processor.notifiers.get(CHANNEL)
    return found if isinstance(found, TelegramNotifier) else None
