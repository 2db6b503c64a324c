"""Browser tests' parts: Debian's Chromium driven by Playwright (no browser download), a live site
on 127.0.0.1 with the demo province and accounts whose passwords the test draws, and screenshots."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.accounts.service import create_user
from bot.app import App
from tests.serving import demo_app, free_port, serving

SCREENSHOTS = Path(os.environ.get("HOANHAP_SCREENSHOTS", Path(__file__).parent.parent / "docs" / "screenshots"))
# As the machine's own probe starts it: the closed network refuses Chromium's background traffic.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def in_ci() -> bool:
    """Whether this is the CI run (.ci/run sets CI=true), where a missing browser is a failure, not a skip."""
    return os.environ.get("CI") == "true"


def missing_browser() -> str | None:
    """Why the browser tests cannot run on this machine, or None when Playwright and Chromium are both there."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError as error:
        return f"Playwright cannot be imported ({error}); `make .venv/.installed-test` installs it"
    if not _find_chromium():
        return "Chromium is not installed (apt-get install chromium); .ci/run installs it"
    return None


def _find_chromium() -> str | None:
    return os.environ.get("HOANHAP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_path() -> str:
    """The system Chromium; a missing one (or a missing Playwright) skips browser tests locally, fails them in CI."""
    problem = missing_browser()
    if problem:
        if in_ci():
            pytest.fail(problem)
        pytest.skip(problem)
    found = _find_chromium()
    assert found
    return found


class BrowserTestModule(pytest.Module):
    """A tests/*/test_browser_*.py module: without Playwright or Chromium it is skipped whole, before it is
    imported (it may import Playwright itself), except in CI, where a test in its place fails with the reason."""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        problem = missing_browser()
        if problem is None:
            return super().collect()
        if in_ci():
            return [BrowserUnavailable.from_parent(self, name="browser_unavailable", problem=problem)]
        pytest.skip(problem, allow_module_level=True)


class BrowserUnavailable(pytest.Item):
    """Stands for a browser test module that cannot run in CI, so that the run fails and says why."""

    def __init__(self, *, problem: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problem = problem

    def runtest(self) -> None:
        pytest.fail(self.problem, pytrace=False)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.name


@dataclass
class Site:
    app: App
    base_url: str
    passwords: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path


@asynccontextmanager
async def live_site(database_url: str, data_dir: Path) -> AsyncIterator[Site]:
    """`hoanhap serve` on a free port, with the demo data and these accounts (passwords drawn now):
    admin (admin), vieclam (lead) and vieclam2 of demo-vieclam, congan (lead) of demo-congan."""
    port = free_port()
    app = await demo_app(database_url, data_dir, port)
    site = Site(app, f"http://127.0.0.1:{port}")
    accounts = (
        ("admin", "admin", None, False),
        ("vieclam", "staff", "demo-vieclam", True),
        ("vieclam2", "staff", "demo-vieclam", False),
        ("congan", "staff", "demo-congan", True),
    )
    async with app.uow() as uow:
        for username, role, agency, lead in accounts:
            password = secrets.token_urlsafe(12)
            await create_user(
                uow, username, password, role, app.clock(), actor="test", agency_code=agency, is_lead=lead
            )
            site.passwords[username] = password
        await uow.commit()
    async with serving(app):
        yield site


@asynccontextmanager
async def chromium() -> AsyncIterator[object]:
    path = chromium_path()
    from playwright.async_api import async_playwright  # only once it is known to be there

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def log_in(page: object, site: Site, username: str) -> None:
    """Sign in through the login form, as a person would."""
    await page.goto(site.url("/login"))  # type: ignore[attr-defined]
    await page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    await page.fill("input[name=password]", site.passwords[username])  # type: ignore[attr-defined]
    await page.click("button[type=submit]")  # type: ignore[attr-defined]
    await page.wait_for_load_state()  # type: ignore[attr-defined]


async def screenshot(page: object, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
