"""One unit of work = one transaction: repositories share its session; only it commits.

The session stays inside: code outside bot/storage/ reaches the database through the repositories
only, and sees the storage layer's own errors (bot.storage.errors), never the driver's.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database
from bot.storage.errors import translate, translating
from bot.storage.repos.accounts import ApiTokenRepo, NotificationRepo, UserRepo
from bot.storage.repos.agencies import AgencyRepo
from bot.storage.repos.audit import AuditRepo
from bot.storage.repos.channels import AgencyChannelRepo, AgencyStaffIdRepo, LinkCodeRepo, ZaloTokenRepo
from bot.storage.repos.conversations import ConversationRepo, InboundRepo
from bot.storage.repos.dashboard import StatsRepo
from bot.storage.repos.faq import FaqRepo
from bot.storage.repos.gauges import GaugeRepo
from bot.storage.repos.handover import HandoverRepo
from bot.storage.repos.holidays import HolidayRepo
from bot.storage.repos.limits import RateBucketRepo
from bot.storage.repos.listing_alerts import ListingAlertRepo
from bot.storage.repos.listing_people import ListingPeopleRepo
from bot.storage.repos.listings import ListingRepo
from bot.storage.repos.localities import LocalityRepo
from bot.storage.repos.logins import LoginFailureRepo, RecoveryCodeRepo, WebSessionRepo
from bot.storage.repos.match_log import MatchLogRepo
from bot.storage.repos.meta import MetaRepo
from bot.storage.repos.outbox import OutboxRepo
from bot.storage.repos.privacy import PrivacyRepo
from bot.storage.repos.queue import QueueRepo
from bot.storage.repos.requests import RequestRepo, RequestViewRepo
from bot.storage.repos.routing import RuleRepo
from bot.storage.repos.workspace import CannedReplyRepo, SavedFilterRepo


class UnitOfWork:
    _session: AsyncSession

    def __init__(self, database: Database, *, single: bool = False) -> None:
        """`single`: the unit runs one statement only (or statements that need not stand or fall
        together). On PostgreSQL each is then its own transaction, with no BEGIN and COMMIT round
        trips; commit() changes nothing. The outbox sender's lease, records and renewals are such."""
        self._database = database
        self._single = single

    async def __aenter__(self) -> UnitOfWork:
        if self._database.serial is not None:
            await self._database.serial.acquire()
        try:
            single = self._database.single_statements if self._single else None
            self._session = (single or self._database.sessions)()
            with translating():
                await self._session.begin()
        except BaseException:
            self._release()
            raise
        s = self._session
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
        self.staff_ids = AgencyStaffIdRepo(s)
        self.rate_buckets = RateBucketRepo(s)
        self.zalo_tokens = ZaloTokenRepo(s)
        self.users = UserRepo(s)
        self.login_failures = LoginFailureRepo(s)
        self.web_sessions = WebSessionRepo(s)
        self.recovery_codes = RecoveryCodeRepo(s)
        self.api_tokens = ApiTokenRepo(s)
        self.request_views = RequestViewRepo(s)
        self.holidays = HolidayRepo(s)
        self.notifications = NotificationRepo(s)
        self.queue = QueueRepo(s)
        self.saved_filters = SavedFilterRepo(s)
        self.canned_replies = CannedReplyRepo(s)
        self.stats = StatsRepo(s)
        self.privacy = PrivacyRepo(s)
        self.listings = ListingRepo(s)
        self.listing_alerts = ListingAlertRepo(s)
        self.listing_people = ListingPeopleRepo(s)
        self.gauges = GaugeRepo(s)
        self.handover = HandoverRepo(s)
        return self

    async def flush(self) -> None:
        """Write the changes made to loaded rows now, within the transaction (ids, constraints)."""
        await self._session.flush()

    async def commit(self) -> None:
        await self._session.commit()

    async def rollback(self) -> None:
        await self._session.rollback()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Anything not committed explicitly is rolled back: a crash mid-message leaves no trace.
        # A clean exit from a read-only unit only closes, so loaded rows stay readable.
        try:
            with translating():
                if exc_type is not None and self._session.in_transaction():
                    await self._session.rollback()
                await self._session.close()
        finally:
            self._release()
        if isinstance(exc, DBAPIError | OverflowError):
            storage_error = translate(exc)
            if storage_error is not None:
                raise storage_error from exc

    def _release(self) -> None:
        if self._database.serial is not None:
            self._database.serial.release()
