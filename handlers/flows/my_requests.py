"""A person's own requests: list, one by code, add information, cancel."""

from __future__ import annotations

from handlers import commands
from handlers.choices import RequestAction, RequestChoice, StopAddingChoice
from handlers.context import Context
from handlers.domain import CANCELLED, OPEN_STATUSES, RequestView, find_code
from handlers.flows import finding, menu, request_view
from handlers.flows.base import Flow, Outcome, Route, Takes, Turn, chosen, command, free_text
from handlers.flows.cancel import CANCELS
from handlers.flows.request_view import action, status_name
from handlers.messages import Choice, Notification

# The conversation state's flow while the person is typing information to add to a request.
ADDING = "add_info"


async def show_list(ctx: Context) -> None:
    requests = await ctx.requests.for_conversation(ctx.conversation_id)
    if not requests:
        ctx.say(
            ctx.t("mine_empty"),
            [ctx.choice(menu.REQUEST, "menu_request"), _find_button(ctx), menu.back_to_menu(ctx)],
        )
        return
    choices = [
        Choice.of(RequestChoice(RequestAction.SHOW, r.code), f"{r.code} · {status_name(ctx, r.status)}")
        for r in requests
    ]
    ctx.say(ctx.t("mine_list"), [*choices, _find_button(ctx), menu.back_to_menu(ctx)])


def _find_button(ctx: Context) -> Choice:
    # A request sent from another phone or chat: opened here with its code and phone.
    return ctx.choice(RequestChoice(RequestAction.FIND, "-"), "mine_find")


async def show_one(ctx: Context, code: str) -> None:
    request = await ctx.requests.get_own(ctx.conversation_id, code)
    if request is None:
        # Never says whether the code exists: the phone given in it opens it here (finding.py).
        await finding.ask_phone(ctx, code)
        return
    request_view.show(ctx, request, await request_view.detail(ctx, request))


async def _open_request(ctx: Context, code: str, *, sender_only: bool = False) -> RequestView | None:
    request = await ctx.requests.get_own(ctx.conversation_id, code)
    if request is None or request.status not in OPEN_STATUSES or (sender_only and request.linked_at is not None):
        ctx.say(ctx.t("mine_not_open", code=code), [ctx.choice(menu.MINE, "menu_mine"), menu.back_to_menu(ctx)])
        return None
    return request


async def start_add(ctx: Context, code: str) -> None:
    if await _open_request(ctx, code) is None:
        return
    ctx.state.reset_flow()
    ctx.state.flow = ADDING
    ctx.state.request_code = code
    ctx.say(ctx.t("mine_add_prompt", code=code), [ctx.choice(StopAddingChoice(), "form_cancel")])


async def on_add_text(ctx: Context, text: str) -> None:
    code = ctx.state.request_code
    text = text.strip()
    limit = ctx.settings.max_description_chars
    if not text or len(text) > limit:
        ctx.say(ctx.t("form_description_too_long", limit=limit) if text else ctx.t("empty_message"))
        return
    request = await _open_request(ctx, code)
    ctx.state.reset_flow()
    if request is None:
        return
    await add_to_request(ctx, request, text)
    ctx.say(
        ctx.t("mine_added", code=code), [action(ctx, RequestAction.SHOW, code, "mine_view"), menu.back_to_menu(ctx)]
    )


async def add_to_request(ctx: Context, request: RequestView, text: str) -> None:
    """The person's words on the request's timeline, and its agency told: the one way they reach staff."""
    data = {"text": text}
    await ctx.requests.add_event(request.code, "person_message", ctx.now, actor="person", data=data)
    ctx.notifications.append(Notification(request.agency_code, request.code, "person_message", data))


async def ask_cancel(ctx: Context, code: str) -> None:
    if await _open_request(ctx, code, sender_only=True) is None:
        return
    ctx.say(
        ctx.t("mine_cancel_confirm", code=code),
        [
            action(ctx, RequestAction.CANCEL_YES, code, "mine_cancel_yes"),
            action(ctx, RequestAction.SHOW, code, "mine_cancel_no"),
        ],
    )


async def do_cancel(ctx: Context, code: str) -> None:
    request = await _open_request(ctx, code, sender_only=True)
    if request is None:
        return
    await ctx.requests.set_status(code, CANCELLED, ctx.now, actor="person")
    # A request the person withdrew keeps nothing personal: only that it existed, for the counts.
    await ctx.privacy.erase_request(code, ctx.now)
    ctx.notifications.append(Notification(request.agency_code, code, "cancelled"))
    ctx.say(ctx.t("mine_cancelled", code=code), menu.main_choices(ctx))


async def _on_choice(turn: Turn, ctx: Context) -> Outcome | None:
    if not isinstance(turn.choice, RequestChoice):
        return Outcome.STALE
    code = turn.choice.code
    match turn.choice.action:
        case RequestAction.SHOW:
            await show_one(ctx, code)
        case RequestAction.ADD:
            await start_add(ctx, code)
        case RequestAction.CANCEL:
            await ask_cancel(ctx, code)
        case RequestAction.CANCEL_YES:
            await do_cancel(ctx, code)
        case RequestAction.FIND:
            finding.ask_code(ctx)
    return None


def _adding(ctx: Context) -> bool:
    return ctx.state.flow == ADDING


class _AddingHolder:
    """The one-answer prompt "type what to add": it stays open until answered or cancelled."""

    def holds(self, ctx: Context) -> bool:
        return _adding(ctx)

    async def ask_again(self, ctx: Context) -> None:
        ctx.say(ctx.t("mine_add_prompt", code=ctx.state.request_code))

    def menu_pressed(self, ctx: Context) -> None:
        pass  # the prompt stays open: what is typed next is still added to the request

    async def back_after_aside(self, ctx: Context) -> None:
        pass  # nothing to repeat: the prompt asked once, and its answer is still awaited


async def _cancel(turn: Turn, ctx: Context) -> None:
    ctx.state.reset_flow()
    menu.show_cancelled(ctx)


async def _stop(turn: Turn, ctx: Context) -> None:
    ctx.state.reset_flow()
    menu.show_menu(ctx)


async def _list(turn: Turn, ctx: Context) -> None:
    await show_list(ctx)


async def _add(turn: Turn, ctx: Context) -> None:
    await on_add_text(ctx, turn.text)


async def _show_typed_code(turn: Turn, ctx: Context) -> None:
    await show_one(ctx, find_code(turn.text))


NAMES_A_CODE = Takes(lambda turn, _ctx: turn.free_text and bool(find_code(turn.text)))

FLOW = Flow(
    "my_requests",
    (
        Route(CANCELS.when(_adding), _cancel),
        Route(command(commands.MENU).when(_adding), _stop),
        Route(command(commands.MY_REQUESTS) | chosen(menu.MINE), _list),
        Route(chosen(RequestChoice), _on_choice),
        Route(chosen(StopAddingChoice), _stop),
        Route(free_text().when(_adding), _add),
        Route(NAMES_A_CODE, _show_typed_code),
    ),
    holder=_AddingHolder(),
)
