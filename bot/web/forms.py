"""A form's change in one transaction, then a redirect to the page that shows it; or, when the
change is refused, that page again with the reasons and nothing changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import HTTPException
from fastapi.responses import RedirectResponse, Response

from bot.storage.unit_of_work import UnitOfWork

T = TypeVar("T")
Refusal = TypeVar("Refusal", bound=Exception)
Change = Callable[[UnitOfWork], Awaitable[T]]


def see_other(path: str) -> RedirectResponse:
    """After a POST: the browser GETs `path`, so a reload does not send the form again."""
    return RedirectResponse(path, status_code=303)


async def committed(
    uow: UnitOfWork, change: Change[T], *, missing: type[Exception] | tuple[type[Exception], ...] = ()
) -> T:
    """`change` done and committed in the route's unit of work; a `missing` record is answered with
    404. A refused change is rolled back at once, so the page the route shows next reads what is
    stored, in the same unit of work."""
    try:
        result = await change(uow)
    except missing:
        await uow.rollback()
        raise HTTPException(status_code=404) from None
    except Exception:
        await uow.rollback()
        raise
    await uow.commit()
    return result


async def submit(
    uow: UnitOfWork,
    change: Change[T],
    *,
    redirect_to: str | Callable[[T], str],
    refused: type[Refusal],
    show_again: Callable[[Refusal], Awaitable[Response]],
    missing: type[Exception] | tuple[type[Exception], ...] = (),
) -> Response:
    """POST, then redirect: the change committed, or the form shown again by `show_again` when the
    change raises `refused` (rolled back: nothing of it is kept)."""
    try:
        result = await committed(uow, change, missing=missing)
    except refused as error:
        return await show_again(error)
    return see_other(redirect_to if isinstance(redirect_to, str) else redirect_to(result))
