"""Continue on Telegram end to end: a request sent in the web chat over HTTP, its one-time link, the
link's /start arriving through the fake Bot API (polling and webhook), then a staff reply delivered to
the Telegram chat through the outbox and not to the web page. The bot's username comes from getMe."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.requests.service import reply
from tests.channels.test_telegram import PERSON_CHAT, Running, act, running
from tests.web_client import WebClient

__all__ = ["running"]


async def _send(web: WebClient, nonce: str, **fields: Any) -> list[dict[str, Any]]:
    token = await web.csrf()
    response = await web.http.post(
        "/chat/send",
        data={"csrf_token": token, "nonce": nonce, **fields},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


async def _press(web: WebClient, choice: str) -> list[dict[str, Any]]:
    return await _send(web, f"press-{choice}", choice=choice)


async def _web_request(web: WebClient) -> tuple[str, list[dict[str, Any]]]:
    await _send(web, "start", start="1")
    for step in ("menu:request", "form:cat:employment"):
        await _press(web, step)
    await _send(web, "what", text="Tôi cần tìm việc làm phụ hồ gần nhà")
    await _press(web, "form:loc:mh-an-hoa")
    await _send(web, "phone", text="0912345678")
    for step in ("form:skip", "form:time:any", "form:yes"):
        await _press(web, step)
    sent = await _press(web, "form:confirm")
    texts = " ".join(m.get("text", "") for m in sent)
    found = re.search(r"Mã của bạn: (YC-\d+)", texts)
    assert found, texts
    return found.group(1), sent


async def test_a_web_request_followed_on_telegram(running: Running) -> None:
    r, fake = running, running.fake
    person = fake.user(4242, "Minh")
    async with WebClient(r.app) as web:
        code, sent = await _web_request(web)
        offers = [c["id"] for m in sent for c in m.get("choices", [])]
        assert "move:telegram" in offers  # offered right after the request, as the bot learnt its name from getMe
        offered = await _press(web, "move:telegram")
        links = [m["link"] for m in offered if m.get("link")]
        assert len(links) == 1 and links[0].startswith("https://t.me/hoanhap_bot?start="), offered
        token = parse_qs(urlparse(links[0]).query)["start"][0]
        last = max(m["id"] for m in offered)

        # what a tap on the link and on Start sends
        await act(r, fake.send_text(PERSON_CHAT, person, f"/start {token}"))
        joined = await fake.wait_for_text(PERSON_CHAT, "Đã nối với cuộc trò chuyện trên trang web")
        assert code in joined["text"]
        async with r.app.uow() as uow:
            await reply(uow, r.app.texts, code, "Mời anh đến trụ sở sáng thứ Hai.", "staff:lan", r.app.clock())
            await uow.commit()
        await fake.wait_for_text(PERSON_CHAT, "Mời anh đến trụ sở sáng thứ Hai.")

        page = await web.http.get("/chat/messages", params={"after": last})
        later = " ".join(m["text"] for m in page.json()["messages"])
        assert "đã chuyển sang Telegram" in later and "Mời anh đến trụ sở" not in later
        async with r.app.uow() as uow:
            row = await uow.requests.get_row(code)
            assert row is not None
            conversation = await uow.conversations.get(row.conversation_id)
            assert conversation is not None and conversation.channel == "telegram"
            assert conversation.chat_id == str(PERSON_CHAT)

        # the same link again, from someone else's chat: refused, nothing moves
        stranger = fake.user(4343, "Lạ")
        await act(r, fake.send_text(4343, stranger, f"/start {token}"))
        await fake.wait_for_text(4343, "Liên kết này đã được dùng rồi")
        await act(r, fake.send_text(4343, stranger, "/start " + "Z" * 64))
        await fake.wait_for_text(4343, "Liên kết này không dùng được")
