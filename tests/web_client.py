"""An HTTP client for the web app in process (httpx over ASGI), with the form habits of a browser."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.app import App
from bot.web.app import create_web_app

_CSRF = re.compile(r'name="csrf-token" content="([0-9a-f]+)"')


class WebClient:
    def __init__(self, app: App, *, address: str = "127.0.0.1", headers: dict[str, str] | None = None) -> None:
        """`address` is the peer the app sees (a browser elsewhere, or a proxy in front of it)."""
        self.app = app
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_web_app(app, []), client=(address, 50000)),
            base_url="http://testserver",
            headers=headers,
        )

    async def __aenter__(self) -> WebClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.http.aclose()

    async def csrf(self, path: str = "/") -> str:
        """The CSRF token a page carries (fetching it sets the per-browser cookie)."""
        page = await self.http.get(path)
        found = _CSRF.search(page.text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    async def post_form(self, path: str, data: dict[str, Any], *, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        fields = dict(data)
        if csrf:
            fields["csrf_token"] = await self.csrf()
        return await self.http.post(path, data=fields, **kwargs)

    async def log_in(self, username: str, password: str) -> httpx.Response:
        return await self.post_form("/login", {"username": username, "password": password})
