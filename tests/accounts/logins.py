"""What the tests of sessions, throttling and the second factor share."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pyotp

from bot.app import App
from tests.harness import FakeClock
from tests.web_client import WebClient

_SECRET = re.compile(r'<code class="totp-secret">([A-Z2-7]+)</code>')
_RECOVERY = re.compile(r'<code class="recovery-code">([a-z0-9-]+)</code>')
_SESSION = re.compile(r'data-session="(\d+)"')
_CURRENT = re.compile(r'data-session="(\d+)" data-current')


def with_settings(app: App, **changes: Any) -> App:
    """The app with some settings changed (web apps built after this see them)."""
    app.settings = app.settings.model_copy(update=changes)
    return app


def code_now(secret: str, clock: FakeClock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock(), counter_offset=steps)


def session_ids(page: httpx.Response) -> list[int]:
    return [int(found) for found in _SESSION.findall(page.text)]


def current_session(page: httpx.Response) -> int:
    found = _CURRENT.search(page.text)
    assert found, "no session marked as this one"
    return int(found.group(1))


async def enrol(client: WebClient, clock: FakeClock) -> tuple[str, list[str]]:
    """Switches the second factor on from the account page: its secret and the recovery codes shown."""
    page = await client.post_form("/account/2fa/start", {})
    assert page.status_code == 200, page.text
    found = _SECRET.search(page.text)
    assert found, "no secret shown"
    secret = found.group(1)
    assert "<svg" in page.text and f"secret={secret}" in page.text.replace("&amp;", "&")
    confirmed = await client.post_form("/account/2fa/confirm", {"code": code_now(secret, clock)})
    assert confirmed.status_code == 200, confirmed.text
    codes = _RECOVERY.findall(confirmed.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes
