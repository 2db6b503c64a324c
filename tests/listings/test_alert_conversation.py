"""Subscribing to new jobs and courses, and stopping, as tables of what the person does and what the bot answers."""

from __future__ import annotations

from bot.app import App
from bot.listings.service import create_listing
from tests.handlers.conversation import START, Press, PressRaw, Row, talk
from tests.harness import FakeClock, Person
from tests.listings.helpers import TODAY, typed


async def _published(app: App, **changes: object) -> int:
    async with app.uow() as uow:
        row = await create_listing(
            uow, typed(**changes), agency_code="demo-vieclam", actor="t", now=app.clock(), today=TODAY, publish=True
        )
        await uow.commit()
    return row.id


async def _alerts(app: App, chat_id: str = "p1") -> list[tuple[str, str, str]]:
    async with app.uow() as uow:
        conversation = await uow.conversations.get_for_update("test", chat_id)
        assert conversation is not None
        return [(a.kind, a.locality_code, a.trade) for a in await uow.listing_alerts.of(conversation.id)]


SUBSCRIBE: list[Row] = [
    (START, ("greeting", "#menu:jobs")),
    (Press("menu:jobs"), ("listings_ask_kind", "#menu:alerts")),
    (Press("menu:alerts"), ("alert_ask_kind", "#alert:kind:job", "#alert:kind:course", "#alert:kind:any")),
    (Press("alert:kind:job"), ("alert_ask_scope", "#alert:commune", "#alert:province")),
    (Press("alert:commune"), ("xã/phường nào", "#form:loc:mh-gia-loc")),
    # a commune typed without diacritics: a sure guess, confirmed
    ("gia loc", ("Xã Gia Lộc", "#form:yes")),
    (Press("form:yes"), ("alert_ask_trade", "#alert:trade:0", "#alert:anytrade")),
    (Press("alert:trade:0"), ("Mình sẽ nhắn cho bạn mỗi khi có việc làm mới", "Xã Gia Lộc", "nghề hàn")),
    (Press("alert:confirm"), ("🔔 Đã đăng ký", "#menu:ask")),
    # the same again: nothing new is stored
    ("/baoviec", "alert_ask_kind"),
    (Press("alert:kind:job"), "alert_ask_scope"),
    (Press("alert:commune"), "xã/phường nào"),
    (Press("form:loc:mh-gia-loc"), "alert_ask_trade"),
    ("1", "nghề hàn"),  # the first trade, by its number
    (Press("alert:confirm"), "alert_already"),
]


async def test_subscribe_then_the_same_again(demo_app: App) -> None:
    await _published(demo_app)
    person = Person(demo_app)
    await talk(person, SUBSCRIBE)
    assert await _alerts(demo_app) == [("job", "mh-gia-loc", "hàn")]


WHOLE_PROVINCE_ANY: list[Row] = [
    ("/baoviec", "alert_ask_kind"),
    (Press("alert:kind:any"), "alert_ask_scope"),
    (Press("alert:province"), "alert_ask_trade"),
    # typed words that are no offered choice, at a step of buttons: asked again
    ("toi muon lam tho may", ("alert_use_buttons", "alert_ask_trade")),
    (Press("alert:anytrade"), ("việc làm hoặc lớp học nghề", "cả tỉnh", "mọi nghề")),
    (Press("alert:confirm"), "🔔 Đã đăng ký"),
    # stale buttons: a step already past, a forged trade, one of the commune step outside the flow
    (PressRaw("alert:kind:course"), "stale_button"),
    (PressRaw("alert:trade:99"), "stale_button"),
    (PressRaw("alert:nonsense"), "stale_button"),
    # stopping: all of them, then nothing left to stop
    ("/huydangky", "Đã hủy 1 đăng ký"),
    ("/huydangky", "alert_none"),
]


async def test_whole_province_any_trade_and_unsubscribe(demo_app: App) -> None:
    await _published(demo_app)
    person = Person(demo_app)
    await talk(person, WHOLE_PROVINCE_ANY[:6])
    assert await _alerts(demo_app) == [("any", "", "")]
    await talk(person, WHOLE_PROVINCE_ANY[6:])
    assert await _alerts(demo_app) == []


BAD_INPUT: list[Row] = [
    ("/baoviec", "alert_ask_kind"),
    (Press("alert:kind:course"), "alert_ask_scope"),
    (PressRaw("alert:trade:0"), ("stale_button", "alert_ask_scope")),  # a step not reached yet
    (Press("alert:commune"), "xã/phường nào"),
    # an unknown commune, typed: not found, asked again
    ("xa khong co that", ("alert_commune_not_found", "xã/phường nào")),
    ("???", ("alert_commune_not_found", "xã/phường nào")),
    # a forged commune button: stale, asked again
    (PressRaw("form:loc:no-such-place"), ("stale_button", "xã/phường nào")),
    # no course published yet: no trade to pick, any trade, straight to confirm
    (Press("form:loc:mh-an-hoa"), ("lớp học nghề mới", "Xã An Hòa", "mọi nghề")),
    # /huy leaves without storing anything
    ("/huy", "alert_cancelled"),
    (PressRaw("alert:confirm"), "stale_button"),
    # a notice's stop button for a subscription that is not (or no longer) this person's
    (PressRaw("alert:stop:9999"), "alert_stop_gone"),
    (PressRaw("alert:stop:x"), "stale_button"),
]


async def test_bad_input_and_stale_buttons(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await talk(person, BAD_INPUT)
    assert await _alerts(demo_app) == []


async def test_a_menu_button_mid_way_drops_it_and_a_paused_form_is_kept(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await talk(
        person,
        [
            ("/baoviec", "alert_ask_kind"),
            (PressRaw("menu:ask"), "ask_prompt"),
            (PressRaw("alert:kind:job"), "stale_button"),
            # a request form paused for the menu is not lost to a subscription
            (Press("menu:request"), "form_ask_category"),
            (PressRaw("menu:alerts"), "alert_finish_form_first"),
        ],
    )
    async with demo_app.uow() as uow:
        conversation = await uow.conversations.get_for_update("test", "p1")
        assert conversation is not None and conversation.state["flow"] == "intake"


async def test_at_most_five_subscriptions(demo_app: App, clock: FakeClock) -> None:
    person = Person(demo_app)
    await person.start()
    for code in ("mh-an-hoa", "mh-gia-loc", "mh-binh-minh", "mh-cat-tuong"):
        clock.advance(minutes=2)  # under the flood limit
        await talk(
            person,
            [
                ("/baoviec", "alert_ask_kind"),
                (Press("alert:kind:any"), "alert_ask_scope"),
                (Press("alert:commune"), "xã/phường nào"),
                (Press(f"form:loc:{code}"), "#alert:confirm"),
                (Press("alert:confirm"), "🔔 Đã đăng ký"),
            ],
        )
    clock.advance(minutes=2)
    await talk(person, [("/baoviec", "alert_ask_kind"), (Press("alert:kind:any"), "alert_ask_scope")])
    await talk(person, [(Press("alert:province"), "#alert:confirm"), (Press("alert:confirm"), "🔔 Đã đăng ký")])
    await talk(person, [("/baoviec", "nhiều nhất là 5")])
    assert len(await _alerts(demo_app)) == 5


async def test_english(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await person.says("/lang")
    await person.says("/alerts")
    assert "What would you like to hear about?" in person.text
    await person.presses("alert:kind:job")
    await person.presses("alert:province")
    assert "the whole province" in person.text and "any trade" in person.text


async def test_my_data_shows_the_subscriptions_and_erasing_drops_them(demo_app: App) -> None:
    person = Person(demo_app)
    await person.start()
    await talk(
        person,
        [
            ("/baoviec", "alert_ask_kind"),
            (Press("alert:kind:course"), "alert_ask_scope"),
            (Press("alert:province"), "#alert:confirm"),
            (Press("alert:confirm"), "🔔 Đã đăng ký"),
            ("/dulieucuatoi", "1 đăng ký nhận tin"),
            ("/xoadulieu", "privacy_erase_confirm"),
            (Press("data:eraseyes"), "privacy_erased"),
            ("/dulieucuatoi", "!đăng ký nhận tin"),
            ("/huydangky", "alert_none"),
        ],
    )
    assert await _alerts(demo_app) == []
