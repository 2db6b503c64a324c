"""Every staff and admin page fits a phone: at 360 x 740 and at 1280 x 800 nothing sticks out sideways.

The pages are read off the route table (bot/web/app.py ROUTERS), so a new page is checked the day it
is added; each is filled with real ids from the demo data and opened as the role it is for."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import select

from bot.app import App
from bot.listings.service import create_listing, local_today
from bot.requests.canned import CannedInput, create_canned
from bot.storage.models import FaqEntryRow, RoutingRuleRow, UserRow
from bot.web.app import ROUTERS
from handlers.messages import TEXT, IncomingMessage
from tests.browser import Site, log_in, screenshot
from tests.listings.helpers import typed
from tests.requests.test_browser_staff import seed
from tests.storage.sessions import session_of

SIZES = ({"width": 360, "height": 740}, {"width": 1280, "height": 800})
# Files to download, not pages to read.
FILES = re.compile(r"\.(csv|xlsx|yaml)$")
# A question the FAQ does not answer (long words, a phone number): the unanswered inbox has a group.
UNANSWERED = "xin chao cho em hoi ve thutuchanhchinhdangkytamtrutamvangchonguoimoiratu o dau 0987654321"
DESCRIPTION = (
    "Em cần tìm việc làm phụ hồ hoặc bốc vác gần nhà, làm được ca đêm; "
    "https://example.org/mot-duong-dan-rat-dai-khong-co-cho-ngat-dong-nao-ca-" + "x" * 60
)
# The few screenshots kept in docs/screenshots: the phone views staff and admins asked about.
KEPT = {"/staff": "phone-staff-queue", "/staff/requests/{code}": "phone-staff-request"}
KEPT |= {"/admin/unanswered": "phone-admin-unanswered"}


def pages() -> list[str]:
    """Every GET page of the staff workspace, the admin area and the account, as its route is written."""
    found = []
    for router in ROUTERS:
        for item in router.routes:
            if not isinstance(item, APIRoute) or "GET" not in (item.methods or ()):
                continue
            if not item.path.startswith(("/staff", "/admin", "/account")) or FILES.search(item.path):
                continue
            # An action's address answers a GET with a redirect to its page, which is checked itself.
            if "back_to" in item.endpoint.__qualname__:
                continue
            found.append(item.path)
    return found


async def samples(app: App) -> dict[str, str]:
    """Real ids for the routes' path parameters, from the demo data and a request filed now."""
    code = await seed(
        app, category="employment", locality="mh-an-hoa", description=DESCRIPTION, name="Nguyễn Thị Minh", chat_id="f1"
    )
    await app.processor.process(IncomingMessage("web", "f2", "f2", kind=TEXT, text=UNANSWERED))
    async with app.uow() as uow:
        session = session_of(uow)
        slug = (await session.execute(select(FaqEntryRow.slug).order_by(FaqEntryRow.slug))).scalars().first()
        rule = (await session.execute(select(RoutingRuleRow.id).order_by(RoutingRuleRow.id))).scalars().first()
        user = (await session.execute(select(UserRow.id).where(UserRow.username == "vieclam"))).scalars().one()
        locality = await uow.localities.get("mh-an-hoa")
        # A listing of the staff member's agency, with long words, for /staff/listings/{listing_id}.
        today = local_today(app.clock(), app.settings.timezone)
        long_words = typed(
            title="Thợ hàn khung thép " + "x" * 80, description=DESCRIPTION, deadline="",
            start_date=today.isoformat(), expires=(today + timedelta(days=30)).isoformat(),
        )  # fmt: skip
        listing = await create_listing(
            uow, long_words, agency_code="demo-vieclam", actor="t", now=app.clock(), today=today, publish=True
        )
        canned = await create_canned(
            uow, CannedInput("demo-vieclam", "Hẹn gặp " + "x" * 90, DESCRIPTION + " {code} {name}"), "t", app.clock()
        )
        await uow.commit()
    assert slug and rule and locality
    return {
        "code": code, "slug": slug, "rule_id": str(rule), "user_id": str(user), "locality": "mh-an-hoa",
        "listing_id": str(listing.id), "reply_id": str(canned.id),
    }  # fmt: skip


def address(path: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "code":  # a request's code under /staff, an agency's or a commune's under /admin
            return values["code"] if path.startswith("/staff") else _admin_code(path)
        return values[name]

    return re.sub(r"\{(\w+)\}", fill, path)


def _admin_code(path: str) -> str:
    return "mh-an-hoa" if path.startswith("/admin/localities") else "demo-vieclam"


async def overflow(page: Any) -> tuple[int, int]:
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    inner: int = await page.evaluate("window.innerWidth")
    return width, inner


async def test_every_staff_and_admin_page_fits_a_phone_and_a_desktop(site: Site, browser: Any) -> None:
    routes = pages()
    assert {"/staff", "/staff/requests/{code}", "/admin/unanswered", "/admin/faq/{slug}"} <= set(routes)
    assert {"/staff/listings", "/staff/listings/new", "/staff/listings/import", "/staff/listings/{listing_id}"} <= set(
        routes
    )
    values = await samples(site.app)
    wide: list[str] = []
    for username, prefix in (("vieclam", ("/staff", "/account")), ("admin", ("/admin", "/account"))):
        context = await browser.new_context(viewport=SIZES[0])
        page = await context.new_page()
        await log_in(page, site, username)
        for size in SIZES:
            await page.set_viewport_size(size)
            for path in (p for p in routes if p.startswith(prefix)):
                response = await page.goto(site.url(address(path, values)))
                assert response is not None and response.status == 200, (username, path, response and response.status)
                width, inner = await overflow(page)
                if width > inner:
                    wide.append(f"{path} as {username} at {size['width']}: {width} px")
                if size is SIZES[0] and path in KEPT:
                    await screenshot(page, KEPT[path])
        await context.close()
    assert not wide, "pages wider than the screen:\n" + "\n".join(wide)


async def test_queue_rows_are_cards_codes_never_break_and_the_error_page_fits(site: Site, browser: Any) -> None:
    code = await seed(
        site.app, category="employment", locality="mh-an-hoa", description=DESCRIPTION, name="Anh Tú", chat_id="f3"
    )
    page = await (await browser.new_context(viewport=SIZES[0])).new_page()
    await log_in(page, site, "vieclam")
    await page.goto(site.url("/staff"))
    link = page.locator(f"a:text-is('{code}')").first
    box = await link.bounding_box()
    line: float = await link.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || e.offsetHeight")
    assert box is not None and box["height"] <= line * 1.5, f"{code} wraps onto two lines"
    # On the phone each request is a card; on a desktop the queue is a table again.
    row, shape = page.locator(f"tr[data-code='{code}']"), "e => getComputedStyle(e).display"
    assert await row.evaluate(shape) == "grid"
    await page.set_viewport_size(SIZES[1])
    assert await row.evaluate(shape) == "table-row"
    await page.set_viewport_size(SIZES[0])
    response = await page.goto(site.url("/staff/requests/YC-000000"))
    assert response is not None and response.status == 404
    width, inner = await overflow(page)
    assert width <= inner


async def test_the_employers_proposal_form_fits_a_phone_and_a_desktop(site: Site, browser: Any) -> None:
    """The one public page besides the chat: an employer without an account, on whatever phone."""
    page = await (await browser.new_context(viewport=SIZES[0])).new_page()
    for size in SIZES:
        await page.set_viewport_size(size)
        response = await page.goto(site.url("/listings/propose"))
        assert response is not None and response.status == 200
        width, inner = await overflow(page)
        assert width <= inner, f"/listings/propose at {size['width']}: {width} px"
        honeypot = page.locator("input[name='website']")
        assert not await honeypot.is_visible() or (await honeypot.bounding_box() or {"x": 0})["x"] < 0
