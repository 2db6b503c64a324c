"""One unit of work = one transaction: repositories share its session; only it commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.repositories import (
    AgencyRepo,
    AuditRepo,
    ConversationRepo,
    FaqRepo,
    InboundRepo,
    LocalityRepo,
    MatchLogRepo,
    MetaRepo,
    OutboxRepo,
    RequestRepo,
    RuleRepo,
)


class UnitOfWork:
    session: AsyncSession

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        await self.session.begin()
        s = self.session
        self.meta = MetaRepo(s)
        self.inbound = InboundRepo(s)
        self.conversations = ConversationRepo(s)
        self.outbox = OutboxRepo(s)
        self.match_log = MatchLogRepo(s)
        self.faq = FaqRepo(s)
        self.audit = AuditRepo(s)
        self.agencies = AgencyRepo(s)
        self.localities = LocalityRepo(s)
        self.rules = RuleRepo(s)
        self.requests = RequestRepo(s)
        return self

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Anything not committed explicitly is rolled back: a crash mid-message leaves no trace.
        # A clean exit from a read-only unit only closes, so loaded rows stay readable.
        if exc_type is not None and self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()
