"""The form's commune step with a real province loaded: an old address is offered as the new commune.

Tables of what the person does and what the bot answers, on the data of Bắc Ninh and Hà Nội imported
beside the demo province (so the step asks the province first, and an address typed there is read too).
"""

from __future__ import annotations

import pytest

from bot.app import App
from bot.localities.service import import_province
from tests.handlers.conversation import Press, Row, talk
from tests.harness import Person


@pytest.fixture
async def country_app(demo_app: App) -> App:
    async with demo_app.uow() as uow:
        for province in ("Bắc Ninh", "Hà Nội"):
            await import_province(uow, province, "test", demo_app.clock())
        await uow.commit()
    return demo_app


async def at_commune(app: App, chat_id: str) -> Person:
    person = Person(app, chat_id)
    await person.start()
    await person.presses("menu:request")
    await person.presses("form:cat:employment")
    await person.says("Tôi cần tìm việc làm phụ hồ gần nhà")
    assert "tỉnh/thành nào" in person.text
    return person


CONFIRMED: list[Row] = [
    # typed at the province step, without marks, with "cũ": the new commune, to confirm
    (
        "xa chau minh huyen hiep hoa cu",
        ("Xã Châu Minh, Huyện Hiệp Hòa cũ nay là Xã Xuân Cẩm, Tỉnh Bắc Ninh, đúng không?", "#form:yes", "#form:no"),
    ),
    (Press("form:yes"), "Số điện thoại"),
]

SAID_NO: list[Row] = [
    ("phường Phúc Xá, quận Ba Đình cũ", "Phường Phúc Xá, Quận Ba Đình cũ nay là Phường Hồng Hà, Thành phố Hà Nội"),
    (Press("form:no"), ("form_commune_retype", "!cũ nay là")),
]

DIVIDED: list[Row] = [
    # divided in 2025: its four new communes as buttons, each saying what it was
    (
        "Xã Hồng Hà huyện Đan Phượng cũ",
        (
            "form_pick_old_commune",
            "#form:loc:vn-09817",
            "#form:loc:vn-09793",
            "#form:loc:vn-09022",
            "#form:loc:vn-08980",
        ),
    ),
    (Press("form:loc:vn-09793"), "Số điện thoại"),
]

TWO_OF_A_NAME: list[Row] = [
    # two old Đồng Tiến in Bắc Ninh (and a Đông Tiến, set apart by the marks)
    ("xã Đồng Tiến cũ", ("form_pick_old_commune", "#form:loc:vn-07246", "#form:loc:vn-07822", "!Yên Phong")),
    # typing it again with the district settles it
    ("xa dong tien, h. hiep hoa", "Xã Đồng Tiến, Huyện Hiệp Hòa cũ nay là Xã Hoàng Vân"),
    # a question in the middle: answered, then the same confirmation again
    ("lam lai cccd o dau", ("^căn cước", "cũ nay là Xã Hoàng Vân")),
    (Press("form:yes"), "Số điện thoại"),
]

AFTER_THE_PROVINCE: list[Row] = [
    (Press("Tỉnh Bắc Ninh"), "form_ask_commune_typed"),
    ("XA  CHAU   MINH,HUYEN  HIEP HOA", "cũ nay là Xã Xuân Cẩm"),
    (Press("form:no"), "form_commune_retype"),
    # a current name is a current name: confirmed as it is
    ("xa xuan cam", "Có phải Xã Xuân Cẩm, Tỉnh Bắc Ninh không?"),
    (Press("form:yes"), "Số điện thoại"),
]

NOT_FOUND: list[Row] = [
    (Press("Tỉnh Bắc Ninh"), "form_ask_commune_typed"),
    ("xa khong co that nao cu", "form_commune_not_found"),
    ("xa chau minh huyen yen the cu", "!cũ nay là"),  # the right name in the wrong district is not it
]

IN_ENGLISH: list[Row] = [
    ("/lang", "Switched to English"),
    ("xa chau minh huyen hiep hoa cu", "The former Xã Châu Minh, Huyện Hiệp Hòa is now Xã Xuân Cẩm, Tỉnh Bắc Ninh"),
]


@pytest.mark.parametrize(
    "rows",
    [CONFIRMED, SAID_NO, DIVIDED, TWO_OF_A_NAME, AFTER_THE_PROVINCE, NOT_FOUND],
    ids=["confirmed", "said-no", "divided", "two-of-a-name", "after-the-province", "not-found"],
)
async def test_an_old_address_is_offered_as_the_new_commune(country_app: App, rows: list[Row]) -> None:
    await talk(await at_commune(country_app, "p-old"), rows)


async def test_in_english(country_app: App) -> None:
    person = await at_commune(country_app, "p-en")
    await talk(person, IN_ENGLISH)


async def test_the_request_is_made_for_the_new_commune(country_app: App) -> None:
    person = await at_commune(country_app, "p-req")
    await talk(person, CONFIRMED)
    await person.says("0912 345 678")
    await person.presses("form:skip")
    await person.presses("form:time:morning")
    await person.presses("form:yes")
    await person.presses("form:confirm")
    code = person.text.split("Mã của bạn: ")[1].split()[0]
    async with country_app.uow() as uow:
        row = await uow.requests.get_row(code)
        assert row is not None and row.locality_code == "vn-07870"
        conversation = await uow.conversations.get_or_create("test", "p-req", "p-req", country_app.clock())
        assert "locality_guess_old" not in str(conversation.state)
