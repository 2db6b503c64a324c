"""HOANHAP_LOG_FORMAT=json: one JSON object a line, the request's id in each, nothing personal or secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import App
from bot.logging_setup import setup_logging
from tests.ops.test_metrics_page import configure
from tests.storage.sessions import session_of
from tests.web_client import WebClient

FIELDS = {"time", "level", "logger", "message", "request_id", "exception"}
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "the-configured-secret-key-value"
PHONE = "0912 345 678"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    setup_logging("DEBUG", stream, secrets=(SECRET,), fmt="json")
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]  # each line, whole, is JSON
    assert all(set(entry) == FIELDS for entry in entries)
    return entries


def test_each_record_is_one_json_line_with_its_fields(json_log: io.StringIO) -> None:
    log = logging.getLogger("hoanhap.test")
    log.info("plain %s", "text")
    log.warning("Vietnamese stays readable: Hòa Nhập\nand a newline stays inside the line")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("it failed")
    first, second, third = lines(json_log)
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "hoanhap.test", "plain text")
    assert first["exception"] is None and first["request_id"] is None
    assert str(first["time"]).endswith("+00:00")
    assert "Hòa Nhập" in json_log.getvalue()  # not \\u-escaped
    assert "\n" in str(second["message"])
    assert third["level"] == "ERROR" and "RuntimeError: boom" in str(third["exception"])
    assert "Traceback" in str(third["exception"])


def test_phones_tokens_and_secrets_never_appear(json_log: io.StringIO) -> None:
    log = logging.getLogger("hoanhap.test")
    log.info("a person wrote %s", PHONE)
    log.info("GET https://api.telegram.org/bot%s/getMe", BOT_TOKEN)
    log.warning("the key is %s", SECRET)
    try:
        raise ValueError(f"could not send to +84912345678 with {BOT_TOKEN} and {SECRET}")
    except ValueError:
        log.exception("a failure whose traceback holds them")
    log.info("a huge line %s", "x" * 100_000)
    logged = json_log.getvalue()
    entries = lines(json_log)
    for leak in (PHONE, "912345678", "345 678", BOT_TOKEN, "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", SECRET):
        assert leak not in logged
    assert "[phone]" in logged and "[token]" in logged and "[secret]" in logged
    assert len(str(entries[-1]["message"])) <= 2001  # cut, not written whole


async def test_the_request_id_is_in_every_line_of_its_request(app: App, json_log: io.StringIO) -> None:
    """A slow database makes /metrics log a warning while serving: that line carries the request's id."""
    configure(app, metrics_db_timeout_seconds=0.3)
    async with app.uow() as holder, WebClient(app) as client:
        if app.database.serial is None:
            await session_of(holder).execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
        response = await client.http.get("/metrics", headers={"X-Request-ID": "edge-7f3a.12:9"})
        await holder.rollback()
    assert response.headers["x-request-id"] == "edge-7f3a.12:9"
    warnings = [e for e in lines(json_log) if "did not answer" in str(e["message"])]
    assert [e["request_id"] for e in warnings] == ["edge-7f3a.12:9"]


@pytest.mark.parametrize(
    "given",
    [b"", b"has space", b"x" * 129, b"-leading-dash", b"semi;colon", b'quote"d', "ümlaut".encode(), b"\x00nul"],
)
async def test_an_unusable_request_id_is_replaced(app: App, given: bytes) -> None:
    async with WebClient(app) as client:
        response = await client.http.get("/healthz", headers={"X-Request-ID": given})
        other = await client.http.get("/healthz", headers={"X-Request-ID": given})
    made = response.headers["x-request-id"]
    assert made.encode() != given and len(made) == 32 and int(made, 16) >= 0
    assert other.headers["x-request-id"] != made  # a fresh one for each request


async def test_every_response_has_an_id_even_a_refused_body(app: App) -> None:
    async with WebClient(app) as client:
        page = await client.http.get("/healthz")
        too_large = await client.http.post(
            "/chat/send",
            content=b"x" * (5 * 1024 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert len(page.headers["x-request-id"]) == 32
    assert too_large.status_code == 413 and len(too_large.headers["x-request-id"]) == 32


async def test_a_phone_number_given_as_request_id_is_echoed_but_not_logged(app: App, json_log: io.StringIO) -> None:
    configure(app, metrics_db_timeout_seconds=0.3, metrics_token=SecretStr(SECRET))
    async with app.uow() as holder, WebClient(app) as client:
        if app.database.serial is None:
            await session_of(holder).execute(text("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE"))
        response = await client.http.get("/metrics", headers={"X-Request-ID": "0912345678"})
        await holder.rollback()
    assert response.headers["x-request-id"] == "0912345678"  # the caller's own value, back to the caller
    assert "0912345678" not in json_log.getvalue()
    assert any(e["request_id"] == "[phone]" for e in lines(json_log))
