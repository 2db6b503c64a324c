"""Agency API tokens from the admin console: issuing one (shown once) and revoking it."""

from __future__ import annotations

from datetime import datetime

from bot.accounts.api_tokens import ApiTokenError, UnknownAgencyError, UnknownTokenError, create_token, revoke_token
from bot.audit.changes import NotFound, clean_text, fail
from bot.storage.unit_of_work import UnitOfWork

LABEL_CHARS = 200


async def create_api_token(uow: UnitOfWork, agency_code: str, label: str, actor: str, now: datetime) -> str:
    label = clean_text(label, LABEL_CHARS, "")
    try:
        return await create_token(uow, agency_code.strip(), label, actor, now)
    except UnknownAgencyError:
        fail("ar_err_unknown_agency", code=agency_code)
    except ApiTokenError:
        fail("ar_err_token_label")


async def revoke_api_token(uow: UnitOfWork, token_id: int, actor: str, now: datetime) -> None:
    try:
        await revoke_token(uow, token_id, actor, now)
    except UnknownTokenError:
        raise NotFound(str(token_id)) from None
