"""Agency staff working their queue from a chat group: link the group, reply, claim, resolve, transfer.

Channel-agnostic like the person's core, but bot-side: it acts on requests through the requests
service (`bot.requests.service`), as the CLI, the API and the web do. Every action loads the request
as the group's own agency may see it, so nothing from one agency's group can touch another agency's
requests; every refusal is the service's, told in the group's language.

Who acted is recorded by the platform's user id with the display name beside it (`tg:12345 Nguyễn A`):
a name alone is anyone's to copy. An agency may list the ids allowed to act in its groups
(bot/agencies/staff_ids.py); then others are told, politely, that they may not. Phone numbers are
masked in posts; the "show number" button answers the one who pressed, and each press is audited.
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
from handlers.phone import display_phone
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
    """Something a staff member did in a group: a text (maybe a reply to a post) or a button press.

    `actor` is what records keep (the platform's user id, then the name); `user_id` is checked against
    the agency's allow-list; `name` is how group messages call them."""

    channel: str
    chat_id: str
    update_id: str
    actor: str
    text: str = ""
    reply_to: str = ""
    action: str = ""
    user_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Alert:
    """An answer for the one who pressed a button only (a Telegram show_alert), not the group."""

    text: str


@dataclass(frozen=True)
class DeskOutcome:
    """How a staff message went: false for a redelivered update; `alert` for the presser alone."""

    seen: bool
    alert: str = ""

    def __bool__(self) -> bool:
        return self.seen


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

    async def handle(self, message: StaffMessage) -> DeskOutcome:
        """Act on a staff message exactly once; a false outcome for a redelivered update."""
        message = sanitise(message, self.max_text)
        async with UnitOfWork(self.database) as uow:
            now = self.clock()
            if message.update_id and not await uow.inbound.record(message.channel, message.update_id, now):
                return DeskOutcome(False)
            answers = await self._act(uow, message, now)
            for answer in answers if isinstance(answers, list) else []:
                await uow.outbox.add(message.channel, message.chat_id, answer.to_payload(), now)
            await uow.commit()
        self.on_commit()
        return DeskOutcome(True, answers.text if isinstance(answers, Alert) else "")

    def _not_allowed(self, message: StaffMessage) -> list[OutgoingMessage] | Alert:
        text = self.t("staff_not_allowed", user_id=message.user_id or "?")
        return Alert(text) if message.action else [OutgoingMessage(text)]

    async def _act(self, uow: UnitOfWork, message: StaffMessage, now: datetime) -> list[OutgoingMessage] | Alert:
        text = message.text.strip()
        command = text.split()[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == LINK_COMMAND:
            return [await self._link(uow, message, text, now)]
        agency = await uow.agency_channels.agency_of(message.channel, message.chat_id)
        if agency is None:
            # Only speak up when spoken to: ordinary chatter in an unlinked group is not ours.
            return [OutgoingMessage(self.t("staff_not_linked"))] if command in (DONE_COMMAND, TRANSFER_COMMAND) else []
        acting = command in (DONE_COMMAND, TRANSFER_COMMAND) or bool(message.action)
        if acting and not await uow.staff_ids.allows(agency, message.user_id):
            return self._not_allowed(message)
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
    ) -> list[OutgoingMessage] | Alert:
        choice = StaffChoice.unpack(message.action)
        if choice is None:
            return []
        code = choice.code
        if choice.action == StaffAction.DONE:
            return await self._resolve(uow, agency, code, message.actor, now, "staff_usage_done")
        if choice.action == StaffAction.CLAIM:
            await service.visible(uow, code, Reader(agency))
            await service.claim(uow, code, message.actor, agency, now)
            return [OutgoingMessage(self.t("staff_claimed", who=message.name or message.actor, code=code))]
        if choice.action == StaffAction.PHONE:
            return await self._reveal_phone(uow, agency, code, message, now)
        return []

    async def _reveal_phone(
        self, uow: UnitOfWork, agency: str, code: str, message: StaffMessage, now: datetime
    ) -> Alert:
        await service.visible(uow, code, Reader(agency))
        row = await uow.requests.get_row(code)
        if row is None or not row.phone or row.erased_at is not None:
            return Alert(self.t("staff_phone_gone", code=code))
        await uow.audit.add(
            message.actor,
            "request.phone_revealed",
            code,
            now,
            after={"user_id": message.user_id, "channel": message.channel, "chat_id": message.chat_id},
        )
        return Alert(self.t("staff_phone_alert", code=code, phone=display_phone(row.phone)))

    async def _reply(
        self, uow: UnitOfWork, agency: str, message: StaffMessage, now: datetime
    ) -> list[OutgoingMessage] | Alert:
        request_id = await uow.outbox.request_of_post(message.channel, message.chat_id, message.reply_to)
        row = await uow.requests.get_by_id(request_id) if request_id is not None else None
        if row is None:
            return []  # a reply to something that is not a request post: ordinary group talk
        if not await uow.staff_ids.allows(agency, message.user_id):
            return self._not_allowed(message)
        await service.visible(uow, row.code, Reader(agency))
        await service.reply(uow, self.texts, row.code, message.text, message.actor, now)
        return [OutgoingMessage(self.t("staff_replied", code=row.code))]
