"""Nothing personal reaches the logs; a person only ever sees their own requests."""

from __future__ import annotations

import io
import logging

import pytest

from bot.app import App
from bot.logging_setup import RedactingFilter, redact, setup_logging
from tests.handlers.test_conversation_intake import at_step


@pytest.mark.parametrize("phone", ["0912345678", "+84 912 345 678", "84912345678", "0912.345.678"])
def test_phone_numbers_are_redacted(phone: str) -> None:
    assert phone not in redact(f"user sent {phone} today")
    assert "[phone]" in redact(f"user sent {phone} today")


def test_log_records_pass_through_the_filter() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("0912345678",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "phone [phone]"


async def test_a_whole_form_logs_nothing_personal(demo_app: App) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", stream)  # the most talkative level an operator can choose
    try:
        person = await at_step(demo_app, "confirm")
        await person.presses("form:confirm")
        await person.says("0356 789 012 là số của tôi, tôi cần phụ hồ")  # free text outside the form too
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert "Đã gửi yêu cầu" in person.text or person.replies
    logged = stream.getvalue()
    assert "0356" not in logged and "789 012" not in logged
    assert "phụ hồ" not in logged  # the description


async def test_someone_elses_code_is_never_shown(demo_app: App) -> None:
    owner = await at_step(demo_app, "confirm", chat_id="owner")
    await owner.presses("form:confirm")
    code = owner.text.split("Mã của bạn: ")[1].split()[0]
    stranger = await at_step(demo_app, "category", chat_id="stranger")
    await stranger.says("/menu")
    await stranger.says(f"cho hỏi yêu cầu {code}")
    assert "Không thấy yêu cầu" in stranger.text
    assert "phụ hồ" not in stranger.text
    await stranger.presses_raw(f"req:show:{code}")
    assert "Không thấy yêu cầu" in stranger.text
    await stranger.presses_raw(f"req:cancelyes:{code}")
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "new"
