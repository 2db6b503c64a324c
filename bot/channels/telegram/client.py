"""The aiogram Bot, pointed at the public Bot API or at HOANHAP_TELEGRAM_API_BASE (self-hosted, or a fake)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageReplyMarkup,
    GetUpdates,
    SendMessage,
    SetMyCommands,
    SetWebhook,
)
from aiogram.methods.base import Response
from aiogram.types import BotCommand

from handlers.commands import COMMANDS
from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues

# aiogram reads every answer as Response[the method's result], a generic pydantic model that pydantic
# caches only weakly: each time the cyclic collector frees one, the next call builds it again, which
# took a tenth of a serving process's CPU under load. Held here for the methods we call.
_RESPONSE_MODELS = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        AnswerCallbackQuery,
        EditMessageReplyMarkup,
        GetUpdates,
        SetMyCommands,
        SetWebhook,
        DeleteWebhook,
    )
)


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")), timeout=65)
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def register_commands(bot: Bot) -> None:
    """Telegram's command menu, from the core's command list: described in the default locale for
    everyone, and in each other locale for people whose Telegram is set to that language."""
    texts = Texts(load_catalogues())
    for locale in (texts.default_locale, *(loc for loc in texts.locales if loc != texts.default_locale)):
        menu = [BotCommand(command=c.shown, description=texts.get(locale, c.description_key)) for c in COMMANDS]
        await bot.set_my_commands(menu, language_code=None if locale == texts.default_locale else locale)
