"""What staff see on a request's page when the person answers by typing, takes it back as a new
question, or opens the request in another chat; and the times, in the deployment's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import App
from tests.harness import FakeClock, Person
from tests.requests.test_staff_workspace import browser, person_request, staffed

__all__ = ["staffed"]


async def test_the_persons_typed_answer_and_a_new_question_on_the_page(staffed: App, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 2, 21, 44, tzinfo=UTC)
    person, code = await person_request(staffed)
    async with browser(staffed, "vieclam") as staff:
        assert (await staff.act(code, "reply", text="Mời anh đến trụ sở sáng thứ Hai.")).status_code == 303
        await person.collect()
        await person.says("Dạ em cảm ơn, mai 9h em đến")
        await person.says("gia vang hom nay")
        await person.presses("newq:2")
        page = await staff.get(f"/staff/requests/{code}")
    assert "Người gửi bổ sung" in page.text and "Dạ em cảm ơn, mai 9h em đến" in page.text
    assert "câu hỏi mới cho trợ lý" in page.text
    # the staff read the person's times as the person does: 21:44 UTC is 04:44 in Hanoi
    assert "04:44" in page.text and "21:44" not in page.text


async def test_a_link_from_another_chat_is_on_the_page(staffed: App) -> None:
    sender, code = await person_request(staffed)
    elsewhere = Person(staffed, "p-web", sender.transport)
    await elsewhere.start()
    await elsewhere.says(code)
    await elsewhere.says("0356 789 012")
    assert "Đã mở yêu cầu" in elsewhere.text
    async with browser(staffed, "vieclam") as staff:
        page = await staff.get(f"/staff/requests/{code}")
    assert "Người gửi mở yêu cầu ở một cuộc trò chuyện khác (test)" in page.text
