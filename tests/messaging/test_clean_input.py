"""What people and staff send is cleaned at the door: no control characters, no lone surrogates, no
text past the configured limit ever reaches the core or the database."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.app import App
from bot.messaging.agency_desk import AgencyDesk, StaffMessage
from bot.messaging.sanitise import clean_text, sanitise
from handlers.messages import IncomingMessage
from tests.handlers.test_conversation_intake import at_step
from tests.harness import Person

# What a hostile or broken client sends: NUL (PostgreSQL refuses it in text), escape, DEL, a lone
# surrogate (not encodable as UTF-8), a carriage return, a bell.
DIRTY = "Tôi cần\x00 tìm việc\x1b[31m làm\x7f phụ hồ\ud800 gần nhà\r\nở chợ\x07"
CLEAN = "Tôi cần tìm việc[31m làm phụ hồ gần nhà\nở chợ"


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    from bot.logging_setup import setup_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        (DIRTY, CLEAN),
        ("a\tb\nc", "a\tb\nc"),  # tabs and new lines are what people type
        ("\x0bx\x0cy\x85z", " x y z"),  # vertical tab, form feed and NEL are spaces
        ("\u200b\u202eabc", "\u200b\u202eabc"),  # format characters are text, not controls
        ("\U0001f600 \udfff", "\U0001f600 "),
        ("", ""),
    ],
)
def test_clean_text(dirty: str, clean: str) -> None:
    assert clean_text(dirty, 100) == clean


def test_over_long_text_is_cut_to_the_limit() -> None:
    assert clean_text("á" * 10_000, 4096) == "á" * 4096
    message = sanitise(IncomingMessage("web", "c", text="x" * 50, echo="y" * 50), 10)
    assert (message.text, message.echo) == ("x" * 10, "y" * 10)


def test_every_field_of_a_message_is_cleaned_and_ids_fit_their_columns() -> None:
    long_id = "u" * 500
    message = sanitise(
        IncomingMessage(
            "telegram\x00", "c\x00h", "us\ud800er", text="t", choice="req:\x00show", update_id=long_id,
            display_name="An\x1b", contact_phone="09\x0012",
        ),
        100,
    )  # fmt: skip
    assert (message.channel, message.chat_id, message.user_id) == ("telegram", "ch", "user")
    assert (message.choice, message.display_name, message.contact_phone) == ("req:show", "An", "0912")
    assert len(message.update_id) <= 128
    # Two different over-long ids stay different: a redelivery check must not merge them.
    other = sanitise(IncomingMessage("t", "c", update_id=long_id + "v"), 100)
    assert other.update_id != message.update_id and len(other.update_id) <= 128


async def test_a_nul_byte_in_a_description_files_the_request_and_logs_nothing_personal(demo_app: App) -> None:
    """The defect: on PostgreSQL a NUL byte made every message of the form fail ("Xin lỗi, mình gặp
    trục trặc"), and the traceback printed the SQL parameters with the person's phone and name."""
    with captured_logs() as logs:
        person = await at_step(demo_app, "description")
        await person.says(DIRTY)
        await person.presses("form:loc:mh-an-hoa")
        await person.says("0356 789 012")
        await person.says("Nguyễn Thị Hồng\x00")
        await person.presses("form:time:morning")
        await person.presses("form:yes")
        await person.presses("form:confirm")
    assert "Đã gửi yêu cầu" in person.text, person.text
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        assert (row.description, row.name) == (CLEAN, "Nguyễn Thị Hồng")
    logged = logs.getvalue()
    assert "trục trặc" not in person.text
    for personal in ("0356", "789 012", "Hồng", "phụ hồ"):
        assert personal not in logged


async def test_the_web_chat_keeps_only_clean_text(demo_app: App) -> None:
    from tests.web_client import WebClient

    async with WebClient(demo_app) as web:
        token = await web.csrf()
        response = await web.http.post(
            "/chat/send",
            data={"csrf_token": token, "text": "hỏi\x00 vay\x1b vốn", "nonce": "n1"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200
        mine = [m["text"] for m in response.json()["messages"] if m["from"] == "me"]
    assert mine == ["hỏi vay vốn"]


async def test_staff_messages_from_groups_are_cleaned(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    # An unlinked group's /xong is answered: the command was read through the control characters.
    assert await desk.handle(StaffMessage("staffnet", "-1\x00", "s1\ud800", "Chị\x00 Lan", text="/xo\x00ng YC-1"))
    async with demo_app.uow() as uow:
        (row,) = await uow.outbox.pending_for_chat("staffnet", "-1")
    assert "chưa được liên kết" in row.payload["text"]


async def test_a_message_that_is_only_control_characters_is_answered(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    replies = await person.says("\x00\x01\x02")
    assert replies and "trục trặc" not in person.text
