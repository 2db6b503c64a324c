"""An agency's allow-list of staff Telegram ids: kept through its service (checked, audited), by the
`hoanhap agencies staff-ids` command (JSON), and obeyed by the agency desk."""

from __future__ import annotations

import itertools
import json

import pytest

from bot.agencies import staff_ids
from bot.app import App
from bot.messaging.agency_desk import AgencyDesk, StaffMessage
from bot.requests.errors import RequestError
from tests.cli.test_cli import env as env  # the CLI tests' environment fixture
from tests.cli.test_cli import hoanhap
from tests.handlers.test_conversation_intake import at_step
from tests.messaging.test_agency_desk import GROUP_A, STAFF_CHANNEL, group_texts, link

AGENCY = "demo-vieclam"
_ids = itertools.count(1)


def from_user(user_id: str, text: str = "", action: str = "") -> StaffMessage:
    return StaffMessage(
        STAFF_CHANNEL, GROUP_A, f"k{next(_ids)}", f"tg:{user_id} Lan", text=text, action=action, user_id=user_id
    )


async def test_ids_are_added_once_removed_and_audited(demo_app: App) -> None:
    now = demo_app.clock()
    async with demo_app.uow() as uow:
        assert await staff_ids.listed(uow, AGENCY) == []
        assert await staff_ids.add(uow, AGENCY, "12345", "admin", now) is True
        assert await staff_ids.add(uow, AGENCY, " 0012345 ", "admin", now) is False  # the same number
        assert await staff_ids.add(uow, AGENCY, "678", "admin", now) is True
        assert [row["user_id"] for row in await staff_ids.listed(uow, AGENCY)] == ["12345", "678"]
        assert await staff_ids.listed(uow, "demo-congan") == []  # per agency
        assert await staff_ids.remove(uow, AGENCY, "678", "admin", now) is True
        assert await staff_ids.remove(uow, AGENCY, "678", "admin", now) is False
        audit = [(r.action, r.actor) for r in await uow.audit.newest(limit=10) if r.action.startswith("agency.staff")]
        await uow.commit()
    assert audit == [
        ("agency.staff_id_removed", "admin"),
        ("agency.staff_id_added", "admin"),
        ("agency.staff_id_added", "admin"),
    ]


@pytest.mark.parametrize(
    ("agency", "user_id", "key"),
    [
        (AGENCY, "", "bad_staff_id"),
        (AGENCY, "   ", "bad_staff_id"),
        (AGENCY, "0", "bad_staff_id"),
        (AGENCY, "-5", "bad_staff_id"),
        (AGENCY, "12 34", "bad_staff_id"),
        (AGENCY, "@lan_cb", "bad_staff_id"),  # a username is anyone's to take; only the number counts
        (AGENCY, "Nguyễn A", "bad_staff_id"),
        (AGENCY, "1" * 21, "bad_staff_id"),
        (AGENCY, "12345'; DROP TABLE agency_staff_ids; --", "bad_staff_id"),
        ("no-such-agency", "12345", "unknown_agency"),
        ("", "12345", "unknown_agency"),
    ],
)
async def test_bad_ids_and_agencies_are_refused(demo_app: App, agency: str, user_id: str, key: str) -> None:
    async with demo_app.uow() as uow:
        with pytest.raises(RequestError) as refused:
            await staff_ids.add(uow, agency, user_id, "admin", demo_app.clock())
        assert refused.value.key == key
        assert await uow.staff_ids.for_agency(AGENCY) == []


async def test_the_desk_obeys_the_list(demo_app: App) -> None:
    desk = AgencyDesk(demo_app.database, demo_app.texts, demo_app.clock)
    await link(demo_app, desk, AGENCY, GROUP_A)
    person = await at_step(demo_app, "confirm")
    await person.presses("form:confirm")
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    async with demo_app.uow() as uow:
        await staff_ids.add(uow, AGENCY, "77", "admin", demo_app.clock())
        await uow.commit()

    before = len(await group_texts(demo_app, GROUP_A))
    refused = await desk.handle(from_user("555", action=f"staff:claim:{code}"))
    assert refused and "555" in refused.alert  # a press: told to the presser alone
    assert len(await group_texts(demo_app, GROUP_A)) == before
    nameless = await desk.handle(from_user("", action=f"staff:phone:{code}"))  # no id (an anonymous admin)
    assert "chưa có trong danh sách" in nameless.alert and "0356" not in nameless.alert
    await desk.handle(from_user("555", text=f"/xong {code}"))  # a command: told in the group
    assert "chưa có trong danh sách" in (await group_texts(demo_app, GROUP_A))[-1]

    shown = await desk.handle(from_user("77", action=f"staff:phone:{code}"))
    assert "0356 789 012" in shown.alert
    await desk.handle(from_user("77", text=f"/xong {code}"))
    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "resolved"
        resolved = [e.actor for e in await uow.requests.events(row.id) if e.type == "status"]
    assert resolved == ["tg:77 Lan"]


def test_the_command_speaks_json(env: dict[str, str]) -> None:
    hoanhap(env, "init", "--demo")

    def run(*args: str) -> dict[str, object]:
        result: dict[str, object] = json.loads(hoanhap(env, "agencies", "staff-ids", *args).stdout)
        return result

    assert run("list", AGENCY) == {"agency": AGENCY, "staff_ids": []}
    assert run("add", AGENCY, "12345") == {"agency": AGENCY, "staff_ids": ["12345"], "changed": True}
    assert run("add", AGENCY, "12345") == {"agency": AGENCY, "staff_ids": ["12345"], "changed": False}
    assert run("add", AGENCY, "678")["staff_ids"] == ["12345", "678"]
    assert run("remove", AGENCY, "12345") == {"agency": AGENCY, "staff_ids": ["678"], "changed": True}
    bad = hoanhap(env, "agencies", "staff-ids", "add", AGENCY, "@lan", check=False)
    assert bad.returncode == 1 and "@lan" in bad.stderr and bad.stdout == ""
    unknown = hoanhap(env, "agencies", "staff-ids", "list", "no-such-agency", check=False)
    assert unknown.returncode == 1 and "no-such-agency" in unknown.stderr
    missing = hoanhap(env, "agencies", "staff-ids", "add", AGENCY, check=False)
    assert missing.returncode == 2  # argparse: the id is required
