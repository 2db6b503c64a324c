"""The fake Telegram Bot API, checked through aiogram's own client: if aiogram is happy here, the bot will be."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from aiohttp import web

from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegram

CHAT = 42


def _bot(fake: FakeTelegram, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token=token or fake.token, session=session)


def _keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)] for text, data in pairs]
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = _bot(fake)
    try:
        yield client
    finally:
        await client.session.close()


@asynccontextmanager
async def receiver(
    answer: Callable[[web.Request], Awaitable[web.Response]] | None = None,
) -> AsyncIterator[tuple[str, list[tuple[dict[str, str], Any]]]]:
    """A tiny webhook endpoint: its URL and the (headers, JSON body) of every request it got."""
    received: list[tuple[dict[str, str], Any]] = []

    async def handle(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.json()))
        if answer is not None:
            return await answer(request)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/telegram/webhook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/telegram/webhook", received
    finally:
        await runner.cleanup()


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (123456, True, "HoaNhapBot", "hoanhap_bot")
    assert fake.calls == [("getMe", {})]
    assert fake.base_url.startswith("http://127.0.0.1:")


async def test_send_message_with_keyboard_and_html(fake: FakeTelegram, bot: Bot) -> None:
    markup = _keyboard(("Có", "yes"), ("Không", "no"))
    message = await bot.send_message(CHAT, "<b>Xin chào</b> An &amp; Bình", parse_mode="HTML", reply_markup=markup)

    # What aiogram got back is a Message as Telegram builds it: plain text plus entities.
    assert message.message_id == 1
    assert message.chat.id == CHAT and message.chat.type == "private"
    assert message.from_user is not None and message.from_user.id == 123456
    assert message.text == "Xin chào An & Bình"
    assert message.entities is not None
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 8)]
    assert message.reply_markup is not None
    assert message.reply_markup.model_dump() == markup.model_dump()

    [stored] = fake.sent(CHAT)
    assert stored["message_id"] == 1
    assert stored["text"] == "<b>Xin chào</b> An &amp; Bình"
    assert stored["parse_mode"] == "HTML"
    assert stored["reply_markup"] == {
        "inline_keyboard": [[{"text": "Có", "callback_data": "yes"}], [{"text": "Không", "callback_data": "no"}]]
    }
    assert stored["reply_to_message_id"] is None
    assert fake.texts(CHAT) == ["<b>Xin chào</b> An &amp; Bình"]
    assert fake.calls_of("sendMessage")[0]["chat_id"] == CHAT

    # Message ids count per chat; a negative chat id is a group.
    assert (await bot.send_message(CHAT, "hai")).message_id == 2
    group = await bot.send_message(-100500, "chào nhóm")
    assert (group.message_id, group.chat.type) == (1, "supergroup")
    assert group.chat.title


# One test rather than parametrized cases: each bot session takes aiogram a quarter second to close.
BAD_TEXTS = [
    ("x" * 4097, None, "message is too long"),
    ("<b>" + "x" * 4097 + "</b>", "HTML", "message is too long"),
    ("<b>đậm", "HTML", "can't parse entities"),
    ("<b><i>x</b></i>", "HTML", "can't parse entities"),
    ("dòng một<br>dòng hai", "HTML", "can't parse entities"),
    ('<span class="x">x</span>', "HTML", "can't parse entities"),
    ("1 < 2", "HTML", "can't parse entities"),
    ("AT&T", "HTML", "can't parse entities"),
    ("   ", None, "message text is empty"),
    ("<b></b>", "HTML", "message text is empty"),
]


async def test_bad_text_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    for text, parse_mode, error in BAD_TEXTS:
        with pytest.raises(TelegramBadRequest, match=error):
            await bot.send_message(CHAT, text, parse_mode=parse_mode)
    assert fake.sent(CHAT) == []
    assert len(fake.calls_of("sendMessage")) == len(BAD_TEXTS)


async def test_text_limits_and_html_that_parses(fake: FakeTelegram, bot: Bot) -> None:
    # 4096 is allowed, and the limit counts what is displayed, not the markup around it.
    await bot.send_message(CHAT, "x" * 4096)
    await bot.send_message(CHAT, "<i>" + "x" * 4096 + "</i>", parse_mode="HTML")
    html = (
        '<a href="https://example.org">liên kết</a> <code>1 &lt; 2</code> <tg-spoiler>bí mật</tg-spoiler> '
        '<pre><code class="language-python">x = 1</code></pre> <blockquote>trích</blockquote> a > b &#8364;'
    )
    message = await bot.send_message(CHAT, html, parse_mode="HTML")
    assert message.text == "liên kết 1 < 2 bí mật x = 1 trích a > b €"
    assert message.entities is not None
    assert [entity.type for entity in message.entities] == ["text_link", "code", "spoiler", "pre", "blockquote"]
    assert message.entities[3].language == "python"
    # Without a parse mode, tags are just text.
    assert (await bot.send_message(CHAT, "<b>1 < 2 & 3")).text == "<b>1 < 2 & 3"


async def test_callback_data_is_limited_to_64_bytes(fake: FakeTelegram, bot: Bot) -> None:
    # Bytes, not characters: "ư" takes two bytes in UTF-8.
    await bot.send_message(CHAT, "ok", reply_markup=_keyboard(("a", "x" * 64), ("b", "ư" * 32)))
    for data in ("x" * 65, "ư" * 33, ""):
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(CHAT, "quá dài", reply_markup=_keyboard(("a", data)))
    assert fake.texts(CHAT) == ["ok"]


async def test_get_updates_offset_semantics(fake: FakeTelegram, bot: Bot) -> None:
    an = fake.user(7, "An", username="an_vn")
    sent = [fake.send_text(7, an, f"tin {n}") for n in range(3)]
    assert [update["update_id"] for update in sent] == [1000, 1001, 1002]

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1000, 1001, 1002]
    assert updates[0].message is not None and updates[0].message.text == "tin 0"
    assert updates[0].message.from_user is not None and updates[0].message.from_user.username == "an_vn"
    # Without an offset nothing is confirmed, so the same updates come again.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [1000, 1001]
    # Asking from 1001 confirms 1000: it is gone even for a later call without an offset.
    assert [u.update_id for u in await bot.get_updates(offset=1001)] == [1001, 1002]
    assert [u.update_id for u in await bot.get_updates()] == [1001, 1002]
    assert await bot.get_updates(offset=1003) == []
    assert await bot.get_updates() == []
    assert fake.calls_of("getUpdates")[2] == {"offset": 1001}


async def test_long_poll_returns_an_update_as_soon_as_it_arrives(fake: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=1000, timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    fake.send_text(CHAT, fake.user(CHAT), "/start")
    updates = await asyncio.wait_for(poll, timeout=2)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [1000]
    message = updates[0].message
    assert message is not None and message.entities is not None and message.entities[0].type == "bot_command"


async def test_long_poll_times_out_empty(fake: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 2


async def test_a_second_get_updates_ends_the_waiting_one(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert await bot.get_updates() == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, timeout=2)


async def test_stop_does_not_wait_for_an_abandoned_long_poll() -> None:
    fake = FakeTelegram()
    await fake.start()
    client = _bot(fake)
    try:
        abandoned = asyncio.create_task(client.get_updates(timeout=25))
        await asyncio.sleep(0.1)
        # The client went away, but on the server the handler still waits for updates.
        abandoned.cancel()
        started = time.monotonic()
        await fake.stop()
        assert time.monotonic() - started < 0.5
    finally:
        await client.session.close()


async def test_stop_answers_a_waiting_long_poll_with_nothing() -> None:
    async with FakeTelegram() as fake:
        client = _bot(fake)
        try:
            poll = asyncio.create_task(client.get_updates(timeout=25))
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await fake.stop()
            assert await asyncio.wait_for(poll, timeout=2) == []
            assert time.monotonic() - started < 0.5
        finally:
            await client.session.close()


async def test_allowed_updates_filters_what_is_queued(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(allowed_updates=["callback_query"]) == []
    fake.send_text(CHAT, fake.user(CHAT), "không ai nghe")
    assert await bot.get_updates() == []
    assert len(fake.dropped_updates) == 1


async def test_retry_after_and_server_errors(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", 1, 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "một")
    assert caught.value.retry_after == 7

    fake.fail("sendMessage", 2, 500)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(CHAT, "hai")
    fake.fail("getMe", 1, 502, description="Bad Gateway")
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()

    # The faults are used up: the next call goes through, and every attempt was recorded.
    await bot.send_message(CHAT, "ba")
    assert fake.texts(CHAT) == ["ba"]
    assert [params["text"] for params in fake.calls_of("sendMessage")] == ["một", "hai", "hai", "ba"]


async def test_blocked_user(fake: FakeTelegram, bot: Bot) -> None:
    fake.forbid(CHAT)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "xin chào")
    await bot.send_message(CHAT + 1, "người khác vẫn nhận được")
    fake.unforbid(CHAT)
    await bot.send_message(CHAT, "đã bỏ chặn")
    assert fake.texts(CHAT) == ["đã bỏ chặn"]


async def test_wrong_token_and_unknown_method(fake: FakeTelegram) -> None:
    stranger = _bot(fake, token="999:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake.base_url}/bot{fake.token}/sendTeleport") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        # GET with a query string and POST with a JSON body are read like aiogram's forms.
        async with http.get(f"{fake.base_url}/bot{fake.token}/getUpdates?offset=5&timeout=0") as response:
            assert await response.json() == {"ok": True, "result": []}
        body = {"chat_id": "42", "text": "json", "reply_markup": json.dumps({"inline_keyboard": []})}
        async with http.post(f"{fake.base_url}/bot{fake.token}/sendMessage", json=body) as response:
            assert response.status == 200
        # A file among the fields makes the body multipart/form-data, as aiogram sends uploads.
        form = aiohttp.FormData()
        form.add_field("chat_id", "-43")
        form.add_field("text", "multipart")
        form.add_field("reply_markup", json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}))
        form.add_field("document", b"%PDF", filename="giay.pdf", content_type="application/pdf")
        async with http.post(f"{fake.base_url}/bot{fake.token}/sendMessage", data=form) as response:
            assert response.status == 200
    assert fake.calls_of("getUpdates") == [{"offset": 5, "timeout": 0}]
    assert fake.calls_of("sendMessage") == [
        {"chat_id": 42, "text": "json", "reply_markup": {"inline_keyboard": []}},
        {
            "chat_id": -43,
            "text": "multipart",
            "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
            "document": {"filename": "giay.pdf", "content_type": "application/pdf"},
        },
    ]
    assert fake.sent(-43)[0]["reply_markup"] == {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}


async def test_button_press_answer_and_keyboard_removal(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Chọn:", reply_markup=_keyboard(("Có", "yes")))
    update = fake.press(CHAT, fake.user(CHAT), sent.message_id, "yes")

    [received] = await bot.get_updates()
    query = received.callback_query
    assert query is not None and query.data == "yes" and query.id == update["callback_query"]["id"]
    assert query.message is not None and query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Đã nhận")
    assert fake.calls_of("answerCallbackQuery") == [{"callback_query_id": query.id, "text": "Đã nhận"}]
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("not-a-query")
    # an alert shows at most 200 characters, as on Telegram
    assert await bot.answer_callback_query(query.id, text="x" * 200, show_alert=True)
    assert fake.calls_of("answerCallbackQuery")[-1]["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201, show_alert=True)

    edited = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id, reply_markup=None)
    assert not isinstance(edited, bool) and edited.reply_markup is None
    assert fake.sent(CHAT)[0]["reply_markup"] is None
    assert fake.calls_of("editMessageReplyMarkup") == [{"chat_id": CHAT, "message_id": sent.message_id}]
    # The same edit again changes nothing, which Telegram refuses.
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id, reply_markup=None)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=CHAT, message_id=99, reply_markup=_keyboard(("a", "b")))


async def test_edit_text_and_delete(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "cũ", reply_markup=_keyboard(("a", "b")))
    edited = await bot.edit_message_text("<i>mới</i>", chat_id=CHAT, message_id=sent.message_id, parse_mode="HTML")
    assert not isinstance(edited, bool) and edited.text == "mới" and edited.edit_date is not None
    # Editing the text without a keyboard drops the keyboard, as on Telegram.
    assert edited.reply_markup is None
    assert fake.sent(CHAT)[0]["text"] == "<i>mới</i>"

    assert await bot.delete_message(CHAT, sent.message_id)
    assert fake.sent(CHAT)[0]["deleted"] is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)


async def test_commands_chat_action_and_chat(fake: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Bắt đầu"), BotCommand(command="huy", description="Hủy")]
    assert await bot.set_my_commands(commands)
    assert fake.calls_of("setMyCommands")[0]["commands"] == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "huy", "description": "Hủy"},
    ]
    assert [c.model_dump() for c in await bot.get_my_commands()] == [c.model_dump() for c in commands]
    assert fake.commands() == [c.model_dump(exclude_none=True) for c in commands]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == []

    assert await bot.send_chat_action(CHAT, "typing")
    chat = await bot.get_chat(CHAT)
    assert (chat.id, chat.type) == (CHAT, "private")


async def test_simulated_users(fake: FakeTelegram, bot: Bot) -> None:
    an = fake.user(CHAT, "An")
    first = fake.send_text(CHAT, an, "câu hỏi")
    answer = await bot.send_message(
        CHAT, "trả lời", reply_parameters=ReplyParameters(message_id=first["message"]["message_id"])
    )
    assert answer.reply_to_message is not None and answer.reply_to_message.text == "câu hỏi"
    assert fake.sent(CHAT)[0]["reply_to_message_id"] == first["message"]["message_id"]
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(CHAT, "x", reply_parameters=ReplyParameters(message_id=999))

    fake.send_text(CHAT, an, "tiếp", reply_to_message_id=answer.message_id)
    fake.share_contact(CHAT, an, "+84901234567", CHAT)
    fake.send_sticker(CHAT, an)
    fake.send_photo(CHAT, an)
    fake.send_text(-1001, fake.user(8, "Bình"), "trong nhóm", chat_title="Nhóm hỗ trợ")

    updates = await bot.get_updates()
    messages = [u.message for u in updates]
    assert all(m is not None for m in messages)
    question, reply, contact, sticker, photo, group = (m for m in messages if m is not None)
    assert [m.message_id for m in (question, reply, contact, sticker, photo)] == [1, 3, 4, 5, 6]
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == answer.message_id
    assert contact.contact is not None and contact.contact.phone_number == "+84901234567"
    assert contact.contact.user_id == CHAT
    assert sticker.sticker is not None and photo.photo is not None
    assert (group.chat.id, group.chat.type, group.chat.title) == (-1001, "supergroup", "Nhóm hỗ trợ")


async def test_wait_for_text(fake: FakeTelegram, bot: Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(CHAT, "<b>Chào</b> bạn", parse_mode="HTML")

    task = asyncio.create_task(later())
    # Matches the text as displayed as well as the markup as sent.
    found = await fake.wait_for_text(CHAT, "Chào bạn", timeout=2)
    await task
    assert found["message_id"] == 1
    with pytest.raises(AssertionError, match="Chào"):
        await fake.wait_for_text(CHAT, "tạm biệt", timeout=0.1)


async def test_webhook_delivery(fake: FakeTelegram, bot: Bot) -> None:
    async with receiver() as (url, received):
        assert await bot.set_webhook(url, secret_token="bi-mat_123", allowed_updates=["message", "callback_query"])
        info = await bot.get_webhook_info()
        assert info.url == url and info.allowed_updates == ["message", "callback_query"]
        assert fake.webhook == {
            "url": url,
            "secret_token": "bi-mat_123",
            "allowed_updates": ["message", "callback_query"],
        }
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()

        update = fake.send_text(CHAT, fake.user(CHAT), "qua webhook")
        assert fake.pending_updates == []
        assert await fake.deliver(update) == 200
        [(headers, body)] = received
        assert headers[SECRET_HEADER] == "bi-mat_123"
        assert headers["Content-Type"].startswith("application/json")
        assert body == update

    assert await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_webhook_redelivery_and_reply_method(fake: FakeTelegram, bot: Bot) -> None:
    statuses = [500, 503, 200]

    async def flaky(request: web.Request) -> web.Response:
        status = statuses.pop(0)
        if status != 200:
            return web.Response(status=status)
        # Answering the webhook with a method call makes Telegram run it.
        return web.json_response({"method": "sendMessage", "chat_id": CHAT, "text": "trả lời trong webhook"})

    async with receiver(flaky) as (url, received):
        await bot.set_webhook(url, secret_token="s")
        update = fake.send_text(CHAT, fake.user(CHAT), "xin chào")
        assert await fake.deliver_until_ok(update, attempts=5) == 200
        assert len(received) == 3
        assert [status for _, status in fake.deliveries] == [500, 503, 200]
        assert fake.texts(CHAT) == ["trả lời trong webhook"]

    # Nobody listens any more: the delivery fails and Telegram reports it in getWebhookInfo.
    assert await fake.deliver(update) == 0
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and "Connection failed" in info.last_error_message
