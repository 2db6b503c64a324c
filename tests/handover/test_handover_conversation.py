"""Continue on Telegram, as conversation tables: the web chat offers a one-time link, and the link
handed back on Telegram moves the conversation's requests there; every bad token is refused alike."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels.notifiers import Notifiers
from bot.channels.telegram.notifier import TelegramNotifier
from bot.messaging.handover import AUDIT_ACTION
from bot.storage.models import AuditLogRow, HandoverTokenRow, RequestRow
from knowledge_base.bot_texts import load_catalogues
from tests.admin_pages import signed_in
from tests.handlers.conversation import START, Press, PressRaw, Row, StartWith, talk
from tests.handlers.test_continuing import staff_reply, timeline
from tests.handlers.test_conversation_intake import at_step
from tests.harness import FakeClock, Person
from tests.storage.sessions import session_of

BOT = "hoanhap_bot"
LINK = re.compile(rf"^https://t\.me/{BOT}\?start=([A-Za-z0-9_-]{{32}})$")
OFFER = "move:telegram"


def telegram_on(app: App) -> None:
    """The notifier the settings would build with a token and a username, on the running processor."""
    app.processor.notifiers = Notifiers([TelegramNotifier(BOT)])


def token_of(person: Person) -> str:
    links = [m.link for m in person.replies if m.link]
    assert len(links) == 1, person.replies
    found = LINK.match(links[0])
    assert found, links[0]
    return found.group(1)


async def web_with_request(app: App, chat_id: str = "w1") -> tuple[Person, str]:
    web = await at_step(app, "confirm", chat_id=chat_id, channel="web")
    await talk(web, [(Press("form:confirm"), ("form_sent", f"#{OFFER}", "#menu:mine"))])
    return web, web.text.split("Mã của bạn: ")[1].split()[0]


async def test_the_link_is_offered_on_the_web_only_when_telegram_is_set_up(demo_app: App) -> None:
    web = Person(demo_app, "w0", channel="web")
    await talk(web, [(START, ("greeting", f"!{OFFER}"))])
    assert OFFER not in web.choice_ids
    await talk(web, [(PressRaw(OFFER), "stale_button")])  # forged: not offered, not honoured
    telegram_on(demo_app)
    rows: list[Row] = [
        ("/menu", ("menu_prompt", f"#{OFFER}")),
        (Press("Nhận trả lời qua Telegram"), ("handover_link_telegram", "30 phút", "#menu:main")),
    ]
    await talk(web, rows)
    assert token_of(web)
    # never on a channel that reaches the person by itself, nor towards the same channel
    for channel in ("telegram", "test", "zalo"):
        elsewhere = Person(demo_app, f"x-{channel}", channel=channel)
        await talk(elsewhere, [(START, "greeting"), (PressRaw(OFFER), "stale_button")])
        assert OFFER not in elsewhere.choice_ids
    # a notifier whose username is not known yet is not offered either
    demo_app.processor.notifiers = Notifiers([TelegramNotifier("")])
    await talk(web, [("/menu", f"!{OFFER}"), (PressRaw(OFFER), "stale_button")])


async def test_a_request_moves_to_telegram_and_its_news_follows(demo_app: App, clock: FakeClock) -> None:
    telegram_on(demo_app)
    web, code = await web_with_request(demo_app)
    await staff_reply(demo_app, code, "Anh gửi thêm ảnh căn cước nhé.")  # a reply window opens on the web
    await web.collect()
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    token = token_of(web)

    phone = Person(demo_app, "5001", web.transport, channel="telegram")
    await phone.start(token)
    assert "Đã nối với cuộc trò chuyện trên trang web" in phone.text and code in phone.text
    assert "menu:mine" in phone.choice_ids
    assert "Cuộc trò chuyện đã chuyển sang Telegram" in (await web.collect())[0].text

    # the reply window moved too: typed words on Telegram reach the request
    await talk(phone, [("Dạ em gửi chiều nay ạ", "reply_forwarded"), ("/yeucau", f"#req:show:{code}")])
    before = len(web.transport.sent[web.chat_id])
    await staff_reply(demo_app, code, "Cảm ơn anh, đã nhận.")
    assert "Cảm ơn anh, đã nhận." in (await phone.collect())[0].text
    assert web.transport.sent[web.chat_id][before:] == []  # the web chat hears no more
    await talk(web, [("/yeucau", f"!req:show:{code}")])

    kinds = [kind for kind, _ in await timeline(demo_app, code)]
    assert kinds.count("moved") == 1
    async with demo_app.uow() as uow:
        session = session_of(uow)
        audit = (await session.execute(select(AuditLogRow).where(AuditLogRow.action == AUDIT_ACTION))).scalars().all()
        tokens = (await session.execute(select(HandoverTokenRow))).scalars().all()
    assert [(a.actor, a.after) for a in audit] == [("person", {"from": "web", "to": "telegram", "requests": 1})]
    # nothing the person wrote or could be found by: no chat id, no token, no phone
    assert "5001" not in str(audit[0].target) + str(audit[0].after) and web.chat_id not in audit[0].target
    assert [t.digest for t in tokens] != [token] and len(tokens[0].digest) == 64

    # the language chosen on the web goes with a fresh chat
    english = Person(demo_app, "w-en", web.transport, channel="web")
    await talk(english, [(START, "greeting"), ("/lang", "Switched"), (PressRaw(OFFER), "Tap the link")])
    fresh = Person(demo_app, "5002", web.transport, channel="telegram")
    await talk(fresh, [(START, "greeting")])  # a plain /start changes nothing
    await fresh.start(token_of(english))
    assert "Joined to your conversation" not in fresh.text  # greeted before in Vietnamese: stays so
    newcomer = Person(demo_app, "5003", web.transport, channel="telegram")
    await talk(english, [(PressRaw(OFFER), "Tap the link")])
    await newcomer.start(token_of(english))
    assert "You have no requests yet" in newcomer.text


@pytest.mark.parametrize(
    ("token", "expect"),
    [
        ("", "greeting"),  # a plain /start
        ("A" * 32, "handover_invalid"),  # never issued
        ("A" * 65, "handover_invalid"),  # past Telegram's 64
        ("x" * 5000, "handover_invalid"),  # huge
        ("abc def", "handover_invalid"),  # the part after a space is not a token
        ("../../etc/passwd", "handover_invalid"),
        ("'; DROP TABLE handover_tokens; --", "handover_invalid"),
        ("tôken", "handover_invalid"),
        ("\x00\x01", "!Liên kết"),  # cleaned at the door to nothing: a plain /start
    ],
)
async def test_malformed_and_unknown_tokens(demo_app: App, token: str, expect: str) -> None:
    telegram_on(demo_app)
    phone = Person(demo_app, "5009", channel="telegram")
    await talk(phone, [(StartWith(token), (expect, "greeting", "#menu:ask"))])


async def test_reused_expired_and_misdirected_tokens(demo_app: App, clock: FakeClock) -> None:
    telegram_on(demo_app)
    web, code = await web_with_request(demo_app, "w2")
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    first = token_of(web)
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    second = token_of(web)
    assert first != second

    # handed back in the web chat itself (the same conversation) or on another channel: refused
    await web.start(first)
    assert "Xin chào" in web.text and "Đã nối" not in web.text  # the web's own start ignores a parameter
    zalo = Person(demo_app, "z1", channel="zalo")
    await zalo.start(first)
    assert load_catalogues()["vi"]["handover_invalid"] in zalo.text

    phone = Person(demo_app, "5010", channel="telegram")
    await phone.start(first)
    assert "Đã nối" in phone.text
    other = Person(demo_app, "5011", channel="telegram")
    await other.start(first)
    assert load_catalogues()["vi"]["handover_used"] in other.text
    clock.advance(minutes=31)
    await other.start(second)
    assert load_catalogues()["vi"]["handover_expired"] in other.text
    async with demo_app.uow() as uow:
        session = session_of(uow)
        owner = (await session.execute(select(RequestRow.conversation_id).where(RequestRow.code == code))).scalar()
        tokens = (await session.execute(select(HandoverTokenRow))).scalars().all()
    assert owner is not None and all(t.conversation_id != owner for t in tokens)


async def test_links_per_hour_are_bounded(demo_app: App, clock: FakeClock) -> None:
    telegram_on(demo_app)
    web = Person(demo_app, "w3", channel="web")
    await talk(web, [(START, "greeting")])
    for _ in range(5):
        await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    await talk(web, [(PressRaw(OFFER), ("handover_too_many", "#menu:main"))])
    assert not [m for m in web.replies if m.link]
    clock.advance(minutes=61)
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])


def test_every_notifier_has_its_texts() -> None:
    from bot.channels.notifiers import NOTIFIERS

    for locale, texts in load_catalogues().items():
        for notifier in NOTIFIERS:
            for key in ("handover_offer", "handover_link", "handover_moved_away"):
                assert f"{key}_{notifier.kind}" in texts, (locale, notifier.kind)


async def test_staff_and_admins_read_the_move_in_words(admin_app: App) -> None:
    telegram_on(admin_app)
    web, code = await web_with_request(admin_app, "w4")
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    phone = Person(admin_app, "5020", web.transport, channel="telegram")
    await phone.start(token_of(web))
    await talk(phone, [(PressRaw(f"req:show:{code}"), "event_moved")])  # the person's own view, in words
    client = await signed_in(admin_app, "admin")
    async with client:
        page = await client.http.get(f"/staff/requests/{code}")
        assert page.status_code == 200 and "Người gửi chuyển cuộc trò chuyện sang telegram" in page.text
        audit = await client.http.get("/admin/audit", params={"action": AUDIT_ACTION})
        assert "Một người chuyển cuộc trò chuyện từ web sang telegram, cùng 1 yêu cầu." in audit.text


async def test_a_link_offered_before_an_erasure_no_longer_works(demo_app: App) -> None:
    telegram_on(demo_app)
    web, code = await web_with_request(demo_app, "w5")
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    token = token_of(web)
    await talk(web, [("/xoadulieu", "#data:eraseyes"), (PressRaw("data:eraseyes"), "!Liên kết")])
    phone = Person(demo_app, "5030", web.transport, channel="telegram")
    await talk(phone, [(StartWith(token), ("handover_invalid", "greeting"))])
    await talk(phone, [("/yeucau", f"!{code}")])


async def test_one_link_handed_back_twice_at_once_moves_once(demo_app: App) -> None:
    telegram_on(demo_app)
    web, code = await web_with_request(demo_app, "w6")
    await talk(web, [(PressRaw(OFFER), "handover_link_telegram")])
    token = token_of(web)
    phones = [Person(demo_app, f"50{n}", web.transport, channel="telegram") for n in (40, 41)]
    await asyncio.gather(*(p.start(token) for p in phones))
    said = sorted("Đã nối" in p.text for p in phones)
    assert said == [False, True], [p.text for p in phones]
    loser = next(p for p in phones if "Đã nối" not in p.text)
    assert load_catalogues()["vi"]["handover_used"] in loser.text
    winner = next(p for p in phones if p is not loser)
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        owner = await uow.conversations.get(row.conversation_id)
    assert owner is not None and owner.chat_id == winner.chat_id
    assert [kind for kind, _ in await timeline(demo_app, code)].count("moved") == 1
