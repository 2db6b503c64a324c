"""One list of commands: every one is taken by a flow of the core's table, described in every
locale, and registered as Telegram's command menu in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.telegram.client import make_bot, register_commands
from handlers import core
from handlers.commands import COMMANDS, SlashCommand
from handlers.context import Context
from handlers.flows import unexpected
from handlers.messages import IncomingMessage
from handlers.state import ConversationState
from handlers.texts import Texts
from knowledge_base.bot_texts import load_catalogues
from tests.fakes.telegram_api import FakeTelegram

CATALOGUES = load_catalogues()


def _context() -> Context:
    # The table is walked without running anything: no port is touched.
    unused: Any = None
    return Context("test", 1, datetime(2025, 1, 1, tzinfo=UTC), ConversationState(), Texts(CATALOGUES), *([unused] * 7))


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.shown)
def test_every_name_of_every_command_is_taken_by_its_flow(command: SlashCommand) -> None:
    ctx = _context()
    for name in command.names:
        for typed in (f"/{name}", f"/{name.upper()}@HoaNhapBot", f"/{name} and more"):
            turn = core.read(IncomingMessage("test", "1", text=typed), ctx)
            taken = core.taker(turn, ctx)
            assert taken is not None and taken[0] is not unexpected.FLOW, typed


def test_an_unknown_command_goes_to_the_unknown_command_reply() -> None:
    ctx = _context()
    turn = core.read(IncomingMessage("test", "1", text="/khongco"), ctx)
    taken = core.taker(turn, ctx)
    assert taken is not None and taken[0] is unexpected.FLOW


def test_command_names_are_unique_and_described_in_every_locale() -> None:
    names = [name for command in COMMANDS for name in command.names]
    assert len(names) == len(set(names))
    for locale, catalogue in CATALOGUES.items():
        for command in COMMANDS:
            assert 1 <= len(catalogue.get(command.description_key, "")) <= 256, (locale, command.shown)


async def test_register_commands_sends_the_menu_in_each_language() -> None:
    async with FakeTelegram() as fake:
        bot = make_bot(fake.token, fake.base_url)
        try:
            await register_commands(bot)
        finally:
            await bot.session.close()
        texts = Texts(CATALOGUES)
        for locale, language_code in (("vi", ""), ("en", "en")):
            assert fake.commands(language_code=language_code) == [
                {"command": c.shown, "description": texts.get(locale, c.description_key)} for c in COMMANDS
            ]
        # the default menu (no language) is the one Telegram showed before: Vietnamese
        assert fake.commands()[0] == {"command": "start", "description": "Bắt đầu, xem menu"}
