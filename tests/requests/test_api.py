"""The agency API at /api/v1 and its tokens: isolation between agencies, auth, validation, paging, CLI."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.accounts.api_tokens import UnknownAgencyError, create_token, revoke_token, verify_token
from bot.app import App
from bot.cli.main import main
from bot.storage.models import ApiTokenRow, AuditLogRow
from bot.web.app import create_web_app
from handlers.domain import NewRequest, RoutingDecision
from tests.harness import FakeClock
from tests.storage.sessions import session_of

A, B = "demo-vieclam", "demo-ubnd"
PHONE = "0356789012"


async def new_request(
    app: App, agency: str, *, chat_id: str = "p1", description: str = "Tôi cần tìm việc làm phụ hồ"
) -> str:
    async with app.uow() as uow:
        now = app.clock()
        conversation = await uow.conversations.get_or_create("test", chat_id, chat_id, now)
        code = await uow.requests.create(
            NewRequest(
                conversation_id=conversation.id,
                category="employment",
                description=description,
                locality_code="mh-an-hoa",
                phone=PHONE,
                name="Anh Minh",
                contact_time="morning",
                consent_at=now,
                routing=RoutingDecision(agency, None, "test", "test"),
            ),
            now,
        )
        await uow.commit()
    return code


async def new_token(app: App, agency: str = A, label: str = "") -> str:
    async with app.uow() as uow:
        token = await create_token(uow, agency, label, "test", app.clock())
        await uow.commit()
    return token


def aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def api(app: App) -> AsyncIterator[httpx.AsyncClient]:
    web = create_web_app(app, [])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoanhap.test/api/v1") as client:
        yield client


async def outbox_texts(app: App, chat_id: str = "p1") -> list[str]:
    async with app.uow() as uow:
        return [str(r.payload["text"]) for r in await uow.outbox.pending_for_chat("test", chat_id)]


async def test_list_read_reply_and_status(demo_app: App, clock: FakeClock) -> None:
    commits: list[int] = []
    demo_app.processor.on_commit = lambda: commits.append(1)
    first = await new_request(demo_app, A)
    clock.advance(minutes=5)
    second = await new_request(demo_app, A, chat_id="p2", description="Học nghề hàn")
    token = await new_token(demo_app, label="Hệ thống hồ sơ")

    async with api(demo_app) as client:
        listed = await client.get("/requests", headers=bearer(token))
        assert listed.status_code == 200
        page = listed.json()
        assert [i["code"] for i in page["items"]] == [first, second] and page["next_cursor"] is None
        item = page["items"][0]
        assert item["status"] == "new" and item["category"] == "employment"
        assert (item["locality_code"], item["locality_name"]) == ("mh-an-hoa", "Xã An Hòa")
        assert item["phone"] == PHONE and item["name"] == "Anh Minh" and item["contact_time"] == "morning"
        assert item["created_at"] == "2026-11-02T08:00:00Z" and item["agency_since"] == item["created_at"]
        assert item["first_response_at"] is None and item["resolved_at"] is None and item["assignee"] is None
        assert listed.headers["cache-control"] == "no-store"

        read = await client.get(f"/requests/{first}", headers=bearer(token))
        assert read.status_code == 200
        assert read.json()["description"] == "Tôi cần tìm việc làm phụ hồ"
        assert [e["type"] for e in read.json()["events"]] == ["created", "routed"]

        clock.advance(minutes=1)
        replied = await client.post(
            f"/requests/{first}/replies", headers=bearer(token), json={"text": "  Mời anh đến trung tâm sáng mai.  "}
        )
        assert replied.status_code == 201
        event = replied.json()
        assert event["type"] == "replied" and event["actor"] == "api:Hệ thống hồ sơ"
        assert event["data"]["text"] == "Mời anh đến trung tâm sáng mai."
        assert event["created_at"] == "2026-11-02T08:06:00Z"

        changed = await client.post(f"/requests/{first}/status", headers=bearer(token), json={"status": "resolved"})
        assert changed.status_code == 200
        detail = changed.json()
        assert detail["status"] == "resolved" and detail["resolved_at"] == "2026-11-02T08:06:00Z"
        assert detail["first_response_at"] == "2026-11-02T08:06:00Z"
        assert [e["type"] for e in detail["events"]] == ["created", "routed", "replied", "status", "status"]
        assert detail["events"][-1]["data"] == {"from": "in_progress", "to": "resolved"}

    # the person hears both on their own channel and chat; the other person hears nothing
    texts = await outbox_texts(demo_app, "p1")
    assert any("Mời anh đến trung tâm sáng mai." in t for t in texts)
    assert any("Đã giải quyết" in t for t in texts)
    assert await outbox_texts(demo_app, "p2") == []
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(first)
        assert row is not None
        views = await uow.request_views.of_request(row.id)
        tokens = await uow.api_tokens.all()
    assert [(v.actor, v.via) for v in views] == [(f"api:{tokens[0].prefix}", "api")]
    assert tokens[0].last_used_at is not None
    assert len(commits) == 4  # every call woke the outbox sender after its commit


async def test_another_agencys_requests_are_invisible(demo_app: App) -> None:
    mine = await new_request(demo_app, A)
    theirs = await new_request(demo_app, B, chat_id="p2")
    token = await new_token(demo_app, A)

    async with api(demo_app) as client:
        listed = (await client.get("/requests", headers=bearer(token))).json()
        assert [i["code"] for i in listed["items"]] == [mine]
        assert (await client.get("/requests", headers=bearer(token), params={"status": "new"})).json() == listed

        unknown = await client.get("/requests/YC-000000", headers=bearer(token))
        responses = [
            await client.get(f"/requests/{theirs}", headers=bearer(token)),
            await client.post(f"/requests/{theirs}/replies", headers=bearer(token), json={"text": "xin chào"}),
            await client.post(f"/requests/{theirs}/status", headers=bearer(token), json={"status": "closed"}),
        ]
        for response in [unknown, *responses]:
            assert response.status_code == 404
            assert response.json() == unknown.json() == {"detail": "no such request"}

    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(theirs)
        assert row is not None and row.status == "new"
        assert [e.type for e in await uow.requests.events(row.id)] == ["created", "routed"]
        assert await uow.request_views.of_request(row.id) == []
    assert await outbox_texts(demo_app, "p2") == []


async def test_missing_garbage_and_revoked_tokens_are_refused(demo_app: App) -> None:
    code = await new_request(demo_app, A)
    token = await new_token(demo_app, A)
    async with demo_app.uow() as uow:
        (row,) = await uow.api_tokens.all()
        await revoke_token(uow, row.id, "test", demo_app.clock())
        await uow.commit()

    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/requests", None),
        ("GET", f"/requests/{code}", None),
        ("POST", f"/requests/{code}/replies", {"text": "xin chào"}),
        ("POST", f"/requests/{code}/status", {"status": "closed"}),
    ]
    headers: list[dict[str, str]] = [
        {},
        bearer("garbage"),
        bearer(""),
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": token},  # no scheme
        bearer(token),  # revoked
        bearer("hn_" + "x" * 5000),
    ]
    async with api(demo_app) as client:
        for method, path, body in calls:
            for header in headers:
                response = await client.request(method, path, headers=header, json=body)
                assert response.status_code == 401, (method, path, header)
                assert response.headers["www-authenticate"] == "Bearer"
        # the refusal comes before any validation: nothing about the API is told to a stranger
        assert (await client.get("/requests", params={"status": "nope"})).status_code == 401

    async with demo_app.uow() as uow:
        row_ = await uow.requests.get_row(code)
        assert row_ is not None and row_.status == "new"


async def test_invalid_input_is_refused(demo_app: App) -> None:
    code = await new_request(demo_app, A)
    token = await new_token(demo_app, A)
    auth = bearer(token)
    async with api(demo_app) as client:
        refused = [
            await client.get("/requests", headers=auth, params={"status": "done"}),
            await client.get("/requests", headers=auth, params={"limit": 0}),
            await client.get("/requests", headers=auth, params={"limit": 201}),
            await client.get("/requests", headers=auth, params={"cursor": "not a cursor"}),
            await client.get("/requests", headers=auth, params={"updated_since": "yesterday"}),
            await client.post(f"/requests/{code}/status", headers=auth, json={"status": "done"}),
            await client.post(f"/requests/{code}/status", headers=auth, json={}),
            await client.post(f"/requests/{code}/replies", headers=auth, json={"text": ""}),
            await client.post(f"/requests/{code}/replies", headers=auth, json={"text": " \n\t "}),
            await client.post(f"/requests/{code}/replies", headers=auth, json={"text": "x" * 5000}),
            await client.post(f"/requests/{code}/replies", headers=auth, json={"text": 42}),
            await client.post(
                f"/requests/{code}/replies",
                headers={**auth, "Content-Type": "application/json"},
                content=b'{"text": "unterminated',
            ),
        ]
        assert [r.status_code for r in refused] == [422] * len(refused)
        # the longest reply allowed still goes through
        assert (
            await client.post(f"/requests/{code}/replies", headers=auth, json={"text": "y" * 4000})
        ).status_code == 201

        huge = json.dumps({"text": "x" * 100_000}).encode()
        too_large = await client.post(
            f"/requests/{code}/replies", headers={**auth, "Content-Type": "application/json"}, content=huge
        )
        assert too_large.status_code == 413

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b" " * 10_000
            yield b'{"text": "hi"}'

        streamed = await client.post(
            f"/requests/{code}/replies", headers={**auth, "Content-Type": "application/json"}, content=chunks()
        )
        assert streamed.status_code == 413

    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        replies = [e for e in await uow.requests.events(row.id) if e.type == "replied"]
    assert [len(e.data["text"]) for e in replies] == [4000]


async def test_markup_is_stored_as_written_and_returned_escaped(demo_app: App) -> None:
    code = await new_request(demo_app, A)
    token = await new_token(demo_app, A)
    text = "<script>alert('x')</script> & <b>đậm</b>"
    async with api(demo_app) as client:
        replied = await client.post(f"/requests/{code}/replies", headers=bearer(token), json={"text": text})
        read = await client.get(f"/requests/{code}", headers=bearer(token))
    for response in (replied, read):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"<script>" not in response.content and b"<b>" not in response.content
        assert b"\\u003cscript\\u003e" in response.content
    assert replied.json()["data"]["text"] == text
    assert read.json()["events"][-2]["data"]["text"] == text  # then the automatic move to in_progress
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None
        (stored,) = [e for e in await uow.requests.events(row.id) if e.type == "replied"]
    assert stored.data["text"] == text
    assert any(text in t for t in await outbox_texts(demo_app))


async def test_pages_return_every_request_exactly_once(demo_app: App, clock: FakeClock) -> None:
    codes = []
    for number in range(7):
        codes.append(await new_request(demo_app, A, chat_id=f"p{number}"))
        await new_request(demo_app, B, chat_id=f"q{number}")  # interleaved: must never show up
        clock.advance(minutes=1)
    token = await new_token(demo_app, A)

    async with api(demo_app) as client:

        async def pages(**params: Any) -> list[list[str]]:
            seen: list[list[str]] = []
            cursor = None
            while True:
                query = {**params, **({"cursor": cursor} if cursor else {})}
                response = await client.get("/requests", headers=bearer(token), params=query)
                assert response.status_code == 200, response.text
                body = response.json()
                seen.append([i["code"] for i in body["items"]])
                cursor = body["next_cursor"]
                if cursor is None:
                    return seen

        assert await pages(limit=3) == [codes[0:3], codes[3:6], codes[6:7]]
        assert await pages(limit=7) == [codes]
        assert await pages() == [codes]

        # a request created while paging shows up on a later page, and nothing repeats
        first = await client.get("/requests", headers=bearer(token), params={"limit": 4})
        late = await new_request(demo_app, A, chat_id="late")
        rest = await client.get(
            "/requests", headers=bearer(token), params={"limit": 4, "cursor": first.json()["next_cursor"]}
        )
        assert [i["code"] for i in first.json()["items"] + rest.json()["items"]] == [*codes, late]

        # changed since: only what moved after that moment
        clock.advance(hours=1)
        since = clock().isoformat()
        changed = await client.post(f"/requests/{codes[2]}/status", headers=bearer(token), json={"status": "waiting"})
        assert changed.status_code == 200
        assert await pages(updated_since=since) == [[codes[2]]]
        hanoi = clock().astimezone(timezone(timedelta(hours=7))).isoformat()
        assert hanoi.endswith("+07:00") and await pages(updated_since=hanoi) == [[codes[2]]]
        assert await pages(updated_since=since.replace("+00:00", "")) == [[codes[2]]]  # no zone: UTC
        assert await pages(status="waiting", limit=1) == [[codes[2]]]
        assert await pages(status="closed") == [[]]


async def test_openapi_document_is_served_without_a_docs_ui(demo_app: App) -> None:
    async with api(demo_app) as client:
        response = await client.get("/openapi.json")
        assert (await client.get("/docs")).status_code == 404
        assert (await client.get("/redoc")).status_code == 404
    assert response.status_code == 200
    document = response.json()
    assert document["info"] == {
        "title": "Hòa Nhập agency API",
        "version": "1",
        "description": document["info"]["description"],
    }
    assert set(document["paths"]) == {
        "/listings",
        "/registrations",
        "/requests",
        "/requests/{code}",
        "/requests/{code}/replies",
        "/requests/{code}/status",
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    schemas = document["components"]["schemas"]
    assert {"RequestItem", "RequestDetail", "RequestPage", "Event", "ReplyIn", "StatusIn"} <= set(schemas)
    assert "resolved" in schemas["StatusIn"]["properties"]["status"]["enum"]
    assert "phone" in schemas["RequestItem"]["required"]


async def test_tokens_are_kept_as_hashes_and_checked(demo_app: App, clock: FakeClock) -> None:
    async with demo_app.uow() as uow:
        with pytest.raises(UnknownAgencyError):
            await create_token(uow, "no-such-agency", "", "test", clock())
        token = await create_token(uow, A, "  CMS   v2 ", "admin:lan", clock())
        await uow.commit()
    assert token.startswith("hn_") and len(token) > 40

    async with demo_app.uow() as uow:
        (row,) = await uow.api_tokens.all()
        audit = list((await session_of(uow).execute(select(AuditLogRow))).scalars())
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert (row.prefix, row.label, row.created_by, row.agency_code) == (token[:8], "CMS v2", "admin:lan", A)
    (created,) = [a for a in audit if a.action == "token.create"]
    assert created.actor == "admin:lan" and token not in json.dumps([created.target, created.after, created.before])

    # last_used_at moves at most once a minute: a busy integration does not write on every call
    stamps = []
    for step in (0, 30, 31):  # seconds after the previous call
        clock.advance(seconds=step)
        async with demo_app.uow() as uow:
            found = await verify_token(uow, token, clock())
            assert found is not None
            stamps.append(found.last_used_at)
            await uow.commit()
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    assert [aware(s) for s in stamps] == [start, start, start + timedelta(seconds=61)]

    async with demo_app.uow() as uow:
        assert await verify_token(uow, token[:-1], clock()) is None
        assert await verify_token(uow, "", clock()) is None
        await revoke_token(uow, row.id, "admin:lan", clock())
        assert await verify_token(uow, token, clock()) is None
        await uow.commit()


# -- the CLI, in this process (on the test's database) -------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("HOANHAP_DATABASE_URL", database_url)
    monkeypatch.setenv("HOANHAP_DATA_DIR", str(tmp_path / "cli"))
    # main() sets up logging for a process of its own; give the test runner its handlers back.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


async def hoanhap(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    # main() runs its own event loop: on a thread of its own, as a separate process would.
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_cli_tokens_create_list_revoke(demo_app: App, cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = await new_request(demo_app, A)

    status, out, err = await hoanhap(capsys, "tokens", "create", "--agency", "no-such-agency")
    assert status == 1 and "no agency no-such-agency" in err and out == ""

    status, out, _ = await hoanhap(capsys, "tokens", "create", "--agency", A, "--label", "CMS")
    assert status == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("hn_") and " " not in token

    status, out, _ = await hoanhap(capsys, "tokens", "list", "--json")
    assert status == 0 and token not in out
    (listed,) = json.loads(out)
    assert listed["agency"] == A and listed["label"] == "CMS" and listed["prefix"] == token[:8]
    assert listed["revoked_at"] is None and listed["last_used_at"] is None
    status, out, _ = await hoanhap(capsys, "tokens", "list")
    assert status == 0 and token not in out and token[:8] in out

    async with demo_app.uow() as uow:
        stored = list((await session_of(uow).execute(select(ApiTokenRow.token_hash))).scalars())
    assert stored == [hashlib.sha256(token.encode()).hexdigest()] and token not in stored

    async with api(demo_app) as client:
        assert (await client.get(f"/requests/{code}", headers=bearer(token))).status_code == 200
        status, out, _ = await hoanhap(capsys, "tokens", "revoke", str(listed["id"]))
        assert status == 0 and "revoked" in out
        assert (await client.get(f"/requests/{code}", headers=bearer(token))).status_code == 401

    status, out, _ = await hoanhap(capsys, "tokens", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["revoked_at"] is not None and listed["last_used_at"] is not None
    status, _, err = await hoanhap(capsys, "tokens", "revoke", "999")
    assert status == 1 and "no API token 999" in err
