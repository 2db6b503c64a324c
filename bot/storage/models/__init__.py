"""SQLAlchemy 2 models, one module per noun. The Alembic migrations under migrations/ are the truth;
these mirror them (tests/storage checks tables, columns, types and nullability against them).

This package re-exports every model on purpose: it is the package's public face, so callers write
`from bot.storage.models import RequestRow` without knowing which module holds it, and importing the
package registers every table on `Base.metadata`, which Alembic's environment compares with the
migrations. A new model module must be imported here.
"""

from bot.storage.models.accounts import ApiTokenRow, UserNotificationRow, UserRow
from bot.storage.models.agencies import AgencyRow
from bot.storage.models.audit import AuditLogRow
from bot.storage.models.base import Base, BigId, Meta
from bot.storage.models.channels import AgencyChannelRow, AgencyStaffIdRow, LinkCodeRow, ZaloTokenRow
from bot.storage.models.conversations import ConversationRow, InboundUpdateRow
from bot.storage.models.faq import FaqApprovalRow, FaqEntryRow, FaqVersionRow
from bot.storage.models.handover import HandoverTokenRow
from bot.storage.models.holidays import HolidayRow
from bot.storage.models.limits import RateBucketRow
from bot.storage.models.listing_alerts import AlertDeliveryRow, AlertRunRow, ListingAlertRow
from bot.storage.models.listings import ListingPersonRow, ListingRow
from bot.storage.models.localities import LocalityRow
from bot.storage.models.logins import LoginFailureRow, RecoveryCodeRow, WebSessionRow
from bot.storage.models.match_log import MatchLogRow
from bot.storage.models.outbox import DeliveryAttemptRow, OutboxRow
from bot.storage.models.requests import (
    ConsentTextRow,
    RequestEventRow,
    RequestLinkRow,
    RequestLookupRow,
    RequestRow,
    RequestViewRow,
)
from bot.storage.models.routing import RoutingRuleRow
from bot.storage.models.workspace import CannedReplyRow, SavedFilterRow

__all__ = [
    "AgencyChannelRow",
    "AgencyRow",
    "AgencyStaffIdRow",
    "AlertDeliveryRow",
    "AlertRunRow",
    "ApiTokenRow",
    "AuditLogRow",
    "Base",
    "BigId",
    "CannedReplyRow",
    "ConsentTextRow",
    "ConversationRow",
    "DeliveryAttemptRow",
    "FaqApprovalRow",
    "FaqEntryRow",
    "FaqVersionRow",
    "HandoverTokenRow",
    "HolidayRow",
    "InboundUpdateRow",
    "LinkCodeRow",
    "ListingAlertRow",
    "ListingPersonRow",
    "ListingRow",
    "LocalityRow",
    "LoginFailureRow",
    "MatchLogRow",
    "Meta",
    "OutboxRow",
    "RateBucketRow",
    "RecoveryCodeRow",
    "RequestEventRow",
    "RequestLinkRow",
    "RequestLookupRow",
    "RequestRow",
    "RequestViewRow",
    "RoutingRuleRow",
    "SavedFilterRow",
    "UserNotificationRow",
    "UserRow",
    "WebSessionRow",
    "ZaloTokenRow",
]
