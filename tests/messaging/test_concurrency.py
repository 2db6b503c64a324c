"""A hundred people filling in the form at the same moment."""

from __future__ import annotations

import asyncio

from bot.app import App
from tests.harness import CollectingTransport, Person

PEOPLE = 100


async def fill_in(person: Person, number: int) -> str:
    await person.start()
    await person.presses_raw("menu:request")
    await person.presses_raw("form:cat:employment")
    await person.says(f"Người số {number} cần tìm việc làm")
    await person.presses_raw("form:loc:mh-an-hoa")
    await person.says(f"09{number:08d}")
    await person.presses_raw("form:skip")
    await person.presses_raw("form:time:any")
    await person.presses_raw("form:yes")
    await person.presses_raw("form:confirm")
    return person.text


async def test_a_hundred_people_at_once(demo_app: App) -> None:
    transport = CollectingTransport()
    people = [Person(demo_app, f"person-{n}", transport) for n in range(PEOPLE)]
    results = await asyncio.gather(*(fill_in(p, n) for n, p in enumerate(people)))
    assert all("Đã gửi yêu cầu" in text for text in results), [t for t in results if "Đã gửi" not in t][:1]

    async with demo_app.uow() as uow:
        rows = await uow.requests.list_rows(limit=1000)
        assert len(rows) == PEOPLE
        assert len({r.code for r in rows}) == PEOPLE
        for row in rows:
            conversation = await uow.conversations.get(row.conversation_id)
            assert conversation is not None
            number = int(conversation.chat_id.removeprefix("person-"))
            # every answer landed in its own person's form
            assert row.description == f"Người số {number} cần tìm việc làm"
            assert row.phone == f"+849{number:08d}"
    # and every person was told their own code, never someone else's
    for number, text in enumerate(results):
        code = text.split("Mã của bạn: ")[1].split()[0]
        assert next(r for r in rows if r.code == code).description.startswith(f"Người số {number} ")
