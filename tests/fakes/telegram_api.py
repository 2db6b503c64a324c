"""A fake Telegram Bot API server for end-to-end tests.

It is a real HTTP server on 127.0.0.1, so the bot's unchanged aiogram client (and its error mapping:
TelegramBadRequest, TelegramRetryAfter, ...) is what the tests exercise. It keeps what the bot sent,
plays the people on the other side (their messages become updates for getUpdates or for the webhook),
and injects the failures Telegram is known for (429 with retry_after, 5xx, a user who blocked the bot).

Where the real Bot API has a rule that bots commonly break (message length, HTML that does not parse,
callback_data over 64 bytes, getUpdates while a webhook is set, editing to identical content), the fake
enforces it with Telegram's status code and description, so such a bug fails a test instead of production.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from tests.fakes.server import FakeServer, until_ok

JSON = dict[str, Any]
Handler = Callable[[JSON], Awaitable[Any]]

DEFAULT_TOKEN = "123456:TEST-token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
FIRST_UPDATE_ID = 1000
# Telegram holds a long poll for at most about 50 s whatever the client asks for.
MAX_POLL_TIMEOUT = 50.0

# Form fields arrive as strings; these are the ones the Bot API types as integers or booleans.
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "offset",
        "timeout",
        "limit",
        "message_id",
        "reply_to_message_id",
        "user_id",
        "from_chat_id",
        "message_thread_id",
        "max_connections",
        "cache_time",
    }
)
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "show_alert",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)
# Update types Telegram only sends when asked for by name in allowed_updates.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# An inline button must do something: a button with only a text is refused.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

# HTML parse mode: the tags Telegram knows (the spec's list plus its documented aliases), as entity types.
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTE = r"[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?"
_TAG_RE = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+{_ATTRIBUTE})*)\s*>")
_ATTRIBUTE_RE = re.compile(r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """A Bot API error answer: HTTP status plus the {"ok": false, ...} body aiogram maps to its exceptions."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(frozen=True)
class _Fault:
    status: int
    description: str
    retry_after: int | None


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _utf16_length(text: str) -> int:
    # Telegram measures texts and entity offsets in UTF-16 code units, not in code points.
    return len(text.encode("utf-16-le")) // 2


def _coerce(key: str, value: Any) -> Any:
    """A form field as the Bot API reads it: JSON objects and arrays decoded, integer and boolean fields typed."""
    if not isinstance(value, str):
        return value
    stripped = value.strip()
    if stripped[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            decoded = json.loads(stripped)
            if isinstance(decoded, dict | list):
                return decoded
    if key in _INT_PARAMS and re.fullmatch(r"-?\d+", stripped):
        return int(stripped)
    if key in _BOOL_PARAMS and stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    return value


async def _read_params(request: web.Request) -> JSON:
    """Parameters from the query string and any body Telegram accepts: JSON, urlencoded or multipart."""
    raw: JSON = dict(request.query)
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as error:
                raise _bad_request("can't parse JSON object") from error
            if not isinstance(body, dict):
                raise _bad_request("can't parse JSON object")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                elif isinstance(value, bytes | bytearray):
                    raw[key] = bytes(value).decode(errors="replace")
                else:
                    # An uploaded file: no method here stores files, so keep just what identifies it.
                    raw[key] = {"filename": value.filename, "content_type": value.content_type}
    return {key: _coerce(key, value) for key, value in raw.items()}


def parse_html(text: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: the plain text and its entities, or 400 "can't parse entities"."""

    def fail(detail: str, index: int) -> ApiError:
        return _bad_request(f"can't parse entities: {detail} at byte offset {len(text[:index].encode())}")

    plain: list[str] = []
    offset = 0
    # Open tags: name, UTF-16 offset where the entity starts, the entity (None when the tag makes none).
    stack: list[tuple[str, int, JSON | None]] = []
    entities: list[JSON] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "<":
            match = _TAG_RE.match(text, index)
            if match is None:
                raise fail("Unsupported start tag", index)
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in _HTML_TAGS:
                raise fail(f'Unsupported {"end" if closing else "start"} tag "{name}"', index)
            if closing:
                if not stack or stack[-1][0] != name:
                    expected = f'expected "</{stack[-1][0]}>", ' if stack else ""
                    raise fail(f'Unmatched end tag, {expected}found "</{name}>"', index)
                _, start, entity = stack.pop()
                # Telegram drops entities that cover no text.
                if entity is not None and offset > start:
                    entities.append({**entity, "offset": start, "length": offset - start})
            else:
                attributes = {
                    key.lower(): (value or "").strip("\"'") for key, value in _ATTRIBUTE_RE.findall(match.group(3))
                }
                stack.append((name, offset, _html_entity(name, attributes, stack, fail, index)))
            index = match.end()
            continue
        if char == "&":
            match = _ENTITY_RE.match(text, index)
            if match is None:
                raise fail("Character entity expected", index)
            named, decimal, hexadecimal = match.groups()
            code = int(decimal) if decimal else int(hexadecimal, 16) if hexadecimal else 0
            if not named and not 0 < code <= 0x10FFFF:
                raise fail("Invalid character entity", index)
            decoded = _NAMED_ENTITIES[named] if named else chr(code)
            plain.append(decoded)
            offset += _utf16_length(decoded)
            index = match.end()
            continue
        plain.append(char)
        offset += _utf16_length(char)
        index += 1
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"', len(text))
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(plain), entities


def _html_entity(
    name: str,
    attributes: dict[str, str],
    stack: list[tuple[str, int, JSON | None]],
    fail: Callable[[str, int], ApiError],
    index: int,
) -> JSON | None:
    kind = _HTML_TAGS[name]
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise fail('Tag "span" must have class "tg-spoiler"', index)
    if name == "a":
        href = attributes.get("href")
        # A link without a target is plain text for Telegram.
        return {"type": kind, "url": href} if href else None
    if name == "blockquote" and "expandable" in attributes:
        return {"type": "expandable_blockquote"}
    if name == "tg-emoji":
        return {"type": kind, "custom_emoji_id": attributes.get("emoji-id", "")}
    if name == "code" and stack and stack[-1][0] == "pre" and stack[-1][2] is not None:
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        language = attributes.get("class", "")
        if language.startswith("language-"):
            stack[-1][2]["language"] = language.removeprefix("language-")
            return None
    return {"type": kind}


def _check_markup(markup: Any) -> None:
    """The reply_markup checks Telegram makes that a bot can fail: inline buttons and their callback_data."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            if not any(action in button for action in _BUTTON_ACTIONS):
                raise _bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad_request("BUTTON_DATA_INVALID")


def _is_inline(markup: Any) -> bool:
    return isinstance(markup, dict) and "inline_keyboard" in markup


def _inline_or_none(markup: Any) -> JSON | None:
    # Only an inline keyboard belongs to a message; reply keyboards live on the client.
    if _is_inline(markup) and markup["inline_keyboard"]:
        return dict(markup)
    return None


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


def _callback_ids(update: JSON) -> list[str]:
    query = update.get("callback_query")
    if isinstance(query, dict) and "id" in query:
        return [str(query["id"])]
    return []


async def _read_webhook_reply(response: aiohttp.ClientResponse) -> JSON | None:
    """A webhook may answer with a method call in its body, which Telegram then executes."""
    fields: JSON = {}
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError, aiohttp.ContentTypeError):
            body = await response.json()
            if isinstance(body, dict):
                fields = body
    elif response.content_type == "multipart/form-data":
        reader = aiohttp.MultipartReader(response.headers, response.content)
        while (part := await reader.next()) is not None:
            if isinstance(part, aiohttp.BodyPartReader) and part.name:
                fields[part.name] = await part.text()
    elif response.content_type == "application/x-www-form-urlencoded":
        fields = dict(parse_qsl(await response.text()))
    if not isinstance(fields.get("method"), str):
        return None
    return {key: _coerce(key, value) for key, value in fields.items()}


class FakeTelegram(FakeServer):
    """Plays Telegram for one bot token: the Bot API over HTTP, the users, and the faults."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        clock: Callable[[], float] = time.time,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.token = token
        self.clock = clock
        self.webhook_timeout = webhook_timeout
        self.bot_user: JSON = {"id": 123456, "is_bot": True, "first_name": "HoaNhapBot", "username": "hoanhap_bot"}
        self.calls: list[tuple[str, JSON]] = []
        # Updates a simulated user made that Telegram would not have queued (type not in allowed_updates).
        self.dropped_updates: list[JSON] = []
        # (update, HTTP status) for each webhook delivery attempt, 0 when the connection failed.
        self.deliveries: list[tuple[JSON, int]] = []
        # Seconds each sendMessage takes before it is answered: a slow platform, so that a test can
        # stop or kill the bot while a message is with Telegram.
        self.send_delay = 0.0
        super().__init__()
        self._queue: list[JSON] = []
        self._next_update_id = FIRST_UPDATE_ID
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._wakeup = asyncio.Event()
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_allowed: list[str] = []
        self._webhook_error: tuple[int, str] | None = None
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._forbidden: set[int] = set()
        self._chats: dict[int, JSON] = {}
        self._message_ids: dict[int, int] = defaultdict(int)
        # Every message in every chat, as Telegram's Message objects, whoever sent it.
        self._messages: dict[tuple[int, int], JSON] = {}
        # What the bot sent, per chat and in order, in the shape tests read.
        self._sent: dict[int, list[JSON]] = defaultdict(list)
        # (chat id, the server's clock when it took the message, its text) for every sendMessage taken:
        # how fast the bot sends, measured here rather than by the bot (benchmarks/alerts.py).
        self.taken: list[tuple[int, float, str]] = []
        self._callback_query_ids: set[str] = set()
        self._next_callback_id = 4_100_000_000_000_000_000
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "editMessageText": self._edit_message_text,
            "deleteMessage": self._delete_message,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
        }
        # Telegram matches method names case-insensitively.
        self._method_names = {name.lower(): name for name in self._handlers}

    # ---- server lifecycle -------------------------------------------------------------------------

    def _add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)

    def _on_stop(self) -> None:
        # A long poll still waiting when the server stops is woken rather than left to time out.
        self._wake()

    # ---- what tests read --------------------------------------------------------------------------

    def calls_of(self, method: str) -> list[JSON]:
        name = self._method_names.get(method.lower(), method)
        return [params for called, params in self.calls if called == name]

    def sent(self, chat_id: int | str) -> list[JSON]:
        """What the bot sent to the chat, in order; edits show the current state, deletions are flagged."""
        return copy.deepcopy(self._sent.get(int(chat_id), []))

    def texts(self, chat_id: int | str) -> list[str]:
        return [record["text"] for record in self._sent.get(int(chat_id), [])]

    async def wait_for_text(self, chat_id: int | str, contains: str, timeout: float = 10, *, start: int = 0) -> JSON:
        """The first message sent to the chat (from index `start`) whose text, raw or rendered, has `contains`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for record in self._sent.get(int(chat_id), [])[start:]:
                if contains in record["text"] or contains in record["plain_text"]:
                    return copy.deepcopy(record)
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(
                    f"no message containing {contains!r} reached chat {chat_id} within {timeout}s; "
                    f"sent: {self.texts(chat_id)!r}"
                )
            await asyncio.sleep(0.01)

    @property
    def webhook(self) -> JSON | None:
        """The webhook as the bot set it (Telegram never shows the secret back; tests may)."""
        if not self._webhook_url:
            return None
        return {
            "url": self._webhook_url,
            "secret_token": self._webhook_secret,
            "allowed_updates": list(self._webhook_allowed),
        }

    @property
    def pending_updates(self) -> list[JSON]:
        return copy.deepcopy(self._queue)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A stored message as Telegram's Message object, or None when it does not (or no longer) exist."""
        stored = self._messages.get((chat_id, message_id))
        return copy.deepcopy(stored) if stored is not None else None

    # ---- faults -----------------------------------------------------------------------------------

    def fail(self, method: str, times: int, status: int, retry_after: int | None = None, description: str = "") -> None:
        """The next `times` calls of `method` answer `status` with a Bot API error body, before doing anything."""
        if not description:
            description = _DEFAULT_DESCRIPTIONS.get(status, "Error")
            if retry_after is not None:
                description = f"{description}: retry after {retry_after}"
        name = self._method_names.get(method.lower(), method)
        self._faults[name].extend(_Fault(status, description, retry_after) for _ in range(times))

    def forbid(self, chat_id: int) -> None:
        """The user blocked the bot: sending to the chat answers 403 until unforbid()."""
        self._forbidden.add(int(chat_id))

    def unforbid(self, chat_id: int) -> None:
        self._forbidden.discard(int(chat_id))

    # ---- simulated users --------------------------------------------------------------------------

    def user(self, id: int, first_name: str = "An", username: str | None = None) -> JSON:
        user: JSON = {"id": id, "is_bot": False, "first_name": first_name, "language_code": "vi"}
        if username is not None:
            user["username"] = username
        return user

    def send_text(
        self,
        chat_id: int,
        from_user: JSON,
        text: str,
        reply_to_message_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
    ) -> JSON:
        content: JSON = {"text": text}
        command = _COMMAND_RE.match(text)
        if command is not None:
            # Telegram marks a leading /command as an entity, as aiogram's filters may expect.
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_length(command.group())}]
        message = self._user_message(chat_id, from_user, content, reply_to_message_id, chat_type, chat_title)
        return self._emit({"message": message})

    def press(self, chat_id: int, from_user: JSON, message_id: int, data: str) -> JSON:
        """A press on an inline button of a stored message: a callback_query carrying that message."""
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id} to press a button on")
        self._next_callback_id += 1
        query_id = str(self._next_callback_id)
        query: JSON = {
            "id": query_id,
            "from": from_user,
            "message": copy.deepcopy(stored),
            "chat_instance": str(abs(chat_id) * 7919 + 13),
            "data": data,
        }
        return self._emit({"callback_query": query})

    def share_contact(
        self, chat_id: int, from_user: JSON, phone_number: str, contact_user_id: int | None = None
    ) -> JSON:
        contact: JSON = {"phone_number": phone_number, "first_name": from_user.get("first_name", "")}
        if from_user.get("last_name"):
            contact["last_name"] = from_user["last_name"]
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._emit({"message": self._user_message(chat_id, from_user, {"contact": contact})})

    def send_sticker(self, chat_id: int, from_user: JSON) -> JSON:
        sticker: JSON = {
            "file_id": "CAACAgIAAxkBAAEFakeSticker",
            "file_unique_id": "AgADFakeSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
        }
        return self._emit({"message": self._user_message(chat_id, from_user, {"sticker": sticker})})

    def send_photo(self, chat_id: int, from_user: JSON, caption: str | None = None) -> JSON:
        # Telegram sends a photo as several sizes, smallest first.
        photo = [
            {
                "file_id": f"AgACAgIAAxkBAAEFakePhoto{size}",
                "file_unique_id": f"AQADFake{size}",
                "width": size,
                "height": size,
            }
            for size in (90, 320, 800)
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return self._emit({"message": self._user_message(chat_id, from_user, content)})

    def push(self, update: JSON) -> JSON:
        """A raw update, given an update_id when it has none; queued (or left for deliver()) like any other."""
        if "update_id" not in update:
            update = {"update_id": self._take_update_id(), **update}
        else:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._callback_query_ids.update(_callback_ids(update))
        if not self._webhook_url:
            self._enqueue(update)
        return update

    async def deliver(self, update: JSON) -> int:
        """POST the update to the webhook as Telegram does; the HTTP status, or 0 if the connection failed."""
        if not self._webhook_url:
            raise AssertionError("no webhook is set: the bot must call setWebhook first (or use getUpdates)")
        self._callback_query_ids.update(_callback_ids(update))
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret:
            headers[SECRET_HEADER] = self._webhook_secret
        reply: JSON | None = None
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.webhook_timeout)) as session,
                session.post(self._webhook_url, data=json.dumps(update), headers=headers) as response,
            ):
                status = response.status
                if 200 <= status < 300:
                    reply = await _read_webhook_reply(response)
                else:
                    message = f"Wrong response from the webhook: {status} {response.reason}"
                    self._webhook_error = (int(self.clock()), message)
        except (aiohttp.ClientError, TimeoutError) as error:
            status = 0
            self._webhook_error = (int(self.clock()), f"Connection failed: {type(error).__name__}")
        self.deliveries.append((update, status))
        if reply is not None:
            # The bot answered the webhook with a method call: Telegram runs it, and no one sees the result.
            requested = str(reply.pop("method"))
            method = self._method_names.get(requested.lower(), requested)
            self.calls.append((method, reply))
            await self._call(method, reply)
        return status

    async def deliver_until_ok(self, update: JSON, attempts: int = 5, delay: float = 0.05) -> int:
        """Redeliver on non-2xx as Telegram does (its backoff shortened to `delay`); the last status."""
        return await until_ok(lambda: self.deliver(update), attempts, delay)

    # ---- HTTP -------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        requested = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ApiError as error:
            return web.json_response(error.body(), status=error.status)
        method = self._method_names.get(requested.lower())
        self.calls.append((method or requested, params))
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"}, status=404
            )
        status, body = await self._call(method, params)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        # No method here stores files, so there is never one to download.
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _call(self, method: str, params: JSON) -> tuple[int, JSON]:
        handler = self._handlers.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        faults = self._faults.get(method)
        if faults:
            fault = faults.popleft()
            return fault.status, ApiError(fault.status, fault.description, fault.retry_after).body()
        try:
            result = await handler(params)
        except ApiError as error:
            return error.status, error.body()
        return 200, {"ok": True, "result": result}

    # ---- updates ----------------------------------------------------------------------------------

    def _wake(self) -> None:
        # Waiters hold the current event; setting it and installing a fresh one wakes each exactly once.
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def _emit(self, body: JSON) -> JSON:
        update = {"update_id": self._take_update_id(), **body}
        self._callback_query_ids.update(_callback_ids(update))
        # With a webhook set Telegram would push it; the test does that with deliver().
        if not self._webhook_url:
            self._enqueue(update)
        return update

    def _enqueue(self, update: JSON) -> None:
        kind = _update_type(update)
        allowed = kind in self._allowed_updates if self._allowed_updates else kind not in _OPT_IN_UPDATES
        if not allowed:
            # Telegram never stores an update of a type the bot did not ask for.
            self.dropped_updates.append(update)
            return
        self._queue.append(update)
        self._wake()

    async def _get_updates(self, params: JSON) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        offset = params.get("offset")
        if isinstance(offset, int) and offset > 0:
            # Asking from `offset` confirms everything before it: those updates are gone for good.
            self._queue = [update for update in self._queue if update["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self._queue = self._queue[offset:]
        limit = params.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = params.get("timeout", 0)
        timeout = min(max(float(timeout), 0.0), MAX_POLL_TIMEOUT) if isinstance(timeout, int) else 0.0
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list means the default set; an absent one keeps the previous setting.
            self._allowed_updates = [str(kind) for kind in allowed]
        # Only one getUpdates at a time: a new one ends the one still waiting, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._queue:
                return copy.deepcopy(self._queue[:limit])
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)
            if self._webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing:
                return []
            event = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    async def _set_webhook(self, params: JSON) -> bool:
        url = str(params.get("url", ""))
        if not url:
            return await self._delete_webhook(params)
        if not url.startswith(("https://", "http://")):
            # Real Telegram wants HTTPS; plain HTTP is allowed here so tests can receive on 127.0.0.1.
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise _bad_request("bad webhook: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._webhook_allowed = [str(kind) for kind in allowed]
            self._allowed_updates = list(self._webhook_allowed)
        if params.get("drop_pending_updates") is True:
            self._queue.clear()
        self._webhook_url = url
        self._webhook_secret = str(secret) if secret is not None else None
        self._webhook_error = None
        self._wake()
        return True

    async def _delete_webhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates") is True:
            self._queue.clear()
        self._webhook_url = ""
        self._webhook_secret = None
        self._webhook_allowed = []
        self._webhook_error = None
        return True

    async def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0 if self._webhook_url else len(self._queue),
        }
        if self._webhook_url:
            info["max_connections"] = 40
            if self._webhook_allowed:
                info["allowed_updates"] = list(self._webhook_allowed)
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
        return info

    # ---- chats and messages -----------------------------------------------------------------------

    async def _get_me(self, params: JSON) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _chat(self, chat_id: int) -> JSON:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        if chat_id > 0:
            return {"id": chat_id, "type": "private"}
        return {"id": chat_id, "type": "supergroup", "title": "Nhóm thử nghiệm"}

    def _chat_id(self, params: JSON) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        # "@channelname" and the like name no chat this fake knows.
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id == 0:
            raise _bad_request("chat not found")
        return chat_id

    def _check_forbidden(self, chat_id: int) -> None:
        if chat_id in self._forbidden:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _take_message_id(self, chat_id: int) -> int:
        # One counter per chat for both sides, as in a private chat on Telegram.
        self._message_ids[chat_id] += 1
        return self._message_ids[chat_id]

    def _reply_copy(self, chat_id: int, message_id: int) -> JSON | None:
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            return None
        # Telegram embeds the replied-to message one level deep only.
        replied = copy.deepcopy(stored)
        replied.pop("reply_to_message", None)
        return replied

    def _user_message(
        self,
        chat_id: int,
        from_user: JSON,
        content: JSON,
        reply_to_message_id: int | None = None,
        chat_type: str | None = None,
        chat_title: str | None = None,
    ) -> JSON:
        kind = chat_type or ("private" if chat_id > 0 else "supergroup")
        chat: JSON = {"id": chat_id, "type": kind}
        if kind == "private":
            chat.update({key: from_user[key] for key in ("first_name", "last_name", "username") if key in from_user})
        else:
            known_title = self._chats.get(chat_id, {}).get("title")
            chat["title"] = chat_title or known_title or "Nhóm thử nghiệm"
        self._chats[chat_id] = chat
        message: JSON = {
            "message_id": self._take_message_id(chat_id),
            "from": from_user,
            "chat": dict(chat),
            "date": int(self.clock()),
            **content,
        }
        if reply_to_message_id is not None:
            replied = self._reply_copy(chat_id, reply_to_message_id)
            if replied is None:
                raise AssertionError(f"no message {reply_to_message_id} in chat {chat_id} to reply to")
            message["reply_to_message"] = replied
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _validate_text(self, params: JSON) -> tuple[str, str, list[JSON]]:
        """The text as sent, as displayed, and its entities; or the 400 Telegram gives."""
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        parse_mode = str(params.get("parse_mode") or "")
        plain, entities = parse_html(text) if parse_mode.upper() == "HTML" else (text, [])
        if not plain.strip():
            raise _bad_request("message text is empty")
        # Telegram counts the text as displayed, after entities are parsed out.
        if _utf16_length(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return text, plain, entities

    def _reply_target(self, chat_id: int, params: JSON) -> int | None:
        parameters = params.get("reply_parameters")
        allow_missing = params.get("allow_sending_without_reply") is True
        target = params.get("reply_to_message_id")
        if isinstance(parameters, dict):
            target = parameters.get("message_id", target)
            allow_missing = allow_missing or parameters.get("allow_sending_without_reply") is True
        if target is None:
            return None
        if not isinstance(target, int) or (chat_id, target) not in self._messages:
            if allow_missing:
                return None
            raise _bad_request("message to be replied not found")
        return target

    def _bot_message(self, record: JSON) -> JSON:
        """A sent record as Telegram's Message object."""
        chat_id = record["chat_id"]
        message: JSON = {
            "message_id": record["message_id"],
            "from": dict(self.bot_user),
            "chat": self._chat(chat_id),
            "date": record["date"],
            "text": record["plain_text"],
        }
        if record["entities"]:
            message["entities"] = copy.deepcopy(record["entities"])
        if record["edit_date"] is not None:
            message["edit_date"] = record["edit_date"]
        if record["reply_to_message_id"] is not None:
            replied = self._reply_copy(chat_id, record["reply_to_message_id"])
            if replied is not None:
                message["reply_to_message"] = replied
        markup = _inline_or_none(record["reply_markup"])
        if markup is not None:
            message["reply_markup"] = copy.deepcopy(markup)
        return message

    async def _send_message(self, params: JSON) -> JSON:
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        chat_id = self._chat_id(params)
        self._check_forbidden(chat_id)
        text, plain, entities = self._validate_text(params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        reply_to = self._reply_target(chat_id, params)
        record: JSON = {
            "message_id": self._take_message_id(chat_id),
            "chat_id": chat_id,
            "date": int(self.clock()),
            "text": text,
            "plain_text": plain,
            "entities": entities,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": copy.deepcopy(markup) if isinstance(markup, dict) else None,
            "reply_to_message_id": reply_to,
            "edit_date": None,
            "deleted": False,
        }
        self._sent[chat_id].append(record)
        self.taken.append((chat_id, self.clock(), text))
        message = self._bot_message(record)
        self._messages[(chat_id, record["message_id"])] = message
        return copy.deepcopy(message)

    def _editable(self, params: JSON) -> JSON | None:
        """The bot's own message a call edits; None for inline messages, which this fake does not store."""
        if params.get("inline_message_id") and params.get("chat_id") is None:
            return None
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or (chat_id, message_id) not in self._messages:
            raise _bad_request("message to edit not found")
        record = next((item for item in self._sent.get(chat_id, []) if item["message_id"] == message_id), None)
        if record is None:
            raise _bad_request("message can't be edited")
        return record

    def _store_edit(self, record: JSON) -> JSON:
        record["edit_date"] = int(self.clock())
        message = self._bot_message(record)
        self._messages[(record["chat_id"], record["message_id"])] = message
        return copy.deepcopy(message)

    async def _edit_message_text(self, params: JSON) -> JSON | bool:
        text, plain, entities = self._validate_text(params)
        markup = params.get("reply_markup")
        _check_markup(markup)
        if markup is not None and not _is_inline(markup):
            raise _bad_request("inline keyboard expected")
        record = self._editable(params)
        if record is None:
            return True
        # Without reply_markup the edit removes the inline keyboard, as on Telegram.
        new_markup = _inline_or_none(markup)
        if (
            plain == record["plain_text"]
            and entities == record["entities"]
            and new_markup == _inline_or_none(record["reply_markup"])
        ):
            raise _bad_request(_NOT_MODIFIED)
        record.update(
            text=text, plain_text=plain, entities=entities, parse_mode=params.get("parse_mode"), reply_markup=new_markup
        )
        return self._store_edit(record)

    async def _edit_message_reply_markup(self, params: JSON) -> JSON | bool:
        markup = params.get("reply_markup")
        _check_markup(markup)
        if markup is not None and not _is_inline(markup):
            raise _bad_request("inline keyboard expected")
        record = self._editable(params)
        if record is None:
            return True
        new_markup = _inline_or_none(markup)
        if new_markup == _inline_or_none(record["reply_markup"]):
            raise _bad_request(_NOT_MODIFIED)
        record["reply_markup"] = new_markup
        return self._store_edit(record)

    async def _delete_message(self, params: JSON) -> bool:
        chat_id = self._chat_id(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or (chat_id, message_id) not in self._messages:
            raise _bad_request("message to delete not found")
        del self._messages[(chat_id, message_id)]
        for record in self._sent.get(chat_id, []):
            if record["message_id"] == message_id:
                record["deleted"] = True
        return True

    async def _answer_callback_query(self, params: JSON) -> bool:
        if str(params.get("callback_query_id", "")) not in self._callback_query_ids:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        # The notification or alert shows 0-200 characters; Telegram refuses a longer text.
        if len(str(params.get("text", ""))) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    async def _send_chat_action(self, params: JSON) -> bool:
        chat_id = self._chat_id(params)
        self._check_forbidden(chat_id)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _get_chat(self, params: JSON) -> JSON:
        chat = self._chat(self._chat_id(params))
        # The fields aiogram's ChatFullInfo requires, with Telegram's values for an ordinary chat.
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    # ---- commands ---------------------------------------------------------------------------------

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope if isinstance(scope, dict) and scope else {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    async def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request('parameter "commands" is required')
        if len(commands) > 100:
            raise _bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": command["command"], "description": command["description"]} for command in commands
        ]
        return True

    async def _get_my_commands(self, params: JSON) -> list[JSON]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True
