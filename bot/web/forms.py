"""A form's change in one transaction, then a redirect to the page that shows it; or, when the
change is refused, that page again with the reasons and nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from bot.storage.unit_of_work import UnitOfWork
from bot.web.security import hoanhap

T = TypeVar("T")
Refusal = TypeVar("Refusal", bound=Exception)
Change = Callable[[UnitOfWork], Awaitable[T]]


def see_other(path: str) -> RedirectResponse:
    """After a POST: the browser GETs `path`, so a reload does not send the form again."""
    return RedirectResponse(path, status_code=303)


async def committed(
    request: Request, change: Change[T], *, missing: type[Exception] | tuple[type[Exception], ...] = ()
) -> T:
    """`change` done and committed in one unit of work; a `missing` record is answered with 404."""
    try:
        async with hoanhap(request).uow() as uow:
            result = await change(uow)
            await uow.commit()
    except missing:
        raise HTTPException(status_code=404) from None
    return result


async def submit(
    request: Request,
    change: Change[T],
    *,
    redirect_to: str | Callable[[T], str],
    refused: type[Refusal],
    show_again: Callable[[Refusal], Awaitable[Response]],
    missing: type[Exception] | tuple[type[Exception], ...] = (),
) -> Response:
    """POST, then redirect: the change committed, or the form shown again by `show_again` when the
    change raises `refused` (the unit of work rolled back, so nothing of it is kept)."""
    try:
        result = await committed(request, change, missing=missing)
    except refused as error:
        return await show_again(error)
    return see_other(redirect_to if isinstance(redirect_to, str) else redirect_to(result))
