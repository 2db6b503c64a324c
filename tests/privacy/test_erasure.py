"""/xoadulieu: after it, nothing the person typed or was told about their request is anywhere in the
database: not in the SQLite file's bytes, not in any text column of PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine.url import make_url

from bot.app import App
from bot.requests import service
from tests.privacy.web_person import WebPerson, postgres_text_hits, spellings

PHONE_TYPED = "0356 789 012"
NAME = "Zyqa Bảo Ngọc"
DESCRIPTION = "Em cần việc làm thợ hàn weldqz7, nhà ở thôn Đông"
ADDED = "Em bổ sung: xomvuonzk, chiều nào cũng rảnh"
STAFF_REPLY = "Chị Zyqa mang căn cước đến trụ sở sáng thứ Hai nhé replyqx9"
QUESTION = "so 0356789012 cua em co vay von lamqv5 duoc khong"
SECRETS = ["356789012", "356 789 012", "Zyqa", "weldqz7", "xomvuonzk", "replyqx9", "lamqv5", "thợ hàn"]


async def fill_and_send(person: WebPerson) -> str:
    """The whole form, typed on the web chat; the request's code."""
    await person.start()
    await person.says(QUESTION)
    for choice, label in (("menu:request", "📝 Gửi yêu cầu"), ("form:cat:employment", "Việc làm")):
        await person.presses(choice, label)
    await person.says(DESCRIPTION)
    await person.presses("form:loc:mh-an-hoa", "Xã An Hòa")
    await person.says(PHONE_TYPED)
    await person.says(NAME)
    await person.presses("form:time:morning", "Buổi sáng")
    await person.presses("form:yes", "Đồng ý")
    await person.presses("form:confirm", "Gửi")
    sent = await person.last()
    assert "Đã gửi yêu cầu" in sent
    return sent.split("Mã của bạn: ")[1].split()[0]


async def a_request_with_a_history(app: App, person: WebPerson) -> str:
    code = await fill_and_send(person)
    async with app.uow() as uow:
        await service.reply(uow, app.texts, code, STAFF_REPLY, "lan", app.clock())
        await uow.commit()
    await person.presses(f"req:add:{code}", "Bổ sung")
    await person.says(ADDED)
    return code


async def test_my_data_shows_what_is_kept(demo_app: App) -> None:
    person = WebPerson(demo_app)
    code = await a_request_with_a_history(demo_app, person)
    await person.says("/dulieucuatoi")
    shown = await person.last()
    assert "Hòa Nhập đang giữ về bạn" in shown
    assert f"Yêu cầu {code} (Đang xử lý)" in shown and "bản c-" in shown
    assert "Câu hỏi đã hỏi (không kèm tên): 1" in shown


async def test_erasing_leaves_nothing_of_the_person(demo_app: App, database_url: str) -> None:
    person = WebPerson(demo_app)
    code = await a_request_with_a_history(demo_app, person)
    await person.says("/xoadulieu")
    assert "Xóa hết dữ liệu của bạn?" in await person.last()
    assert "Yêu cầu đang xử lý sẽ dừng lại" in await person.last()
    await person.presses("data:eraseyes", "🗑 Xóa hết")
    done = await person.last()
    assert done.startswith("✅ Đã xóa dữ liệu của bạn (1 yêu cầu")
    # what the chat shows now is the confirmation, nothing before it
    assert await person.transcript() == [done]

    async with demo_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.status == "cancelled" and row.erased_at is not None
        assert row.conversation_id is None
        # the agency is told, in neutral words, and gets nothing it had not received
        posts = [o.payload.get("event") for o in await uow.outbox.pending_for_chat("agency", row.agency_code)]
        assert posts == ["erased"]
        with_texts = [e.type for e in await uow.requests.events(row.id) if "text" in e.data]
        assert with_texts == []

    if database_url.startswith("sqlite"):
        await demo_app.close()
        path = Path(make_url(database_url).database or "")
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        found = [secret for secret in SECRETS for spelling in spellings(secret) if spelling in stored]
        assert found == [], f"still in the SQLite file: {found}"
    else:
        assert await postgres_text_hits(demo_app, SECRETS) == []


async def test_erasing_twice_and_with_nothing_kept(demo_app: App) -> None:
    person = WebPerson(demo_app, "web-empty")
    await person.start()
    await person.says("/xoadulieu")
    assert "Yêu cầu đang xử lý" not in await person.last()
    await person.presses("data:eraseyes")
    assert (await person.last()).startswith("✅ Đã xóa dữ liệu của bạn (0 yêu cầu")
    await person.presses("data:eraseyes")
    assert (await person.last()).startswith("✅ Đã xóa dữ liệu của bạn (0 yêu cầu")
    await person.says("/dulieucuatoi")
    assert "Chưa có yêu cầu nào" in await person.last()


async def test_the_question_log_knows_no_one(demo_app: App) -> None:
    person = WebPerson(demo_app, "web-asker")
    await person.start()
    await person.says("tôi tên là Zyqa Lan, số 0356 789 012, vay vốn ở đâu")
    async with demo_app.uow() as uow:
        logged = (await uow.match_log.recent(1))[0]
    assert "Zyqa" not in logged.question and "789" not in logged.question and "789" not in logged.normalized
    assert "vay vốn ở đâu" in logged.question
    assert logged.pseudonym and len(logged.pseudonym) == 16
    assert not hasattr(logged, "conversation_id")
