"""Consent as data (the version and its words kept; a refused or cancelled form keeps nothing on the
web chat), and the retention round: what it erases, after how long, and what a dry run only counts."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.channels import webchat
from bot.privacy.retention import retention_round, run_retention
from bot.requests import service
from bot.storage.models import ConsentTextRow, MatchLogRow
from tests.cli.test_cli import hoanhap
from tests.harness import FakeClock
from tests.privacy.test_erasure import DESCRIPTION, NAME, PHONE_TYPED, fill_and_send
from tests.privacy.web_person import WebPerson
from tests.storage.sessions import session_of


async def _until_consent(person: WebPerson, clock: FakeClock) -> None:
    await person.start()
    clock.advance(seconds=5)
    await person.presses("menu:request", "📝 Gửi yêu cầu")
    await person.presses("form:cat:employment", "Việc làm")
    await person.says(DESCRIPTION)
    await person.presses("form:loc:mh-an-hoa", "Xã An Hòa")
    await person.says(PHONE_TYPED)
    await person.says(NAME)
    await person.presses("form:time:morning", "Buổi sáng")


@pytest.mark.parametrize("leave", ["form:no", "form:cancel", "/huy"])
async def test_a_form_not_sent_keeps_nothing_of_what_was_typed(demo_app: App, clock: FakeClock, leave: str) -> None:
    person = WebPerson(demo_app, f"web-{leave}")
    await _until_consent(person, clock)
    if leave.startswith("/"):
        await person.says(leave)
    else:
        await person.presses(leave, "Không")
    kept = "\n".join(await person.transcript())
    for typed in (PHONE_TYPED, NAME, DESCRIPTION, "+84 35*** *012"):
        assert typed not in kept
    # the greeting from before the form stays; the menu after it is there to go on
    assert "Xin chào" in kept


async def test_the_consent_version_and_its_words_are_kept(demo_app: App) -> None:
    person = WebPerson(demo_app, "web-consent")
    code = await fill_and_send(person)
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.consent_version.startswith("c-")
        words = (await session_of(uow).execute(select(ConsentTextRow))).scalars().all()
    assert [w.version for w in words] == [row.consent_version]
    assert "{agency}" in words[0].text and words[0].locale == "vi"
    # the text the person agreed to says where the data goes and how long it is kept
    assert "Telegram, Zalo" in words[0].text and "{keep_days}" in words[0].text


async def test_retention_erases_what_was_kept_long_enough(demo_app: App, clock: FakeClock) -> None:
    person = WebPerson(demo_app, "web-old")
    code = await fill_and_send(person)
    async with demo_app.uow() as uow:
        await service.change_status(uow, demo_app.texts, code, "resolved", "lan", clock())
        await uow.commit()
    async with demo_app.uow() as uow:
        # the browser fetched the replies: they are delivered, no longer on their way
        await webchat.transcript(uow, clock, person.chat_id, 0)
    settings = demo_app.settings

    clock.advance(days=30)
    nothing = await retention_round(demo_app.database, settings, clock())
    assert not nothing.erased_anything

    clock.advance(days=settings.retention_transcript_days)
    async with demo_app.uow() as uow:
        dry = await run_retention(uow, settings, clock(), dry_run=True)
    assert dry.dry_run and dry.messages > 0 and dry.conversations == 1 and dry.requests == 0
    report = await retention_round(demo_app.database, settings, clock())
    assert (report.messages, report.conversations, report.requests) == (dry.messages, 1, 0)
    assert await person.transcript() == []

    clock.advance(days=settings.retention_pseudonym_days)
    assert (await retention_round(demo_app.database, settings, clock())).pseudonyms >= 1
    async with demo_app.uow() as uow:
        left = (await session_of(uow).execute(select(MatchLogRow.pseudonym))).scalars().all()
    assert set(left) <= {None}

    clock.advance(days=settings.retention_request_days)
    assert (await retention_round(demo_app.database, settings, clock())).requests == 1
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
    assert row is not None and row.phone == "" and row.conversation_id is None and row.status == "resolved"
    # a second round finds nothing left to do
    again = await retention_round(demo_app.database, settings, clock() + timedelta(days=1))
    assert not again.erased_anything


def test_the_retention_command_prints_counts_as_json(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOANHAP_")}
    env["HOANHAP_DATA_DIR"] = str(tmp_path / "var")
    hoanhap(env, "init", "--demo")
    for dry in (["--dry-run"], []):
        printed = json.loads(hoanhap(env, "retention", "run", *dry).stdout.strip().splitlines()[-1])
        assert printed == {
            "requests": 0,
            "messages": 0,
            "conversations": 0,
            "pseudonyms": 0,
            "update_ids": 0,
            "dry_run": bool(dry),
        }
