"""The aiogram Bot, pointed at the public Bot API or at HOANHAP_TELEGRAM_API_BASE (self-hosted, or a fake)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand

# Commands shown in Telegram's menu, in Vietnamese: people read these, not developers.
COMMANDS = (
    ("start", "Bắt đầu, xem menu"),
    ("menu", "Về menu chính"),
    ("yeucau", "Yêu cầu của tôi"),
    ("huy", "Hủy việc đang làm"),
    ("trogiup", "Hướng dẫn sử dụng"),
    ("lang", "English / Tiếng Việt"),
)


def make_bot(token: str, api_base: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base.rstrip("/")), timeout=65)
    return Bot(token=token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def register_commands(bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command=name, description=text) for name, text in COMMANDS])
