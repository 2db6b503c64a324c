"""The admin dashboard in a real browser: its SVG charts are drawn with a size on a desktop and a
phone, their numbers open as tables and download as CSV, and staff get 404 for all of it."""

from __future__ import annotations

from typing import Any

from bot.dashboard.views import CHARTS
from tests.browser import Site, log_in, screenshot
from tests.dashboard.test_dashboard import seed_history

PHONE = {"width": 390, "height": 844}


async def _svg_boxes(page: Any) -> dict[str, dict[str, float]]:
    boxes: dict[str, dict[str, float]] = {}
    for chart in CHARTS:
        svg = page.locator(f"#{chart} svg.chart-svg")
        assert await svg.count() == 1, chart
        box = await svg.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, chart
        boxes[chart] = box
        # Something is drawn inside: bars or line markers, each with its value on hover.
        drawn = svg.locator("rect.seg, .mark")
        assert await drawn.count() > 0, chart
        first = await drawn.first.bounding_box()
        assert first is not None and first["width"] > 0 and first["height"] > 0, chart
        assert (await drawn.first.locator("title").text_content() or "").strip(), chart
    return boxes


async def test_dashboard_draws_its_charts(site: Site, browser: Any) -> None:
    await seed_history(site.app, site.app.clock())
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await log_in(page, site, "admin")
    response = await page.goto(site.url("/admin"))
    assert response.status == 200
    await _svg_boxes(page)
    # The stacked bars carry a legend; the lines chart draws a line per decision.
    assert await page.locator("#requests .legend li").count() >= 2
    assert await page.locator("#bot polyline.line").count() >= 3
    # A chart's numbers open as a table under it.
    await page.click("#open details.chart-table summary")
    assert await page.locator("#open details.chart-table table tbody tr").first.is_visible()
    await page.click("#open details.chart-table summary")
    csv = await page.request.get(site.url("/admin/dashboard/requests.csv"))
    assert csv.status == 200 and (await csv.body()).startswith(b"\xef\xbb\xbf")
    # The date filter reloads the page with the range asked for.
    await page.fill("input[name=from]", "2026-09-01")
    await page.fill("input[name=to]", "2026-10-31")
    await page.click(".dash-filter button[type=submit]")
    await page.wait_for_load_state()
    assert "from=2026-09-01" in page.url and "to=2026-10-31" in page.url
    assert await page.input_value("input[name=from]") == "2026-09-01"
    await page.goto(site.url("/admin"))
    await screenshot(page, "admin-dashboard")

    # On a phone the charts keep a readable size and scroll sideways inside their card.
    phone = await browser.new_page(viewport=PHONE)
    await log_in(phone, site, "admin")
    await phone.goto(site.url("/admin"))
    boxes = await _svg_boxes(phone)
    assert all(box["width"] >= 400 for box in boxes.values())
    page_width = await phone.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"]  # the page itself does not scroll sideways


async def test_staff_get_404_for_the_dashboard(site: Site, browser: Any) -> None:
    page = await browser.new_page()
    await log_in(page, site, "vieclam")
    response = await page.goto(site.url("/admin"))
    assert response.status == 404
    for chart in CHARTS:
        answer = await page.request.get(site.url(f"/admin/dashboard/{chart}.csv"))
        assert answer.status == 404, chart
