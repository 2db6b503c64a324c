"""Repositories: queries over one session. They flush when they need ids, and never commit."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import as_utc
from bot.storage.models import (
    AgencyChannelRow,
    AgencyRow,
    AuditLogRow,
    ConversationRow,
    FaqEntryRow,
    FaqVersionRow,
    InboundUpdateRow,
    LinkCodeRow,
    LocalityRow,
    MatchLogRow,
    Meta,
    OutboxRow,
    RequestEventRow,
    RequestRow,
    RoutingRuleRow,
    ZaloTokenRow,
)
from handlers.domain import CLOSING_STATUSES, Agency, Locality, NewRequest, RequestView, Rule
from knowledge_base.faq import FaqEntry
from knowledge_base.matcher import FALLBACK, SUGGEST
from knowledge_base.text import fold

KB_REVISION = "kb_revision"
REFERENCE_REVISION = "reference_revision"


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.bind.dialect.name if self.session.bind else "sqlite"


class MetaRepo(_Repo):
    async def get(self, key: str) -> str | None:
        row = await self.session.get(Meta, key)
        return row.value if row else None

    async def set(self, key: str, value: str) -> None:
        row = await self.session.get(Meta, key, with_for_update=True)
        if row is None:
            self.session.add(Meta(key=key, value=value))
        else:
            row.value = value
        await self.session.flush()

    async def bump(self, key: str) -> int:
        row = await self.session.get(Meta, key, with_for_update=True)
        if row is None:
            row = Meta(key=key, value="0")
            self.session.add(row)
        row.value = str(int(row.value) + 1)
        await self.session.flush()
        return int(row.value)


class InboundRepo(_Repo):
    async def record(self, channel: str, update_id: str, now: datetime) -> bool:
        """True the first time an update is seen; False for a redelivery (nothing is then done)."""
        values = {"channel": channel, "update_id": update_id, "received_at": now}
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(InboundUpdateRow).values(**values).on_conflict_do_nothing(index_elements=["channel", "update_id"])
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))


class ConversationRepo(_Repo):
    async def get_for_update(self, channel: str, chat_id: str) -> ConversationRow | None:
        statement = (
            select(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.chat_id == chat_id)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get_or_create(self, channel: str, chat_id: str, user_id: str, now: datetime) -> ConversationRow:
        row = await self.get_for_update(channel, chat_id)
        if row is not None:
            return row
        insert = pg_insert if self.dialect == "postgresql" else sqlite_insert
        await self.session.execute(
            insert(ConversationRow)
            .values(
                channel=channel,
                chat_id=chat_id,
                user_id=user_id,
                locale="vi",
                state={},
                unreachable=False,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
        )
        row = await self.get_for_update(channel, chat_id)
        assert row is not None
        return row

    async def get(self, conversation_id: int) -> ConversationRow | None:
        return await self.session.get(ConversationRow, conversation_id)

    async def mark_unreachable(self, channel: str, chat_id: str) -> None:
        await self.session.execute(
            update(ConversationRow)
            .where(ConversationRow.channel == channel, ConversationRow.chat_id == chat_id)
            .values(unreachable=True)
        )


class OutboxRepo(_Repo):
    async def add(
        self,
        channel: str,
        chat_id: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        kind: str = "message",
        request_id: int | None = None,
        status: str = "pending",
    ) -> OutboxRow:
        row = OutboxRow(
            channel=channel,
            chat_id=chat_id,
            kind=kind,
            payload=payload,
            status=status,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            request_id=request_id,
            created_at=now,
            sent_at=None,
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def lease_due(self, now: datetime, limit: int, channels: Sequence[str], lease: timedelta) -> list[OutboxRow]:
        """Lease due rows, oldest first, at most one per chat so a chat's messages go out in order.

        A row is due when pending and its time has come, or when its sender's lease ran out. It is
        only due once no older row of the same chat is pending or being sent. On PostgreSQL rows are
        locked with SKIP LOCKED while leased, so several senders never take the same row.
        """
        o2 = OutboxRow.__table__.alias("o2")
        blocked = (
            select(o2.c.id)
            .where(
                o2.c.channel == OutboxRow.channel,
                o2.c.chat_id == OutboxRow.chat_id,
                o2.c.status.in_(("pending", "sending")),
                o2.c.id < OutboxRow.id,
            )
            .exists()
        )
        statement = (
            select(OutboxRow)
            .where(
                OutboxRow.status.in_(("pending", "sending")),
                OutboxRow.next_attempt_at <= now,
                OutboxRow.channel.in_(channels),
                ~blocked,
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = list((await self.session.execute(statement)).scalars())
        for row in rows:
            row.status, row.next_attempt_at = "sending", now + lease
        await self.session.flush()
        return rows

    async def get(self, row_id: int) -> OutboxRow | None:
        return await self.session.get(OutboxRow, row_id)

    async def release_leases(self, channels: Sequence[str], now: datetime) -> int:
        result = await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == "sending", OutboxRow.channel.in_(channels))
            .values(status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def pending_for_chat(self, channel: str, chat_id: str) -> list[OutboxRow]:
        """Rows of a chat not sent yet: waiting, or leased to a sender right now."""
        statement = (
            select(OutboxRow)
            .where(
                OutboxRow.channel == channel,
                OutboxRow.chat_id == chat_id,
                OutboxRow.status.in_(("pending", "sending")),
            )
            .order_by(OutboxRow.id)
        )
        return list((await self.session.execute(statement)).scalars())

    async def request_of_post(self, channel: str, chat_id: str, external_id: str) -> int | None:
        """The request an agency post (by its platform message id) was about."""
        statement = select(OutboxRow.request_id).where(
            OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.external_id == external_id
        )
        return (await self.session.execute(statement.limit(1))).scalar_one_or_none()

    async def release_held(self, channel: str, chat_id: str, now: datetime) -> int:
        """Held rows (waiting for the person to write again) become due now, in their order."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.status == "held")
            .values(status="pending", next_attempt_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def readdress(self, from_channel: str, from_chat: str, to_channel: str, to_chat: str) -> int:
        """Pending rows waiting for an address (an agency with no channel yet) go to its new channel."""
        result = await self.session.execute(
            update(OutboxRow)
            .where(OutboxRow.channel == from_channel, OutboxRow.chat_id == from_chat, OutboxRow.status == "pending")
            .values(channel=to_channel, chat_id=to_chat)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def transcript(self, channel: str, chat_id: str, after_id: int = 0, limit: int = 200) -> list[OutboxRow]:
        """A chat's messages both ways (for channels that keep one), the newest `limit`, oldest first."""
        statement = (
            select(OutboxRow)
            .where(OutboxRow.channel == channel, OutboxRow.chat_id == chat_id, OutboxRow.id > after_id)
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        return list(reversed(list((await self.session.execute(statement)).scalars())))

    async def mark_delivered(self, row_ids: Sequence[int], now: datetime) -> None:
        """The person's own client has fetched these rows."""
        if row_ids:
            await self.session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status.in_(("pending", "sending")))
                .values(status="delivered", sent_at=now, delivered_at=now)
            )

    async def statuses(self, row_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(status, last error) of outbox rows, for showing a reply as queued, sent, delivered or failed."""
        if not row_ids:
            return {}
        statement = select(OutboxRow.id, OutboxRow.status, OutboxRow.last_error).where(OutboxRow.id.in_(list(row_ids)))
        return {row_id: (status, error) for row_id, status, error in (await self.session.execute(statement)).all()}

    async def count(self, status: str | None = None) -> int:
        statement = select(func.count()).select_from(OutboxRow)
        if status:
            statement = statement.where(OutboxRow.status == status)
        return int((await self.session.execute(statement)).scalar_one())


def unanswered_questions() -> list[ColumnElement[bool]]:
    """The logged questions left without an answer and not yet handled in the unanswered inbox:
    the fallbacks, and the suggestions the person chose none of."""
    return [
        MatchLogRow.reviewed.is_(None),
        or_(
            MatchLogRow.decision == FALLBACK,
            and_(MatchLogRow.decision == SUGGEST, MatchLogRow.chosen_slug.is_(None)),
        ),
    ]


class MatchLogRepo(_Repo):
    async def record(
        self,
        *,
        channel: str,
        conversation_id: int | None,
        question: str,
        normalized: str,
        decision: str,
        slug: str | None,
        score: float,
        suggestions: Sequence[str],
        now: datetime,
    ) -> int:
        row = MatchLogRow(
            created_at=now,
            channel=channel,
            conversation_id=conversation_id,
            question=question,
            normalized=normalized,
            decision=decision,
            slug=slug,
            score=score,
            suggestions=list(suggestions),
            chosen_slug=None,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def mark_chosen(self, match_id: int, slug: str) -> None:
        await self.session.execute(update(MatchLogRow).where(MatchLogRow.id == match_id).values(chosen_slug=slug))

    async def recent(self, limit: int = 50) -> list[MatchLogRow]:
        statement = select(MatchLogRow).order_by(MatchLogRow.id.desc()).limit(limit)
        return list((await self.session.execute(statement)).scalars())


def _entry_fields(entry: FaqEntry) -> dict[str, Any]:
    data = entry.to_dict()
    data.pop("slug")
    return data


class FaqRepo(_Repo):
    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(FaqEntryRow))).scalar_one())

    async def all(self) -> list[FaqEntry]:
        rows = (
            await self.session.execute(select(FaqEntryRow).order_by(FaqEntryRow.position, FaqEntryRow.id))
        ).scalars()
        return [
            FaqEntry(
                slug=r.slug,
                title=r.title,
                answer=r.answer,
                phrasings=list(r.phrasings),
                keywords=list(r.keywords),
                category=r.category,
                status=r.status,
                more=r.more,
                legal_basis=r.legal_basis,
                source=r.source,
                in_force=r.in_force,
                reviewed_on=r.reviewed_on,
                review_by=r.review_by,
            )
            for r in rows
        ]

    async def upsert_all(self, entries: Sequence[FaqEntry], now: datetime, author: str) -> tuple[int, int]:
        """Create or update entries by slug, keeping a version of every change; (created, updated)."""
        existing = {r.slug: r for r in (await self.session.execute(select(FaqEntryRow))).scalars()}
        created = updated = 0
        for position, entry in enumerate(entries):
            fields = _entry_fields(entry)
            row = existing.get(entry.slug)
            if row is None:
                row = FaqEntryRow(slug=entry.slug, position=position, version=1, updated_at=now, **fields)
                self.session.add(row)
                created += 1
            else:
                current = {k: getattr(row, k) for k in fields}
                if current == fields and row.position == position:
                    continue
                for key, value in fields.items():
                    setattr(row, key, value)
                row.position = position
                row.version += 1
                row.updated_at = now
                updated += 1
            await self.session.flush()
            self.session.add(
                FaqVersionRow(entry_id=row.id, version=row.version, data=entry.to_dict(), author=author, created_at=now)
            )
        await self.session.flush()
        return created, updated


class AuditRepo(_Repo):
    async def add(
        self,
        actor: str,
        action: str,
        target: str,
        now: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditLogRow(created_at=now, actor=actor, action=action, target=target, before=before, after=after)
        )


CodedRow = TypeVar("CodedRow", AgencyRow, LocalityRow)


async def _upsert_by_code(session: AsyncSession, model: type[CodedRow], code: str, fields: dict[str, Any]) -> CodedRow:
    row = (await session.execute(select(model).where(model.code == code))).scalar_one_or_none()
    if row is None:
        row = model(code=code, **fields)
        session.add(row)
    else:
        for key, value in fields.items():
            setattr(row, key, value)
    await session.flush()
    return row


def _agency(row: AgencyRow) -> Agency:
    return Agency(row.code, row.name, row.kind, row.contact, row.hours)


def _locality(row: LocalityRow) -> Locality:
    return Locality(row.code, row.name, row.province, tuple(str(a) for a in row.aliases or []))


class AgencyRepo(_Repo):
    async def get(self, code: str) -> Agency | None:
        row = await self.get_row(code)
        return _agency(row) if row else None

    async def get_row(self, code: str) -> AgencyRow | None:
        return (await self.session.execute(select(AgencyRow).where(AgencyRow.code == code))).scalar_one_or_none()

    async def all_rows(self) -> list[AgencyRow]:
        return list((await self.session.execute(select(AgencyRow).order_by(AgencyRow.code))).scalars())

    async def upsert(self, code: str, **fields: Any) -> AgencyRow:
        return await _upsert_by_code(self.session, AgencyRow, code, fields)


class LocalityRepo(_Repo):
    async def all(self) -> list[Locality]:
        return [_locality(r) for r in await self.all_rows()]

    async def all_rows(self) -> list[LocalityRow]:
        statement = select(LocalityRow).order_by(LocalityRow.province, LocalityRow.name)
        return list((await self.session.execute(statement)).scalars())

    async def get(self, code: str) -> Locality | None:
        row = (await self.session.execute(select(LocalityRow).where(LocalityRow.code == code))).scalar_one_or_none()
        return _locality(row) if row else None

    async def upsert(self, code: str, **fields: Any) -> LocalityRow:
        return await _upsert_by_code(self.session, LocalityRow, code, fields)


class RuleRepo(_Repo):
    async def active_rules(self) -> list[Rule]:
        statement = select(RoutingRuleRow).where(RoutingRuleRow.active.is_(True)).order_by(RoutingRuleRow.id)
        return [
            Rule(r.id, r.agency_code, r.category, r.locality_code, r.province)
            for r in (await self.session.execute(statement)).scalars()
        ]

    async def all_rows(self) -> list[RoutingRuleRow]:
        return list((await self.session.execute(select(RoutingRuleRow).order_by(RoutingRuleRow.id))).scalars())

    async def replace_all(self, rules: Sequence[dict[str, Any]]) -> None:
        await self.session.execute(delete(RoutingRuleRow))
        for rule in rules:
            self.session.add(RoutingRuleRow(**rule))
        await self.session.flush()

    async def add(self, **fields: Any) -> RoutingRuleRow:
        row = RoutingRuleRow(**fields)
        self.session.add(row)
        await self.session.flush()
        return row


def request_search_text(code: str, name: str, description: str) -> str:
    """What the staff search looks in, folded as knowledge_base.text.fold folds what they type."""
    return fold(" ".join((code, name, description)))


class RequestRepo(_Repo):
    CODE_DIGITS = 6

    async def _new_code(self) -> str:
        while True:
            code = "YC-" + "".join(secrets.choice("0123456789") for _ in range(self.CODE_DIGITS))
            if await self.get_row(code) is None:
                return code

    async def create(self, request: NewRequest, now: datetime) -> str:
        for _ in range(5):
            code = await self._new_code()
            row = RequestRow(
                code=code,
                conversation_id=request.conversation_id,
                category=request.category,
                description=request.description,
                locality_code=request.locality_code,
                phone=request.phone,
                name=request.name,
                contact_time=request.contact_time,
                consent_at=request.consent_at,
                status="new",
                agency_code=request.routing.agency_code,
                rule_id=request.routing.rule_id,
                routing=request.routing.to_dict(),
                faq_slug=request.faq_slug,
                created_at=now,
                updated_at=now,
                agency_since=now,
                search_text=request_search_text(code, request.name, request.description),
            )
            try:
                # A savepoint: two people may draw the same free code at once; the loser draws again.
                async with self.session.begin_nested():
                    self.session.add(row)
                    await self.session.flush()
            except IntegrityError:
                continue
            self.session.add(
                RequestEventRow(request_id=row.id, type="created", actor="person", data={}, created_at=now)
            )
            self.session.add(
                RequestEventRow(
                    request_id=row.id, type="routed", actor="system", data=request.routing.to_dict(), created_at=now
                )
            )
            await self.session.flush()
            return code
        raise RuntimeError("could not draw a free request code")

    async def get_row(self, code: str) -> RequestRow | None:
        return (await self.session.execute(select(RequestRow).where(RequestRow.code == code))).scalar_one_or_none()

    async def get_by_id(self, request_id: int) -> RequestRow | None:
        return await self.session.get(RequestRow, request_id)

    async def events(self, request_id: int) -> list[RequestEventRow]:
        statement = select(RequestEventRow).where(RequestEventRow.request_id == request_id).order_by(RequestEventRow.id)
        return list((await self.session.execute(statement)).scalars())

    async def view(self, row: RequestRow) -> RequestView:
        events = tuple(
            {"type": e.type, "created_at": e.created_at, "actor": e.actor, "data": e.data}
            for e in await self.events(row.id)
        )
        return RequestView(
            row.code,
            row.category,
            row.status,
            row.agency_code,
            row.locality_code,
            row.created_at,
            row.description,
            events,
        )

    async def for_conversation(self, conversation_id: int, limit: int = 10) -> list[RequestView]:
        statement = (
            select(RequestRow)
            .where(RequestRow.conversation_id == conversation_id)
            .order_by(RequestRow.id.desc())
            .limit(limit)
        )
        return [
            RequestView(r.code, r.category, r.status, r.agency_code, r.locality_code, r.created_at)
            for r in (await self.session.execute(statement)).scalars()
        ]

    async def get_own(self, conversation_id: int, code: str) -> RequestView | None:
        row = await self.get_row(code)
        if row is None or row.conversation_id != conversation_id:
            return None
        return await self.view(row)

    async def add_event(
        self, code: str, event_type: str, now: datetime, actor: str = "", data: dict[str, Any] | None = None
    ) -> None:
        row = await self.get_row(code)
        if row is None:
            raise LookupError(code)
        self.session.add(
            RequestEventRow(request_id=row.id, type=event_type, actor=actor, data=data or {}, created_at=now)
        )
        row.updated_at = now
        await self.session.flush()

    async def set_status(self, code: str, status: str, now: datetime, actor: str = "") -> None:
        row = await self.get_row(code)
        if row is None:
            raise LookupError(code)
        before = row.status
        row.status = status
        row.updated_at = now
        if status in CLOSING_STATUSES:
            row.resolved_at = row.resolved_at or now
        else:
            row.resolved_at = None
        self.session.add(
            RequestEventRow(
                request_id=row.id, type="status", actor=actor, data={"from": before, "to": status}, created_at=now
            )
        )
        await self.session.flush()

    async def list_rows(
        self, agency: str | None = None, status: str | None = None, limit: int = 500
    ) -> list[RequestRow]:
        statement = select(RequestRow).order_by(RequestRow.id.desc()).limit(limit)
        if agency:
            statement = statement.where(RequestRow.agency_code == agency)
        if status:
            statement = statement.where(RequestRow.status == status)
        return list((await self.session.execute(statement)).scalars())


class AgencyChannelRepo(_Repo):
    async def for_agency(self, agency_code: str) -> list[AgencyChannelRow]:
        statement = select(AgencyChannelRow).where(AgencyChannelRow.agency_code == agency_code)
        return list((await self.session.execute(statement.order_by(AgencyChannelRow.id))).scalars())

    async def agency_of(self, channel: str, chat_id: str) -> str | None:
        statement = select(AgencyChannelRow.agency_code).where(
            AgencyChannelRow.channel == channel, AgencyChannelRow.chat_id == chat_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def link(self, agency_code: str, channel: str, chat_id: str, linked_by: str, now: datetime) -> None:
        """A chat serves one agency: linking it again moves it to the new agency."""
        await self.session.execute(
            delete(AgencyChannelRow).where(AgencyChannelRow.channel == channel, AgencyChannelRow.chat_id == chat_id)
        )
        self.session.add(
            AgencyChannelRow(
                agency_code=agency_code, channel=channel, chat_id=chat_id, linked_by=linked_by, linked_at=now
            )
        )
        await self.session.flush()


class LinkCodeRepo(_Repo):
    async def add(self, code_hash: str, agency_code: str, now: datetime, expires_at: datetime) -> None:
        self.session.add(
            LinkCodeRow(code_hash=code_hash, agency_code=agency_code, created_at=now, expires_at=expires_at)
        )
        await self.session.flush()

    async def consume(self, code_hash: str, now: datetime) -> str | None:
        """The agency of an unused, unexpired code, marking it used; None otherwise."""
        statement = select(LinkCodeRow).where(LinkCodeRow.code_hash == code_hash).with_for_update()
        row = (await self.session.execute(statement)).scalar_one_or_none()
        if row is None or row.used_at is not None or as_utc(row.expires_at) <= now:
            return None
        row.used_at = now
        await self.session.flush()
        return row.agency_code


class ZaloTokenRepo(_Repo):
    ROW_ID = 1

    async def get(self, *, for_update: bool = False) -> ZaloTokenRow | None:
        statement = select(ZaloTokenRow).where(ZaloTokenRow.id == self.ROW_ID)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def store(self, access_token: str, refresh_token: str, now: datetime) -> None:
        row = await self.get(for_update=True)
        if row is None:
            self.session.add(
                ZaloTokenRow(id=self.ROW_ID, access_token=access_token, refresh_token=refresh_token, updated_at=now)
            )
        else:
            row.access_token, row.refresh_token, row.updated_at = access_token, refresh_token, now
        await self.session.flush()
