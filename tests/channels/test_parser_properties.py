"""Property-based: each channel's parser takes whatever its platform (or someone pretending to be it)
sends, and either refuses it as unreadable (ValueError, answered 400) or hands over a message that,
once through the door's sanitiser, is clean. Never another exception."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any
from urllib.parse import quote_from_bytes

from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App
from bot.channels import webchat
from bot.channels.telegram.updates import parse as parse_telegram
from bot.channels.zalo import bot_platform, oa
from bot.messaging.agency_desk import StaffMessage
from bot.messaging.sanitise import DEFAULT_LIMIT, MAX_ID, clean_text, sanitise
from handlers.messages import IncomingMessage
from tests.web_client import WebClient

NASTY = st.sampled_from(["\x00", "\x1b", "\x7f", "\ud800", "\r", "\u202e", "\ufeff", "\U0001f600", "/", ":"])
TEXT = st.text(alphabet=st.one_of(st.characters(), NASTY), max_size=120)
HUGE = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=3), st.integers(1000, 9000))
ANY_TEXT = st.one_of(TEXT, HUGE)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
FAST = settings(max_examples=150, deadline=None)
_nonces = itertools.count(1)


def _assert_clean(message: IncomingMessage | StaffMessage) -> None:
    cleaned = sanitise(message, DEFAULT_LIMIT)
    for field in dataclasses.fields(cleaned):
        value = getattr(cleaned, field.name)
        if isinstance(value, str):
            assert clean_text(value, len(value)) == value, field.name
            assert len(value) <= max(DEFAULT_LIMIT, MAX_ID)


# -- Telegram --------------------------------------------------------------------------------------

USER = st.fixed_dictionaries(
    {"id": st.integers(1, 2**52), "is_bot": st.booleans(), "first_name": TEXT},
    optional={"username": TEXT, "last_name": TEXT},
)
CHAT = st.fixed_dictionaries(
    {"id": st.integers(-(2**52), 2**52), "type": st.sampled_from(["private", "group", "supergroup", "channel"])}
)
CONTACT = st.fixed_dictionaries({"phone_number": TEXT, "first_name": TEXT}, optional={"user_id": st.integers(1, 2**52)})
BASE_MESSAGE = {"message_id": st.integers(1, 2**31), "date": st.integers(0, 2**31), "chat": CHAT}
REPLIED = st.fixed_dictionaries(BASE_MESSAGE, optional={"text": TEXT})
MESSAGE = st.fixed_dictionaries(
    BASE_MESSAGE, optional={"from": USER, "text": ANY_TEXT, "contact": CONTACT, "reply_to_message": REPLIED}
)
CALLBACK = st.fixed_dictionaries(
    {"id": TEXT, "from": USER, "chat_instance": TEXT}, optional={"data": ANY_TEXT, "message": MESSAGE}
)
UPDATE = st.one_of(
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "message": MESSAGE}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "callback_query": CALLBACK}),
    st.fixed_dictionaries({"update_id": st.integers(0, 2**31), "edited_message": MESSAGE}),
)


@FAST
@given(body=UPDATE)
def test_any_telegram_update_parses_to_a_clean_message_or_nothing(body: dict[str, Any]) -> None:
    parsed = parse_telegram(Update.model_validate(body))
    for message in (parsed.person, parsed.staff):
        if message is not None:
            assert message.channel == "telegram" and message.chat_id
            _assert_clean(message)


# -- Zalo Bot Platform and Official Account --------------------------------------------------------

ZALO_BOT_EVENT = st.fixed_dictionaries(
    {
        "event_name": st.one_of(st.just("message.text.received"), TEXT),
        "message": st.fixed_dictionaries(
            {"message_id": st.one_of(TEXT, st.integers()), "chat": st.fixed_dictionaries({"id": TEXT})},
            optional={"text": st.one_of(ANY_TEXT, JSON), "from": st.dictionaries(TEXT, JSON, max_size=3)},
        ),
    }
)
ZALO_OA_EVENT = st.fixed_dictionaries(
    {"event_name": st.one_of(st.sampled_from(["user_send_text", "follow", "unfollow", "user_send_image"]), TEXT)},
    optional={
        "sender": st.fixed_dictionaries({"id": st.one_of(TEXT, st.integers())}),
        "follower": st.fixed_dictionaries({"id": TEXT}),
        "message": st.fixed_dictionaries({}, optional={"text": st.one_of(ANY_TEXT, JSON), "msg_id": TEXT}),
        "timestamp": st.one_of(TEXT, st.integers()),
    },
)


def _parsed_or_refused(parse: Any, body: Any) -> None:
    try:
        message = parse(body)
    except ValueError:
        return  # unreadable: the webhook answers 400 and records nothing
    if message is not None:
        _assert_clean(message)


@FAST
@given(body=st.one_of(ZALO_BOT_EVENT, JSON, st.fixed_dictionaries({"ok": st.booleans(), "result": ZALO_BOT_EVENT})))
def test_any_zalo_bot_event_parses_to_a_clean_message_nothing_or_a_refusal(body: Any) -> None:
    _parsed_or_refused(bot_platform.parse_event, body)


@FAST
@given(body=st.one_of(ZALO_OA_EVENT, JSON))
def test_any_zalo_oa_event_parses_to_a_clean_message_nothing_or_a_refusal(body: Any) -> None:
    _parsed_or_refused(oa.parse_event, body)


# -- the web chat ----------------------------------------------------------------------------------


@FAST
@given(text=ANY_TEXT, choice=TEXT, label=ANY_TEXT, start=st.sampled_from(["", "1"]), nonce=TEXT)
def test_any_web_chat_form_is_a_clean_message_or_nothing(
    text: str, choice: str, label: str, start: str, nonce: str
) -> None:
    message = webchat._incoming("chat-id", text, choice, label, start, nonce, "vi")
    if message is not None:
        # The length was held to the step's limit before (send); here a label is cut to its own.
        assert len(message.text) <= len(text) and len(message.echo) <= max(len(text), webchat.MAX_LABEL)
        _assert_clean(message)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=3000))
async def test_the_web_chat_endpoint_answers_any_bytes(demo_app: App, raw: bytes) -> None:
    """Bytes that are not UTF-8, NULs, anything: a 200 with the person's echo and a reply."""
    async with WebClient(demo_app) as web:
        token = await web.csrf()
        body = f"csrf_token={token}&nonce=n{next(_nonces)}&text=hoi".encode() + quote_from_bytes(raw).encode()
        response = await web.http.post(
            "/chat/send",
            content=body,
            headers={"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    assert any(m["from"] == "bot" for m in messages)
    assert "trục trặc" not in " ".join(m["text"] for m in messages)
