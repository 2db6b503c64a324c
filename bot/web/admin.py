"""What the admin pages of reference data and accounts share: reading their forms (in the route, so
that the admin check runs before any body is parsed; the size limit is the middleware's), and the
redirect from an action's address back to its page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.web.forms import see_other


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def checked(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") not in ("", "0", "false", "off")


def quoted(code: str) -> str:
    """A code as one segment of a page's address."""
    return quote(code, safe="")


def back_to(page_path: str) -> Callable[[Request], Awaitable[Response]]:
    """A GET on an action's address: a redirect to the page the action belongs to (the router's
    dependencies have checked who asks)."""

    async def redirect(request: Request) -> Response:
        values = {name: quoted(str(value)) for name, value in request.path_params.items()}
        return see_other(page_path.format(**values))

    return redirect


def action_pages(router: APIRouter, *pairs: tuple[str, str]) -> None:
    """A page rendered by a POST (a password shown once, an upload preview) has the action's address:
    reloading it, or switching the language there, lands on the page the action belongs to. It also
    keeps a GET from answering 405 to staff, which would tell them the address exists."""
    for action_path, page_path in pairs:
        router.add_api_route(action_path, back_to(page_path), methods=["GET"], include_in_schema=False)
