"""Property-based: whatever a person sends, in whatever order, the core answers, never fails, and leaves
a conversation state that reads back as it was written.

Through the real message processor (the one door every channel uses, sanitiser included) on a real
database, so "no exception" means what the person sees: a reply that is not the apology.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from bot.messaging.sanitise import clean_text
from bot.storage.models import ConversationRow, RequestRow
from handlers.messages import CHOICE, CONTACT, START, TEXT, UNSUPPORTED, IncomingMessage
from handlers.state import ConversationState
from tests.harness import CHANNEL, Person
from tests.storage.sessions import session_of

_chats = itertools.count(1)
_updates = itertools.count(1)
# What hostile or broken clients send beside ordinary text.
NASTY = st.sampled_from(
    ["\x00", "\x1b", "\x7f", "\ud800", "\udfff", "\r", "\u202e", "\ufeff", "\u200b", "\U0001f600", "/"]
)
UNICODE = st.text(alphabet=st.one_of(st.characters(), NASTY), max_size=200)
HUGE = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=4), st.integers(500, 6000))
TYPED = st.one_of(
    UNICODE,
    HUGE,
    st.sampled_from(["1", "2", "9", "0", "/menu", "/start", "/huy", "/trogiup", "/dulieucuatoi", "có", "không", ""]),
    st.from_regex(r"0[0-9 .]{9,14}", fullmatch=True),  # phone-like, for the form's phone step
)
PREFIXES = ["menu", "cat", "faq", "more", "help", "ask:person", "req", "req:show", "req:stopadd", "form", "form:cat",
            "form:prov", "form:loc", "form:time", "form:edit", "staff", "", "zzz"]  # fmt: skip
CHOICE_IDS = st.one_of(
    st.builds(lambda p, rest: f"{p}:{rest}" if p else rest, st.sampled_from(PREFIXES), UNICODE),
    st.sampled_from(["menu:request", "form:yes", "form:no", "form:skip", "form:confirm", "form:editmenu"]),
)
MESSAGE = st.one_of(
    st.builds(lambda t: {"kind": TEXT, "text": t}, TYPED),
    st.builds(lambda c: {"kind": CHOICE, "choice": c}, CHOICE_IDS),
    st.builds(lambda p, own: {"kind": CONTACT, "contact_phone": p, "contact_is_own": own}, UNICODE, st.booleans()),
    st.just({"kind": UNSUPPORTED}),
    st.just({"kind": START}),
)


def _state_is_valid(stored: dict[str, object], locales: tuple[str, ...]) -> None:
    json.dumps(stored)  # the column is JSON
    state = ConversationState.from_dict(stored)
    assert state.to_dict() == stored, "the state reads back as it was written"
    assert state.locale in locales
    assert all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c) for c in state.choices)
    for text in (state.flow, state.step, state.request_code, state.draft_question):
        assert isinstance(text, str) and "\x00" not in text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conversation=st.lists(MESSAGE, min_size=1, max_size=6))
async def test_any_conversation_is_answered_and_leaves_a_valid_state(
    demo_app: App, conversation: list[dict[str, object]]
) -> None:
    chat = f"h{next(_chats)}"
    apology = demo_app.texts.get("vi", "internal_error")
    for fields in conversation:
        message = IncomingMessage(CHANNEL, chat, chat, update_id=f"u{next(_updates)}", **fields)  # type: ignore[arg-type]
        async with demo_app.uow() as uow:
            # By id, not by count: a cancelled form takes the chat's earlier rows with it.
            before = {r.id for r in await uow.outbox.pending_for_chat(CHANNEL, chat)}
        assert await demo_app.processor.process(message)
        async with demo_app.uow() as uow:
            rows = await uow.outbox.pending_for_chat(CHANNEL, chat)
        replies = [str(r.payload.get("text", "")) for r in rows if r.id not in before]
        assert replies, f"no reply to {fields!r}"
        assert apology not in replies, f"the core failed on {fields!r}"
    async with demo_app.uow() as uow:
        found = await session_of(uow).execute(select(ConversationRow).where(ConversationRow.chat_id == chat))
        row = found.scalar_one()
    _state_is_valid(row.state, tuple(demo_app.texts.locales))


def _form(description: str, phone: str, name: str) -> list[dict[str, object]]:
    """The request form walked to its end with the free-text answers given (a refused answer is
    asked again, and the walk goes on regardless)."""
    return [
        {"kind": START},
        {"kind": CHOICE, "choice": "menu:request"},
        {"kind": CHOICE, "choice": "form:cat:employment"},
        {"kind": TEXT, "text": description},
        {"kind": CHOICE, "choice": "form:loc:mh-an-hoa"},
        {"kind": TEXT, "text": phone},
        {"kind": TEXT, "text": name},
        {"kind": CHOICE, "choice": "form:time:morning"},
        {"kind": CHOICE, "choice": "form:yes"},
        {"kind": CHOICE, "choice": "form:confirm"},
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    description=st.one_of(UNICODE.map(lambda t: "Tôi cần tìm việc làm " + t), HUGE),
    phone=st.one_of(st.just("0356 789 012"), TYPED),
    name=UNICODE,
)
async def test_any_answers_to_the_form_are_answered_and_stored_clean(
    demo_app: App, description: str, phone: str, name: str
) -> None:
    chat = f"f{next(_chats)}"
    apology = demo_app.texts.get("vi", "internal_error")
    for fields in _form(description, phone, name):
        message = IncomingMessage(CHANNEL, chat, chat, update_id=f"u{next(_updates)}", **fields)  # type: ignore[arg-type]
        assert await demo_app.processor.process(message)
    async with demo_app.uow() as uow:
        texts = [str(r.payload.get("text", "")) for r in await uow.outbox.pending_for_chat(CHANNEL, chat)]
        stored = (await session_of(uow).execute(select(RequestRow.description, RequestRow.name))).all()
    assert apology not in texts
    for row in stored:
        for value in row:
            assert value is None or clean_text(value, len(value)) == value


async def test_a_pressed_category_without_a_name_is_stale_not_a_failure(demo_app: App) -> None:
    """Found by the property above: "cat:" gathered the uncategorised entries and failed on the
    missing text "category_"."""
    person = Person(demo_app)
    await person.start()
    await person.presses_raw("cat:")
    assert person.replies and "trục trặc" not in person.text


async def test_a_superscript_digit_is_not_a_choice_number(demo_app: App) -> None:
    """Found by the form property: "²" passed str.isdigit and failed int()."""
    person = Person(demo_app)
    await person.start()
    await person.says("²")
    assert person.replies and "trục trặc" not in person.text
