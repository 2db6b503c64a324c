"""Agency staff working their queue from a chat group: link the group, reply, claim, resolve, transfer.

Channel-agnostic like the person's core, but bot-side: it acts on requests through the requests
service (`bot.requests.service`), as the CLI, the API and the web do. Every action loads the request
as the group's own agency may see it, so nothing from one agency's group can touch another agency's
requests; every refusal is the service's, told in the group's language.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.messaging.notify import AGENCY_CHANNEL
from bot.messaging.sanitise import DEFAULT_LIMIT, sanitise
from bot.requests import service
from bot.requests.errors import RequestError, describe
from bot.requests.service import Reader
from bot.storage.database import Database
from bot.storage.unit_of_work import UnitOfWork
from handlers.choices import StaffAction, StaffChoice
from handlers.domain import CLOSING_STATUSES, RESOLVED, find_code
from handlers.messages import OutgoingMessage
from handlers.texts import Texts

LINK_COMMAND = "/lienket"
DONE_COMMAND = "/xong"
TRANSFER_COMMAND = "/chuyen"
# Link codes are typed by hand in a group: short, unambiguous letters and digits.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 10


def hash_link_code(code: str) -> str:
    return hashlib.sha256(re.sub(r"[\s-]", "", code).upper().encode()).hexdigest()


async def create_link_code(
    uow: UnitOfWork, agency_code: str, now: datetime, valid_for: timedelta, actor: str = "cli"
) -> str:
    """A one-time code for linking a group to an agency; only its hash is stored."""
    if await uow.agencies.get(agency_code) is None:
        raise RequestError("unknown_agency", agency=agency_code)
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    await uow.link_codes.add(hash_link_code(code), agency_code, now, now + valid_for)
    await uow.audit.add(
        actor, "agency.link_code", agency_code, now, after={"expires_at": (now + valid_for).isoformat()}
    )
    return code


@dataclass(frozen=True)
class StaffMessage:
    """Something a staff member did in a group: a text (maybe a reply to a post) or a button press."""

    channel: str
    chat_id: str
    update_id: str
    actor: str
    text: str = ""
    reply_to: str = ""
    action: str = ""


@dataclass
class AgencyDesk:
    database: Database
    texts: Texts
    clock: Clock
    on_commit: Callable[[], None] = lambda: None
    # Staff texts are cleaned at this door as people's are at the message processor's.
    max_text: int = DEFAULT_LIMIT

    def t(self, key: str, **values: str) -> str:
        return self.texts.get(self.texts.default_locale, key, **values)

    async def handle(self, message: StaffMessage) -> bool:
        """Act on a staff message exactly once; False for a redelivered update."""
        message = sanitise(message, self.max_text)
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            if message.update_id and not await uow.inbound.record(message.channel, message.update_id, now):
                return False
            answers = await self._act(uow, message, now)
            for answer in answers:
                await uow.outbox.add(message.channel, message.chat_id, answer.to_payload(), now)
            await uow.commit()
        self.on_commit()
        return True

    async def _act(self, uow: UnitOfWork, message: StaffMessage, now: datetime) -> list[OutgoingMessage]:
        text = message.text.strip()
        command = text.split()[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == LINK_COMMAND:
            return [await self._link(uow, message, text, now)]
        agency = await uow.agency_channels.agency_of(message.channel, message.chat_id)
        if agency is None:
            # Only speak up when spoken to: ordinary chatter in an unlinked group is not ours.
            return [OutgoingMessage(self.t("staff_not_linked"))] if command in (DONE_COMMAND, TRANSFER_COMMAND) else []
        try:
            if command == DONE_COMMAND:
                return await self._resolve(uow, agency, find_code(text), message.actor, now, "staff_usage_done")
            if command == TRANSFER_COMMAND:
                return await self._transfer(uow, agency, text, message.actor, now)
            if message.action:
                return await self._button(uow, agency, message, now)
            if message.reply_to:
                return await self._reply(uow, agency, message, now)
        except RequestError as error:
            # Staff groups read the default locale, as every other text posted to them.
            return [OutgoingMessage(describe(error, self.texts.default_locale))]
        # Group talk that is neither a command nor a reply to a request post is ignored.
        return []

    async def _link(self, uow: UnitOfWork, message: StaffMessage, text: str, now: datetime) -> OutgoingMessage:
        parts = text.split(maxsplit=1)
        agency_code = await uow.link_codes.consume(hash_link_code(parts[1]), now) if len(parts) > 1 else None
        if agency_code is None:
            return OutgoingMessage(self.t("staff_link_invalid"))
        await uow.agency_channels.link(agency_code, message.channel, message.chat_id, message.actor, now)
        # Posts that waited for the agency to have a place to receive them go there now, in order;
        # those of requests already closed (a person's details among them) are not sent at all.
        await uow.outbox.readdress(
            AGENCY_CHANNEL, agency_code, message.channel, message.chat_id, closed=CLOSING_STATUSES
        )
        await uow.audit.add(message.actor, "agency.linked", agency_code, now, after={"channel": message.channel})
        agency = await uow.agencies.get(agency_code)
        return OutgoingMessage(self.t("staff_linked", agency=agency.name if agency else agency_code))

    async def _resolve(
        self, uow: UnitOfWork, agency: str, code: str, actor: str, now: datetime, usage_key: str
    ) -> list[OutgoingMessage]:
        if not code:
            return [OutgoingMessage(self.t(usage_key))]
        await service.visible(uow, code, Reader(agency))
        await service.change_status(uow, self.texts, code, RESOLVED, actor, now)
        return [OutgoingMessage(self.t("staff_resolved", code=code))]

    async def _transfer(
        self, uow: UnitOfWork, agency: str, text: str, actor: str, now: datetime
    ) -> list[OutgoingMessage]:
        parts = text.split(maxsplit=3)
        if len(parts) < 3 or not find_code(parts[1]):
            return [OutgoingMessage(self.t("staff_usage_transfer"))]
        code, target = find_code(parts[1]), parts[2]
        await service.visible(uow, code, Reader(agency))
        name = await service.transfer(uow, self.texts, code, target, parts[3] if len(parts) > 3 else "", actor, now)
        return [OutgoingMessage(self.t("staff_transferred", code=code, agency=name))]

    async def _button(
        self, uow: UnitOfWork, agency: str, message: StaffMessage, now: datetime
    ) -> list[OutgoingMessage]:
        choice = StaffChoice.unpack(message.action)
        if choice is None:
            return []
        code = choice.code
        if choice.action == StaffAction.DONE:
            return await self._resolve(uow, agency, code, message.actor, now, "staff_usage_done")
        if choice.action == StaffAction.CLAIM:
            await service.visible(uow, code, Reader(agency))
            await service.claim(uow, code, message.actor, agency, now)
            return [OutgoingMessage(self.t("staff_claimed", who=message.actor, code=code))]
        return []

    async def _reply(self, uow: UnitOfWork, agency: str, message: StaffMessage, now: datetime) -> list[OutgoingMessage]:
        request_id = await uow.outbox.request_of_post(message.channel, message.chat_id, message.reply_to)
        row = await uow.requests.get_by_id(request_id) if request_id is not None else None
        if row is None:
            return []  # a reply to something that is not a request post: ordinary group talk
        await service.visible(uow, row.code, Reader(agency))
        await service.reply(uow, self.texts, row.code, message.text, message.actor, now)
        return [OutgoingMessage(self.t("staff_replied", code=row.code))]
