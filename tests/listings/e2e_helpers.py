"""What the listings' end-to-end tests share: listings open on the real day (the served app runs on
the real clock), a staff account of the listing's agency, and a person on the fake Telegram server
who presses buttons by their label."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.accounts.service import create_user
from bot.app import App
from bot.channels.zalo.bot_platform import set_zalo_webhook
from bot.listings.service import create_listing, local_today
from tests.channels.test_telegram import Running, act
from tests.fakes.zalo_api import FakeZaloBot
from tests.listings.helpers import typed
from tests.serving import SkippingClock, demo_app, free_port, serving

JSON = dict[str, Any]
# The rules send employment to demo-vieclam; the listings here belong to the people's committee.
AGENCY = "demo-ubnd"
STAFF, STAFF_PASSWORD = "ubnd", "staff password 2"


async def published(app: App, *, publish: bool = True, agency: str = AGENCY, **changes: str) -> int:
    """A job of AGENCY for the whole province, open from today for a month."""
    async with app.uow() as uow:
        today = local_today(app.clock(), app.settings.timezone)
        fields = {"locality": "", "trade": "may", "start_date": "", "deadline": "", "employer": "HTX May Mẫu (mẫu)"}
        fields.update(expires=(today + timedelta(days=30)).isoformat(), **changes)
        row = await create_listing(
            uow, typed(**fields), agency_code=agency, actor="test", now=app.clock(), today=today, publish=publish
        )
        await uow.commit()
    return row.id


async def staff_of_agency(app: App) -> None:
    async with app.uow() as uow:
        await create_user(uow, STAFF, STAFF_PASSWORD, "staff", app.clock(), actor="test", agency_code=AGENCY)
        await uow.commit()


def buttons(message: JSON) -> list[tuple[str, str]]:
    """An inline keyboard as (label, callback data), row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(key["text"], key.get("callback_data", "")) for row in rows for key in row]


class TelegramPerson:
    """A person in a private chat with the bot, through the fake Bot API (polling or webhook)."""

    def __init__(self, r: Running, chat_id: int, name: str) -> None:
        self.r, self.chat_id = r, chat_id
        self.user = r.fake.user(chat_id, name)
        self.pressed: list[tuple[int, str]] = []

    async def _after(self, update: JSON, expect: str) -> JSON:
        return await self.r.fake.wait_for_text(self.chat_id, expect, timeout=15, start=self._before)

    async def says(self, text: str, expect: str) -> JSON:
        self._before = len(self.r.fake.sent(self.chat_id))
        await act(self.r, update := self.r.fake.send_text(self.chat_id, self.user, text))
        return await self._after(update, expect)

    async def shares_phone(self, phone: str, expect: str) -> JSON:
        self._before = len(self.r.fake.sent(self.chat_id))
        await act(self.r, update := self.r.fake.share_contact(self.chat_id, self.user, phone, self.chat_id))
        return await self._after(update, expect)

    def _button(self, label: str) -> tuple[int, str]:
        """The newest message with a button whose label holds `label`: its id and the button's data."""
        for record in reversed(self.r.fake.sent(self.chat_id)):
            for text, data in buttons(record):
                if label in text and data:
                    return record["message_id"], data
        raise AssertionError(f"no button {label!r} in {self.chat_id}: {self.r.fake.texts(self.chat_id)[-3:]!r}")

    async def presses(self, label: str, expect: str) -> JSON:
        message_id, data = self._button(label)
        self.pressed.append((message_id, data))
        self._before = len(self.r.fake.sent(self.chat_id))
        await act(self.r, update := self.r.fake.press(self.chat_id, self.user, message_id, data))
        return await self._after(update, expect)

    def keyboards_left(self) -> list[str]:
        """The buttons still on messages the person pressed (Telegram shows a keyboard until it is removed)."""
        left = []
        for message_id, _data in self.pressed:
            message = self.r.fake.message(self.chat_id, message_id) or {}
            left += [f"{message_id}:{d}" for _, d in buttons(message)]
        return left


NUMBERED_LINE = re.compile(r"^\s+(\d+)\. (.*)$")


class ZaloRunning:
    def __init__(self, app: App, bot: FakeZaloBot, webhook: bool) -> None:
        self.app, self.bot, self.webhook = app, bot, webhook


@pytest.fixture(params=["polling", "webhook"])
async def zalo(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> AsyncIterator[ZaloRunning]:
    """The real app's Zalo Bot Platform channel against the fake server, as tests/channels/test_zalo.py runs it."""
    bot = FakeZaloBot()
    await bot.start()
    port = free_port()
    webhook = request.param == "webhook"
    app = await demo_app(
        database_url, tmp_path, port, SkippingClock(), zalo_bot_token=bot.token, zalo_api_base=bot.base_url
    )
    if webhook:
        await set_zalo_webhook(app, f"http://127.0.0.1:{port}")
    try:
        async with serving(app):
            yield ZaloRunning(app, bot, webhook)
    finally:
        await bot.stop()


class ZaloPerson:
    """A person on Zalo, who reads numbered choices and types the number of the one they want."""

    def __init__(self, z: ZaloRunning, chat_id: str, name: str) -> None:
        self.z, self.chat_id = z, chat_id
        self.user = z.bot.user(chat_id, name)
        self._before = 0

    async def says(self, text: str, expect: str, timeout: float = 30) -> str:
        """What the bot sent after `text` up to the first message with `expect`, joined."""
        self._before = len(self.z.bot.texts(self.chat_id))
        event = self.z.bot.send_text(self.chat_id, self.user, text)
        if self.z.webhook:
            assert await self.z.bot.deliver_until_ok(event) == 200
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            new = self.z.bot.texts(self.chat_id)[self._before :]
            if any(expect in t for t in new):
                return "\n".join(new)
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"no {expect!r} on Zalo after {text!r}: {new!r}")
            await asyncio.sleep(0.05)

    def number_of(self, label: str) -> str:
        """The number typed for the newest numbered choice whose label holds `label`."""
        for text in reversed(self.z.bot.texts(self.chat_id)):
            for line in text.split("\n"):
                found = NUMBERED_LINE.match(line)
                if found and label in found.group(2):
                    return found.group(1)
        raise AssertionError(f"no numbered choice {label!r}: {self.z.bot.texts(self.chat_id)[-3:]!r}")

    async def chooses(self, label: str, expect: str) -> str:
        return await self.says(self.number_of(label), expect)
