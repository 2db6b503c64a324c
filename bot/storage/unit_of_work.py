"""One unit of work = one transaction: repositories share its session; only it commits."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.account_repos import (
    ApiTokenRepo,
    HolidayRepo,
    LoginAttemptRepo,
    NotificationRepo,
    RequestViewRepo,
    UserRepo,
)
from bot.storage.database import Database
from bot.storage.queue_repo import QueueRepo
from bot.storage.repositories import (
    AgencyChannelRepo,
    AgencyRepo,
    AuditRepo,
    ConversationRepo,
    FaqRepo,
    InboundRepo,
    LinkCodeRepo,
    LocalityRepo,
    MatchLogRepo,
    MetaRepo,
    OutboxRepo,
    RequestRepo,
    RuleRepo,
    ZaloTokenRepo,
)
from bot.storage.stats_repo import StatsRepo


class UnitOfWork:
    session: AsyncSession

    def __init__(self, database: Database) -> None:
        self._database = database

    async def __aenter__(self) -> UnitOfWork:
        if self._database.serial is not None:
            await self._database.serial.acquire()
        try:
            self.session = self._database.sessions()
            await self.session.begin()
        except BaseException:
            self._release()
            raise
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
        self.agency_channels = AgencyChannelRepo(s)
        self.link_codes = LinkCodeRepo(s)
        self.zalo_tokens = ZaloTokenRepo(s)
        self.users = UserRepo(s)
        self.login_attempts = LoginAttemptRepo(s)
        self.api_tokens = ApiTokenRepo(s)
        self.request_views = RequestViewRepo(s)
        self.holidays = HolidayRepo(s)
        self.notifications = NotificationRepo(s)
        self.queue = QueueRepo(s)
        self.stats = StatsRepo(s)
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
        try:
            if exc_type is not None and self.session.in_transaction():
                await self.session.rollback()
            await self.session.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._database.serial is not None:
            self._database.serial.release()
