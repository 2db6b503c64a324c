"""Every erasure of a person's data goes through here, whoever asks: the person from the chat
(/xoadulieu, cancelling a request, refusing consent), or a retention round.

`PersonDataService` is the core's privacy port (handlers/ports.py) over one message's unit of work;
it never commits: the message's transaction does, once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.privacy.pseudonyms import Pseudonyms
from bot.storage.models import RequestRow
from bot.storage.unit_of_work import UnitOfWork
from handlers.domain import CANCELLED, OPEN_STATUSES, Erasure, PersonData, PersonRequest

# Everything a chat holds, whenever it was written.
FROM_THE_START = datetime.min.replace(tzinfo=UTC)


async def erase_request(uow: UnitOfWork, row: RequestRow, now: datetime, *, actor: str, unlink: bool = True) -> bool:
    """One request's personal fields and texts erased, an open one withdrawn first; True when it was
    open. Unless `unlink` is False (a request the person cancelled stays in their list, empty), the
    request no longer leads back to them."""
    was_open = row.status in OPEN_STATUSES
    if was_open:
        await uow.requests.set_status(row.code, CANCELLED, now, actor=actor)
    await uow.privacy.erase_request(row, now, unlink=unlink)
    await uow.requests.add_event(row.code, "erased", now, actor=actor)
    return was_open


def _person_request(row: RequestRow) -> PersonRequest:
    return PersonRequest(
        code=row.code,
        status=row.status,
        agency_code=row.agency_code,
        created_at=row.created_at,
        consent_version=row.consent_version,
        consent_at=row.consent_at,
        erased=row.erased_at is not None,
    )


class PersonDataService:
    """What the chat may see and erase of the person writing (handlers.ports.PrivacyPort)."""

    def __init__(self, uow: UnitOfWork, pseudonyms: Pseudonyms, pseudonym_days: int) -> None:
        self.uow, self.pseudonyms, self.pseudonym_days = uow, pseudonyms, pseudonym_days

    async def _pseudonyms(self, conversation_id: int) -> list[str]:
        conversation = await self.uow.conversations.get(conversation_id)
        now = conversation.updated_at if conversation else None
        if now is None:
            return []
        return self.pseudonyms.recent(conversation_id, now, self.pseudonym_days)

    async def summary(self, conversation_id: int) -> PersonData:
        conversation = await self.uow.conversations.get(conversation_id)
        if conversation is None:
            raise LookupError(conversation_id)
        requests = await self.uow.privacy.requests_of(conversation_id)
        return PersonData(
            since=conversation.created_at,
            messages=await self.uow.privacy.chat_messages(conversation.channel, conversation.chat_id),
            questions=await self.uow.privacy.questions(await self._pseudonyms(conversation_id)),
            requests=tuple(_person_request(row) for row in requests),
        )

    async def erase(self, conversation_id: int, now: datetime) -> Erasure:
        conversation = await self.uow.conversations.get(conversation_id)
        if conversation is None:
            raise LookupError(conversation_id)
        withdrawn: list[tuple[str, str]] = []
        requests = await self.uow.privacy.requests_of(conversation_id)
        for row in requests:
            if await erase_request(self.uow, row, now, actor="person"):
                withdrawn.append((row.agency_code, row.code))
        questions = await self.uow.privacy.forget_questions(await self._pseudonyms(conversation_id))
        messages = await self.uow.privacy.forget_chat(conversation.channel, conversation.chat_id, FROM_THE_START)
        await self.uow.privacy.forget_conversation(conversation)
        return Erasure(requests=len(requests), messages=messages, questions=questions, withdrawn=tuple(withdrawn))

    async def erase_request(self, code: str, now: datetime) -> None:
        row = await self.uow.requests.get_row(code)
        if row is not None and row.erased_at is None:
            await erase_request(self.uow, row, now, actor="person", unlink=False)

    async def remember_consent(self, version: str, locale: str, text: str, now: datetime) -> None:
        await self.uow.privacy.remember_consent(version, locale, text, now)
