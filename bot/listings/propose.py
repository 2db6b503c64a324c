"""The public form where an employer or school proposes a listing, without an account.

A captcha-free honeypot (a field people never see, which form-filling robots fill in) and a rate
limit per client address, counted in `rate_buckets` as the web chat's are (keys are HMACs of the
address: the table tells nobody who wrote). A proposal lands as a draft for the commune's agency.
"""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.channels.webchat_limits import address_block, bucket_key
from bot.clock import as_utc
from bot.listings.errors import ListingError, describe
from bot.listings.fields import COST_KINDS, KINDS
from bot.listings.service import local_today, propose_listing
from bot.listings.views import as_form, typed_input
from bot.storage.unit_of_work import UnitOfWork
from bot.web.admin import read_form
from bot.web.deps import CSRF, AppSettings, Clock, Uow
from bot.web.forms import committed, see_other
from bot.web.i18n import request_locale
from bot.web.security import security
from bot.web.templating import render

router = APIRouter(dependencies=CSRF)
WINDOW = timedelta(hours=1)
PROPOSALS_PER_HOUR = 5
# Named like a field a robot would fill; people never see it (hidden by the page's style).
HONEYPOT = "website"


async def propose_page(
    request: Request, uow: UnitOfWork, form: dict[str, str], error: str = "", field: str = "", status: int = 200
) -> Response:
    context = {
        "form": as_form(None) | form,
        "error": error,
        "error_field": field,
        "localities": await uow.localities.all_rows(),
        "kinds": KINDS,
        "cost_kinds": COST_KINDS,
        "honeypot": HONEYPOT,
        "sent": request.query_params.get("sent") == "1",
    }
    return await render(request, "listing_propose.html", context, status)


async def _over_limit(request: Request, uow: UnitOfWork, clock: Clock) -> int:
    """Count this proposal from its address; seconds to wait when past the allowance, else 0."""
    now = clock()
    address = address_block(security(request).client_address(request))
    key = bucket_key(await security(request).key(), "listing-propose", address)
    count, began = await uow.rate_buckets.hit(key, now, WINDOW)
    if count == 1:
        await uow.rate_buckets.sweep(now - 2 * WINDOW)
    if count <= PROPOSALS_PER_HOUR:
        return 0
    return max(1, math.ceil((as_utc(began) + WINDOW - now).total_seconds()))


@router.get("/listings/propose")
async def propose_form(request: Request, uow: Uow) -> Response:
    return await propose_page(request, uow, {"kind": "job"})


@router.post("/listings/propose")
async def propose(request: Request, uow: Uow, clock: Clock, settings: AppSettings) -> Response:
    form = await read_form(request)
    locale = request_locale(request)
    wait = await committed(uow, lambda uow: _over_limit(request, uow, clock))
    if wait:
        response = await propose_page(request, uow, form, describe(ListingError("too_many_proposals"), locale),
                                      status=429)  # fmt: skip
        response.headers["Retry-After"] = str(wait)
        return response
    if form.get(HONEYPOT, "").strip():
        # A robot: told it worked, so it learns nothing; nothing is kept.
        return see_other("/listings/propose?sent=1")
    now = clock()
    try:
        await committed(uow, lambda uow: propose_listing(uow, typed_input(form), now=now,
                                                         today=local_today(now, settings.timezone)))  # fmt: skip
    except ListingError as error:
        return await propose_page(request, uow, form, describe(error, locale), error.field, 400)
    return see_other("/listings/propose?sent=1")
