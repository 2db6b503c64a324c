"""Settings, read once from the environment (prefix HOANHAP_) and passed down."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge_base.matcher import MatchSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOANHAP_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    # PostgreSQL connections one process keeps open for its messages; it opens up to half as many again
    # for a burst and closes those once handed back (a server backend forked for each); its outbox
    # sender keeps 3 (up to 5) of its own. `serve --workers N` and every `hoanhap worker` open that many
    # each: keep the sum under the server's max_connections (100 by default; 4 processes: 80).
    database_pool_size: Annotated[int, Field(ge=1, le=500)] = 10
    log_level: str = "INFO"
    # "json": one JSON object a line (time, level, logger, message, request_id, exception), for a log
    # collector; "text": a line for people reading a terminal. Both go through the same redaction.
    log_format: Literal["text", "json"] = "text"
    default_locale: str = "vi"
    console_chat_id: str = "console"

    host: str = "127.0.0.1"
    port: int = 8080
    # On SIGTERM, requests under way get this long to finish before their connections are closed.
    shutdown_grace_seconds: Annotated[int, Field(ge=0, le=600)] = 20
    # The address people and staff reach the web on, for links printed at start (default: host:port).
    public_url: str = ""
    # Signs session and CSRF cookies; unset, one is generated and kept in the database for every worker.
    secret_key: SecretStr | None = None
    # How long a staff or admin login lasts at most, however busy, and a web-chat conversation's cookie.
    session_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 12
    # A staff or admin session unused this long ends (the next page asks for the password again).
    session_idle_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 60
    # Admins must sign in with a second factor (an authenticator app's code); staff may choose to.
    require_2fa: bool = False
    # Wrong passwords or codes from one address (any usernames), and from everywhere together, within
    # 15 minutes, after which logins wait: against password spraying. A pair of username and address
    # has its own, smaller allowance (bot/accounts/throttle.py), so an attacker locks out only themselves.
    login_failures_per_address: Annotated[int, Field(ge=5)] = 30
    login_failures_overall: Annotated[int, Field(ge=10)] = 300
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated, e.g.
    # "127.0.0.1,10.0.0.0/8"); empty: the client address is the connection's peer, and the header is ignored.
    trusted_proxies: str = ""
    # How long a web chat cookie is good for; kept on the phone that long only when the person asks to
    # "remember this phone" (else a session cookie).
    web_chat_days: Annotated[int, Field(ge=1, le=365)] = 30
    # Behind HTTPS (production) cookies must be Secure; plain http on 127.0.0.1 cannot use them.
    secure_cookies: bool = False

    # /metrics answers loopback, these networks (comma-separated, e.g. "10.0.0.0/8"), and anyone
    # sending `Authorization: Bearer <metrics_token>`; nobody else (404).
    metrics_networks: str = ""
    metrics_token: SecretStr | None = None
    # A scrape waits this long for the figures read from the database, then answers without them.
    metrics_db_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 2.0
    # `hoanhap worker` serves /metrics on this port when set (the same access rules).
    worker_metrics_port: Annotated[int, Field(ge=1, le=65535)] | None = None
    worker_metrics_host: str = "127.0.0.1"

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    # The bot's @username, for the web chat's "get the replies on Telegram" link (t.me/<it>?start=...).
    # Empty: asked of Telegram (getMe) when serving starts; set it under `serve --workers N`, whose
    # other processes do not ask.
    telegram_bot_username: str = ""
    zalo_bot_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_webhook_secret: SecretStr | None = None
    zalo_oa_app_id: str = ""
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_api_base: str = "https://openapi.zalo.me"
    zalo_oa_oauth_base: str = "https://oauth.zaloapp.com"

    # The longest wait between two attempts to deliver a message after network or server errors.
    outbox_max_backoff_seconds: Annotated[float, Field(gt=0)] = 600.0
    # How long a sender's hold on the rows it is sending lasts unless renewed (it renews it several
    # times a lease while it sends): a sender that died has its rows taken by another this soon.
    outbox_lease_seconds: Annotated[float, Field(ge=1, le=600)] = 6.0
    # Set by `serve --workers` for each serving process it starts, not by hand: the process's name on
    # the rows it leases, and those of the process it replaces, known dead, whose rows it takes back
    # at once instead of after their lease.
    sender_id: Annotated[str, Field(max_length=64)] = ""
    reclaim_senders: str = ""  # comma-separated
    # Webhooks answer 503 (the platform retries later) while the oldest message due to go out has
    # waited longer than this: accepting more would only hide replies that arrive minutes late. 0: off.
    outbox_backpressure_seconds: Annotated[float, Field(ge=0)] = 30.0
    # Messages a second one sender process sends on each platform (bot/messaging/pacing.py), under
    # Telegram's ~30/s for a bot; Zalo publishes no figure for the Bot Platform or the OA's
    # consultation messages, so it is kept low. And the gap between two notices to one chat.
    telegram_send_rate: Annotated[float, Field(gt=0, le=30)] = 28.0
    zalo_send_rate: Annotated[float, Field(gt=0, le=30)] = 10.0
    send_chat_gap_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0

    # A web chat's one-time link to a notifier (Telegram) works this many minutes, once; a chat may
    # ask for this many of them an hour.
    handover_link_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    handover_links_per_hour: Annotated[int, Field(ge=1, le=100)] = 5

    # How long a one-time code for linking an agency's group stays valid.
    link_code_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 48

    # The zone agencies' work days and periods are read in (an IANA name).
    timezone: str = "Asia/Ho_Chi_Minh"
    # How often requests past their first-response target are looked for and escalated to leads.
    escalation_interval_seconds: Annotated[float, Field(gt=0)] = 60.0
    # This many days after a person registered interest in a job or a course, the bot asks them once
    # whether they started (bot/listings/followup.py); the round looks for those due every hour.
    listing_followup_days: Annotated[int, Field(ge=1, le=365)] = 30

    # Retention: a closed request's personal fields are erased this long after it closed; kept
    # messages (transcripts, agency posts) and idle conversations' drafts after this many days;
    # the question log's pseudonyms after this many. The round runs every `retention_interval_hours`.
    retention_request_days: Annotated[int, Field(ge=1)] = 365
    retention_transcript_days: Annotated[int, Field(ge=1)] = 90
    retention_pseudonym_days: Annotated[int, Field(ge=1)] = 180
    retention_interval_hours: Annotated[float, Field(gt=0)] = 24.0

    # Matcher decisions: see knowledge_base/matcher.py for what each signal means.

    # Any text a person or a staff member sends is cut to this many characters at the door (before the
    # core and the database see it); Telegram's own ceiling for a message.
    max_message_chars: Annotated[int, Field(ge=100, le=100_000)] = 4096
    # A question longer than this is asked to be shortened rather than matched.
    max_question_chars: Annotated[int, Field(ge=20)] = 600
    # Free text kept from a person in one form answer (descriptions, additions).
    max_description_chars: Annotated[int, Field(ge=50)] = 2000
    # Flood control per chat (any channel but the console): this many messages in this many seconds,
    # then one notice and silence until the chat calms down (bot/messaging/flood.py).
    flood_messages: Annotated[int, Field(ge=1)] = 20
    flood_window_seconds: Annotated[float, Field(ge=1, le=24 * 3600)] = 60.0
    # The web chat, per minute: messages from one browser session, and from one address (all its
    # sessions together: one machine opening new chats). Past either, 429 with a localised text.
    web_chat_messages_per_session: Annotated[int, Field(ge=1)] = 30
    web_chat_messages_per_address: Annotated[int, Field(ge=1)] = 120
    # A person may have this many requests open at once; the form refuses another and lists them.
    max_open_requests: Annotated[int, Field(ge=1, le=100)] = 3
    # Publishing an answer, or changing a published one, waits for a second admin's approval.
    faq_publish_needs_approval: bool = False

    # After a staff message (a reply, or "waiting for you"), what the person types goes to that
    # request as their answer for this many days, while it is open (handlers/flows/replying.py).
    reply_window_days: Annotated[float, Field(ge=0, le=365)] = 7.0
    # Tries at opening a request by its code and phone from another chat: per conversation an hour,
    # and failed tries from every conversation together an hour.
    request_lookups_per_hour: Annotated[int, Field(ge=1, le=1000)] = 5
    request_lookup_failures_per_hour: Annotated[int, Field(ge=1)] = 200

    def secret_values(self) -> tuple[str, ...]:
        """The configured tokens and keys, for the log filter to mask wherever they appear."""
        found = (
            self.secret_key,
            self.telegram_token,
            self.telegram_webhook_secret,
            self.zalo_bot_token,
            self.zalo_webhook_secret,
            self.zalo_oa_secret_key,
            self.metrics_token,
        )
        return tuple(s.get_secret_value() for s in found if s is not None and s.get_secret_value())

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # Refused at start-up rather than on every escalation round.
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("trusted_proxies", "metrics_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for item in (part.strip() for part in value.split(",")):
            if item:
                try:
                    ip_network(item, strict=False)
                except ValueError:
                    raise ValueError(f"not an address or network: {item!r}") from None
        return value

    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return _network_list(self.trusted_proxies)

    def metrics_network_list(self) -> list[IPv4Network | IPv6Network]:
        return _network_list(self.metrics_networks)

    def reclaimed_senders(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.reclaim_senders.split(",") if part.strip())

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hoanhap.db').as_posix()}"

    def match_settings(self) -> MatchSettings:
        # The decision's cut-offs are fitted data (knowledge_base/content/decision.yaml), not settings.
        return MatchSettings()


def _network_list(value: str) -> list[IPv4Network | IPv6Network]:
    return [ip_network(p.strip(), strict=False) for p in value.split(",") if p.strip()]
