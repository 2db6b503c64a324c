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


# A token in Telegram's shape (digits, colon, 35 characters), as it appears in Bot API URLs.
TOKEN = "7312345678:AAHk3x9Qm_ZpW-v2LrT8sNq4YbUc6dEfGh1"
PHONE, NAME = "0356 789 012", "Nguyễn Thị Hồng"


def _forced_failure_sql(dialect: str) -> tuple[list[str], list[str]]:
    """A trigger that breaks every new request's INSERT: the database error then carries the row's phone
    and name in its statement parameters, as the NUL byte's did on PostgreSQL. Not a constraint
    violation, which the request code's retry would take for a lost race."""
    if dialect == "sqlite":
        create = ["CREATE TRIGGER forced_failure BEFORE INSERT ON requests BEGIN INSERT INTO forced VALUES (1); END"]
        return create, ["DROP TRIGGER IF EXISTS forced_failure"]
    create = [
        "CREATE FUNCTION forced_failure() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'forced' USING ERRCODE = 'data_exception'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER forced_failure BEFORE INSERT ON requests FOR EACH ROW EXECUTE FUNCTION forced_failure()",
    ]
    return create, ["DROP TRIGGER IF EXISTS forced_failure ON requests", "DROP FUNCTION IF EXISTS forced_failure()"]


async def _run_sql(app: App, statements: list[str]) -> None:
    from sqlalchemy import text

    async with app.database.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_a_database_error_logs_no_phone_and_no_name(demo_app: App) -> None:
    """The defect: the traceback of a failed statement printed its parameters (the person's phone and
    name), and the redacting filter rewrote messages but not tracebacks."""
    create, drop = _forced_failure_sql(demo_app.database.engine.dialect.name)
    person = await at_step(demo_app, "phone")
    await person.says(PHONE)
    await person.says(NAME)
    await person.presses("form:time:morning")
    await person.presses("form:yes")
    await _run_sql(demo_app, create)
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", stream)
    try:
        await person.presses("form:confirm")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        await _run_sql(demo_app, drop)
    assert "trục trặc" in person.text  # the failure happened, and was said
    logged = stream.getvalue()
    assert "Traceback" in logged and "forced" in logged  # the error is logged, its personal data is not
    for personal in ("0356", "356789012", "789 012", "Hồng", "phụ hồ"):
        assert personal not in logged, personal


def test_tracebacks_pass_through_the_redaction() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("INFO", stream)
    try:
        try:
            raise ValueError(f"could not send to 0912345678 via https://api.telegram.org/bot{TOKEN}/sendMessage")
        except ValueError:
            logging.getLogger("bot.test").exception("sending failed")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    logged = stream.getvalue()
    assert "ValueError" in logged and "[phone]" in logged and "bot[token]/sendMessage" in logged
    assert "0912345678" not in logged and TOKEN not in logged and TOKEN.split(":")[1] not in logged


@pytest.mark.parametrize(
    "line",
    [
        f"POST https://api.telegram.org/bot{TOKEN}/getUpdates",
        f"token={TOKEN}",
        "http://127.0.0.1:9/bot123456789:zalo-Bot_token-with-thirty-chars-ok/sendMessage",
    ],
)
def test_bot_tokens_are_redacted(line: str) -> None:
    assert TOKEN not in redact(line) and "thirty-chars" not in redact(line)


async def test_the_zalo_clients_requests_are_logged_without_the_token() -> None:
    """httpx logs every request's URL at INFO, and the Bot Platform's URLs carry the token."""
    from bot.channels.zalo.bot_platform import ZaloBotClient
    from tests.fakes.zalo_api import FakeZaloBot

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("INFO", stream)
    try:
        async with FakeZaloBot(token=TOKEN) as fake:
            client = ZaloBotClient(TOKEN, f"http://127.0.0.1:{fake.port}")
            try:
                await client.call("sendChatAction", chat_id="u1", action="typing")
            finally:
                await client.close()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    logged = stream.getvalue()
    assert "sendChatAction" in logged  # the request was logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged


def test_configured_secrets_are_masked_wherever_they_appear() -> None:
    from bot.config import Settings

    settings = Settings(_env_file=None, zalo_oa_secret_key="oa-secret-key-1234", telegram_token=TOKEN)  # type: ignore[call-arg]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s", ("oa-secret-key-1234",), None)
    RedactingFilter(settings.secret_values()).filter(record)
    assert record.getMessage() == "key [secret]"
