"""The web chat on a shared phone, over HTTP: a session cookie unless this phone is remembered, forgetting
the conversation here, the newest messages first and older ones on demand, one length limit that keeps
the typed text, the input's hint per step, and one language switch for the page and the bot."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from bot.app import App
from bot.channels.webchat import CHANNEL
from bot.channels.webchat_view import PAGE
from bot.storage.models import ConversationRow
from bot.web.i18n import LANG_COOKIE, web_texts
from bot.web.security import CHAT_COOKIE, WebSecurity
from handlers.messages import OutgoingMessage
from tests.storage.sessions import session_of
from tests.web_client import WebClient

JSON = {"Accept": "application/json"}


async def _send(web: WebClient, **fields: Any) -> dict[str, Any]:
    token = await web.csrf()
    response = await web.http.post("/chat/send", data={"csrf_token": token, **fields}, headers=JSON)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _chat_cookie_header(response: Any) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(CHAT_COOKIE + "=")]
    assert found, "the response sets the conversation's cookie"
    return found[0]


async def _signed(app: App, value: object, *, age_seconds: float = 0) -> str:
    """A chat cookie as this app signs it, written `age_seconds` ago."""
    key = await WebSecurity(app).key()

    class Dated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age_seconds)

    return URLSafeTimedSerializer(key, salt="chat", signer=Dated).dumps(value)


def _bubbles(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="bubble (?:me|bot)" data-id="(\d+)"', page)]


# -- the cookie -------------------------------------------------------------------------------------


async def test_a_newcomer_gets_a_session_cookie_and_the_footer_says_so(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        page = await web.http.get("/")
        cookie = _chat_cookie_header(page).lower()
        assert "max-age" not in cookie and "expires" not in cookie, "gone when the browser closes"
        assert "httponly" in cookie
        assert web_texts().get("vi", "chat_footer_session") in page.text
        assert 'id="chat-remember" aria-pressed="false"' in page.text


async def test_remember_this_phone_keeps_the_same_conversation_for_the_days_set(demo_app: App) -> None:
    days = demo_app.settings.web_chat_days
    async with WebClient(demo_app) as web:
        before = (await _send(web, text="vay von", nonce="a"))["messages"]
        token = await web.csrf()
        on = await web.http.post("/chat/remember", data={"csrf_token": token, "remember": "1"}, headers=JSON)
        assert on.status_code == 200
        assert on.json() == {"remembered": True, "footer": web_texts().get("vi", "chat_footer_remembered", days=days)}
        assert f"max-age={days * 86400}" in _chat_cookie_header(on).lower()
        page = (await web.http.get("/")).text
        assert set(m["id"] for m in before) <= set(_bubbles(page)), "the same conversation, remembered"
        assert 'aria-pressed="true"' in page and web_texts().get("vi", "chat_footer_remembered", days=days) in page
        off = await web.http.post("/chat/remember", data={"csrf_token": token, "remember": "0"})
        assert off.status_code == 303
        assert "max-age" not in _chat_cookie_header(off).lower()
        assert set(m["id"] for m in before) <= set(_bubbles((await web.http.get("/")).text))


async def test_forget_on_this_phone_starts_afresh_and_the_agency_keeps_what_was_sent(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        sent = (await _send(web, text="toi muon vay von", nonce="a"))["messages"]
        token = await web.csrf()
        gone = await web.http.post("/chat/forget", data={"csrf_token": token})
        assert gone.status_code == 303 and gone.headers["location"] == "/"
        cleared = _chat_cookie_header(gone).lower()
        assert 'hn_chat=""' in cleared and "max-age=0" in cleared
        page = (await web.http.get("/")).text
        assert _bubbles(page) == [] and 'id="chat-start"' in page
        assert "toi muon vay von" not in page
        assert (await web.http.get("/chat/messages")).json() == {"messages": []}
        async with demo_app.uow() as uow:
            assert await uow.outbox.get(sent[0]["id"]) is not None, "the server keeps the transcript"


async def test_forget_needs_the_csrf_token(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, text="vay von", nonce="a")
        refused = await web.http.post("/chat/forget", data={})
        assert refused.status_code == 403
        assert _bubbles((await web.http.get("/")).text), "the conversation is still here"


async def test_a_cookie_of_the_older_kind_is_kept_but_becomes_a_session_one(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        messages = (await _send(web, text="vay von", nonce="a"))["messages"]
        chat_id = (await _conversation_ids(demo_app))[0]
        web.http.cookies.clear()
        web.http.cookies.set(CHAT_COOKIE, await _signed(demo_app, chat_id))
        page = await web.http.get("/")
        assert messages[0]["id"] in _bubbles(page.text)
        assert "max-age" not in _chat_cookie_header(page).lower()


@pytest.mark.parametrize("stale", ["expired", "forged", "wrong-shape"])
async def test_a_stale_cookie_is_a_fresh_conversation(demo_app: App, stale: str) -> None:
    days = demo_app.settings.web_chat_days
    async with WebClient(demo_app) as web:
        await _send(web, text="toi ten Lan muon vay von", nonce="a")
        chat_id = (await _conversation_ids(demo_app))[0]
        web.http.cookies.clear()
        value = {
            "expired": await _signed(demo_app, [chat_id, 1], age_seconds=days * 86400 + 60),
            "forged": "forged-value",
            "wrong-shape": await _signed(demo_app, {"chat": chat_id}),
        }[stale]
        web.http.cookies.set(CHAT_COOKIE, value)
        page = await web.http.get("/")
        assert "Lan" not in page.text and _bubbles(page.text) == []
        assert _chat_cookie_header(page)
        sent = await _send(web, text="xin chao", nonce="b")
        assert sent["messages"][0]["text"] == "xin chao"
        assert len(await _conversation_ids(demo_app)) == 2, "a new conversation, the old one untouched"


async def _conversation_ids(app: App) -> list[str]:
    async with app.uow() as uow:
        rows = (await session_of(uow).execute(select(ConversationRow).order_by(ConversationRow.id))).scalars()
        return [r.chat_id for r in rows]


# -- the newest messages first, older on demand -----------------------------------------------------------


async def _long_history(app: App, web: WebClient, count: int) -> list[int]:
    """`count` staff messages in this browser's conversation, after its greeting; their ids."""
    await _send(web, start="1", nonce="s")
    chat_id = (await _conversation_ids(app))[0]
    ids = []
    async with app.uow() as uow:
        for number in range(count):
            row = await uow.outbox.add(CHANNEL, chat_id, OutgoingMessage(f"tin số {number}").to_payload(), app.clock())
            ids.append(row.id)
        await uow.commit()
    return ids


async def test_a_visit_shows_the_last_page_and_older_pages_come_on_demand(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        ids = await _long_history(demo_app, web, 70)
        page = (await web.http.get("/")).text
        shown = _bubbles(page)
        assert shown == ids[-PAGE:]
        older = re.search(r'id="chat-older" href="/\?before=(\d+)" data-before="(\d+)"', page)
        assert older and int(older.group(2)) == shown[0]
        seen = list(shown)
        before = int(older.group(2))
        while before:
            data = (await web.http.get(f"/chat/older?before={before}")).json()
            got = [m["id"] for m in data["messages"]]
            assert got and len(got) <= PAGE and max(got) < before and got == sorted(got)
            seen = got + seen
            before = data["older"]
        assert seen[-70:] == ids and len(seen) == 71, "every message once: the greeting and the 70"


async def test_without_scripts_the_older_link_is_a_page_of_its_own(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        ids = await _long_history(demo_app, web, 40)
        page = (await web.http.get(f"/?before={ids[-PAGE]}")).text
        assert _bubbles(page)[-1] < ids[-PAGE] and web_texts().get("vi", "chat_newest") in page


@pytest.mark.parametrize("query", ["before=abc", "before=1.5", "before=" + "9" * 40])
async def test_malformed_paging_is_refused_not_crashed(demo_app: App, query: str) -> None:
    async with WebClient(demo_app) as web:
        await _long_history(demo_app, web, 3)
        assert (await web.http.get(f"/chat/older?{query}")).status_code == 422
        assert (await web.http.get(f"/?{query}", headers={"Accept": "text/html"})).status_code == 400


@pytest.mark.parametrize("before", ["0", "-5"])
async def test_paging_from_nowhere_gives_nothing(demo_app: App, before: str) -> None:
    async with WebClient(demo_app) as web:
        await _long_history(demo_app, web, 3)
        assert (await web.http.get(f"/chat/older?before={before}")).json() == {"messages": [], "older": 0}


async def test_older_pages_are_only_this_browsers_own(demo_app: App) -> None:
    async with WebClient(demo_app) as alice, WebClient(demo_app) as mallory:
        await _long_history(demo_app, alice, 5)
        await mallory.http.get("/")
        assert (await mallory.http.get("/chat/older?before=100000")).json() == {"messages": [], "older": 0}
        mallory.http.cookies.clear()
        assert (await mallory.http.get("/chat/older?before=100000")).json() == {"messages": [], "older": 0}


# -- one length limit -------------------------------------------------------------------------------------


async def test_the_page_and_the_server_have_one_limit_the_cores(demo_app: App) -> None:
    limit = demo_app.settings.max_question_chars
    async with WebClient(demo_app) as web:
        page = (await web.http.get("/")).text
        assert f'maxlength="{limit}"' in page and f">0/{limit}<" in page
        at_limit = ("vay von lam an " * limit)[:limit].strip()
        data = await _send(web, text=at_limit, nonce="a")
        answer = " ".join(m["text"] for m in data["messages"] if m["from"] == "bot")
        too_long = demo_app.texts.get("vi", "too_long", limit=limit)
        assert too_long not in answer, "what the page lets through, the bot takes"


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_past_the_limit_a_script_gets_words_not_raw_json(demo_app: App, locale: str) -> None:
    limit = demo_app.settings.max_question_chars
    async with WebClient(demo_app) as web:
        web.http.cookies.set(LANG_COOKIE, locale)
        token = await web.csrf()
        response = await web.http.post(
            "/chat/send", data={"csrf_token": token, "text": "a" * (limit + 1), "nonce": "x"}, headers=JSON
        )
        assert response.status_code == 422
        assert response.json() == {
            "error": web_texts().get(locale, "chat_too_long", limit=limit),
            "key": "chat_too_long",
            "limit": limit,
        }
        async with demo_app.uow() as uow:
            assert await uow.outbox.count() == 0, "nothing sent, nothing half-answered"


async def test_past_the_limit_without_scripts_the_page_keeps_the_typed_text(demo_app: App) -> None:
    limit = demo_app.settings.max_question_chars
    typed = "Tôi cần hỏi về <giấy tờ> " + "x" * limit
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        response = await web.http.post("/chat/send", data={"csrf_token": token, "text": typed})
        assert response.status_code == 422 and "text/html" in response.headers["content-type"]
        assert "Tôi cần hỏi về &lt;giấy tờ&gt; " + "x" * limit + "</textarea>" in response.text
        assert web_texts().get("vi", "chat_too_long", limit=limit) in response.text
        assert f">{len(typed)}/{limit}<" in response.text


async def test_a_description_step_takes_a_descriptions_length(demo_app: App) -> None:
    """Where the bot waits for what happened, the page allows what the core takes for it, not a
    question's length; past that, the same words and the typed text kept."""
    question, description = demo_app.settings.max_question_chars, demo_app.settings.max_description_chars
    assert description > question
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        await _send(web, choice="menu:request", label="📝 Gửi yêu cầu", nonce="m")
        data = await _send(web, choice="form:cat:employment", label="Việc làm", nonce="c")
        assert data["input"]["limit"] == description
        page = (await web.http.get("/")).text
        assert f'maxlength="{description}"' in page and f">0/{description}<" in page
        story = ("Tôi cần tìm việc làm phụ hồ gần nhà, tôi đã học nghề hàn trong trại. " * 40)[: question + 300]
        data = await _send(web, text=story, nonce="d")
        assert data["input"]["placeholder"] == web_texts().get("vi", "chat_ph_commune")
        assert data["input"]["limit"] == question, "the next step is a commune's: a question's length again"
        token = await web.csrf()
        response = await web.http.post(
            "/chat/send", data={"csrf_token": token, "text": "x" * (question + 1), "nonce": "l"}, headers=JSON
        )
        assert response.status_code == 422 and response.json()["limit"] == question


@pytest.mark.parametrize("text", ["", "   ", "\n"])
async def test_empty_text_is_neither_an_error_nor_a_message(demo_app: App, text: str) -> None:
    async with WebClient(demo_app) as web:
        assert (await _send(web, text=text, nonce="e"))["messages"] == []


# -- the input's hint per step ----------------------------------------------------------------------------

STEPS = [
    # what the person does, the placeholder's text key after it
    (("press", "menu:request", "📝 Gửi yêu cầu"), "chat_placeholder"),
    (("press", "form:cat:employment", "Việc làm"), "chat_ph_description"),
    (("say", "Tôi cần tìm việc làm phụ hồ gần nhà"), "chat_ph_commune"),
    (("press", "form:loc:mh-an-hoa", "Xã An Hòa"), "chat_ph_phone"),
    (("say", "0912 345 678"), "chat_ph_name"),
]


async def test_the_placeholder_follows_the_step(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        first = await _send(web, start="1", nonce="s")
        question = demo_app.settings.max_question_chars
        assert first["input"] == {
            "placeholder": web_texts().get("vi", "chat_placeholder"),
            "tel": False,
            "locale": "vi",
            "limit": question,
            "too_long": web_texts().get("vi", "chat_too_long", limit=question),
        }
        for number, ((action, value, *label), key) in enumerate(STEPS):
            fields = {"choice": value, "label": label[0]} if action == "press" else {"text": value}
            data = await _send(web, nonce=f"n{number}", **fields)
            assert data["input"]["placeholder"] == web_texts().get("vi", key), (value, data["messages"][-1]["text"])
            assert data["input"]["tel"] is (key == "chat_ph_phone")
            page = (await web.http.get("/")).text
            assert f'placeholder="{web_texts().get("vi", key)}"' in page
            assert ('inputmode="tel"' in page) is (key == "chat_ph_phone")


# -- one language switch ----------------------------------------------------------------------------------


async def test_the_page_switch_changes_the_bot_too(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        token = await web.csrf()
        switched = await web.http.post("/chat/lang", data={"csrf_token": token, "locale": "en"})
        assert switched.status_code == 303
        assert any(h.startswith(f"{LANG_COOKIE}=en") for h in switched.headers.get_list("set-cookie"))
        page = (await web.http.get("/")).text
        assert '<html lang="en">' in page and web_texts().get("en", "chat_send") in page
        assert demo_app.texts.get("en", "language_switched") in page, "the bot says so, in English"
        data = await _send(web, text="vay von", nonce="q")
        assert data["input"]["locale"] == "en"
        assert data["input"]["placeholder"] == web_texts().get("en", "chat_placeholder")


async def test_the_bots_lang_command_changes_the_page_too(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        token = await web.csrf()
        response = await web.http.post(
            "/chat/send", data={"csrf_token": token, "text": "/lang", "nonce": "l"}, headers=JSON
        )
        assert response.json()["input"]["locale"] == "en"
        assert any(h.startswith(f"{LANG_COOKIE}=en") for h in response.headers.get_list("set-cookie"))
        assert '<html lang="en">' in (await web.http.get("/")).text
        # A page switched elsewhere (the login page's link) still shows the conversation's language.
        web.http.cookies.set(LANG_COOKIE, "vi")
        page = await web.http.get("/")
        assert '<html lang="en">' in page.text


async def test_switching_before_the_first_message_opens_the_conversation_in_that_language(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        await web.http.post("/chat/lang", data={"csrf_token": token, "locale": "en"})
        page = (await web.http.get("/")).text
        assert '<html lang="en">' in page and demo_app.texts.get("en", "language_switched") in page


@pytest.mark.parametrize("locale", ["xx", "", "EN-us", "../vi"])
async def test_an_unknown_language_changes_nothing(demo_app: App, locale: str) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        token = await web.csrf()
        response = await web.http.post("/chat/lang", data={"csrf_token": token, "locale": locale})
        assert response.status_code == 303
        assert not any(h.startswith(LANG_COOKIE) for h in response.headers.get_list("set-cookie"))
        assert '<html lang="vi">' in (await web.http.get("/")).text


async def test_the_language_switch_needs_the_csrf_token(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        assert (await web.http.post("/chat/lang", data={"locale": "en"})).status_code == 403
        assert '<html lang="vi">' in (await web.http.get("/")).text


@pytest.mark.parametrize(("chosen", "greeting_locale"), [("en", "en"), ("vi", "vi"), ("xx", "vi"), ("", "vi")])
async def test_a_new_conversation_starts_in_the_language_the_page_was_switched_to(
    demo_app: App, chosen: str, greeting_locale: str
) -> None:
    async with WebClient(demo_app) as web:
        web.http.cookies.set(LANG_COOKIE, chosen)
        first = await _send(web, start="1", nonce="s")
        assert first["input"]["locale"] == greeting_locale
        assert first["messages"][0]["text"].startswith(demo_app.texts.get(greeting_locale, "greeting"))
        assert f'<html lang="{greeting_locale}">' in (await web.http.get("/")).text


async def test_an_existing_conversation_keeps_its_language_whatever_the_page_cookie(demo_app: App) -> None:
    async with WebClient(demo_app) as web:
        await _send(web, start="1", nonce="s")
        web.http.cookies.set(LANG_COOKIE, "en")
        data = await _send(web, text="vay von", nonce="q")
        assert data["input"]["locale"] == "vi", "only the switch changes a conversation's language"
