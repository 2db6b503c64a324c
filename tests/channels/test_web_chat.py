"""The web chat over HTTP: what the person sends, what the page gets back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.webchat import CHANNEL
from bot.storage.models import ConversationRow
from bot.web.security import CHAT_COOKIE
from tests.storage.sessions import session_of
from tests.web_client import WebClient


async def _send(web: WebClient, **fields: Any) -> list[dict[str, Any]]:
    token = await web.csrf()
    response = await web.http.post(
        "/chat/send", data={"csrf_token": token, **fields}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def test_a_newcomer_gets_a_conversation_cookie_and_the_greeting(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        page = await web.http.get("/")
        assert page.status_code == 200
        cookie = page.headers["set-cookie"]
        assert CHAT_COOKIE in cookie and "HttpOnly" in cookie
        messages = await _send(web, start="1", nonce="a1")
        assert messages[0]["from"] == "bot" and "Hòa Nhập" in messages[0]["text"]
        assert messages[0]["choices"], "the greeting offers buttons"


@pytest.mark.parametrize(
    ("says", "expect"),
    [
        ("lam sao de vay von lam an", "vay"),
        ("toi muon hoc nghe", "nghề"),
        ("asdkjh qwe zxcmnb", "chưa"),  # an honest "I don't know" rather than a guess
    ],
)
async def test_questions_are_answered_and_echoed(demo_app: App, says: str, expect: str) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        messages = await _send(web, text=says, nonce="q")
        mine = [m for m in messages if m["from"] == "me"]
        assert mine[-1]["text"] == says
        answer = " ".join(m["text"] for m in messages if m["from"] == "bot").lower()
        assert expect in answer


async def test_a_button_press_is_shown_with_its_label(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        greeting = await _send(web, start="1", nonce="s")
        choice = greeting[0]["choices"][0]
        messages = await _send(web, choice=choice["id"], label=choice["label"], nonce="c", after=greeting[-1]["id"])
        assert messages[0] == {"id": messages[0]["id"], "from": "me", "text": choice["label"]}
        assert any(m["from"] == "bot" for m in messages)


async def test_a_double_submitted_form_counts_once(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        first = await _send(web, text="vay von", nonce="same")
        again = await _send(web, text="vay von", nonce="same")
        assert [m["id"] for m in again] == [m["id"] for m in first]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_empty_text_sends_nothing(demo_app: App, text: str) -> None:
    async with WebClient(demo_app) as web:
        assert await _send(web, text=text, nonce="e") == []


async def test_text_at_the_limit_is_answered_and_past_it_refused_in_words(demo_app: App) -> None:
    limit = demo_app.settings.max_question_chars
    async with WebClient(demo_app) as web:
        at_limit = ("vay von " * limit)[:limit]
        messages = await _send(web, text=at_limit, nonce="h")
        mine = [m for m in messages if m["from"] == "me"]
        assert mine[0]["text"] == at_limit.strip()
        assert any(m["from"] == "bot" for m in messages)
        token = await web.csrf()
        too_big = await web.http.post("/chat/send", data={"csrf_token": token, "text": "x" * 50_000})
        assert too_big.status_code == 422


async def test_markup_is_shown_as_text_in_the_page(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, text="<script>alert(1)</script><b>x</b>", nonce="m")
        page = (await web.http.get("/")).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page


async def test_without_the_csrf_token_nothing_is_sent(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await web.http.get("/")
        response = await web.http.post("/chat/send", data={"text": "vay von"})
        assert response.status_code == 403
        async with demo_app.uow() as uow:
            assert await uow.outbox.count() == 0


async def test_conversations_are_apart_and_a_forged_cookie_is_a_new_one(demo_app: App) -> None:
    async with WebClient(demo_app) as alice, WebClient(demo_app) as mallory:
        await _send(alice, text="toi ten Lan, so 0912345678, muon vay von", nonce="a")
        mallory.http.cookies.set(CHAT_COOKIE, "forged-value")
        page = (await mallory.http.get("/")).text
        assert "0912345678" not in page and "Lan" not in page
        assert (await mallory.http.get("/chat/messages")).json() == {"messages": []}


async def test_polling_fetches_staff_replies_and_marks_them_delivered(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        messages = await _send(web, start="1", nonce="s")
        async with demo_app.uow() as uow:
            conversation = (await session_of(uow).execute(select(ConversationRow))).scalars().one()
        assert conversation.channel == CHANNEL
        last = messages[-1]["id"]
        async with demo_app.uow() as uow:
            row = await uow.outbox.add(CHANNEL, conversation.chat_id, {"text": "Cán bộ: chào bạn"}, demo_app.clock())
            await uow.commit()
        polled = (await web.http.get(f"/chat/messages?after={last}")).json()["messages"]
        assert [m["text"] for m in polled] == ["Cán bộ: chào bạn"]
        async with demo_app.uow() as uow:
            stored = await uow.outbox.get(row.id)
            assert stored is not None and stored.status == "delivered" and stored.delivered_at is not None


async def test_sending_too_fast_is_slowed_down(demo_app: App) -> None:
    limit = demo_app.settings.web_chat_messages_per_session
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        statuses = []
        for number in range(limit + 2):
            response = await web.http.post(
                "/chat/send",
                data={"csrf_token": token, "text": "xin chao", "nonce": str(number)},
                headers={"Accept": "application/json"},
            )
            statuses.append(response.status_code)
        assert statuses[:limit] == [200] * limit
        assert statuses[-1] == 429


async def test_the_chat_works_without_javascript(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        response = await web.http.post("/chat/send", data={"csrf_token": token, "start": "1"})
        assert response.status_code == 303 and response.headers["location"] == "/#end"
        page = (await web.http.get("/")).text
        assert 'class="bubble bot"' in page and 'name="choice"' in page
