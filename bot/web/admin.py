"""What the admin pages share: who may see them (`Admin`); and for the pages of reference data and
accounts, the size limit checked before any body is read, reading their forms, and the redirect
from an action's address back to its page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from bot.web.forms import see_other
from bot.web.security import WebUser, admin_user

Admin = Annotated[WebUser, Depends(admin_user)]


async def read_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def checked(form: dict[str, str], name: str) -> bool:
    return form.get(name, "") not in ("", "0", "false", "off")


def quoted(code: str) -> str:
    """A code as one segment of a page's address."""
    return quote(code, safe="")


def back_to(page_path: str) -> Callable[[Request, WebUser], Awaitable[Response]]:
    """A GET on an action's address: a redirect to the page the action belongs to."""

    async def redirect(request: Request, user: Admin) -> Response:
        values = {name: quoted(str(value)) for name, value in request.path_params.items()}
        return see_other(page_path.format(**values))

    return redirect
