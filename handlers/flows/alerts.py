"""🔔 "Tell me when there is a new job / course": kind, where (the commune step the request form uses,
or the whole province), trade or any, confirm. /baoviec starts it; /huydangky stops every
subscription, and the button under each notice stops the one it came from.

The subscription is stored through the alerts port; the notices themselves are written by
bot/listings/alerts/ when a listing is published."""

from __future__ import annotations

from handlers import commands
from handlers.choices import FormAnswer, FormChoice, FormLocalityChoice, FormProvinceChoice
from handlers.context import Context
from handlers.domain import ANY_KIND
from handlers.flows import menu
from handlers.flows.base import Flow, Outcome, Route, Turn, chosen, claimed, command, free_text, kind
from handlers.flows.cancel import CANCELS
from handlers.flows.intake.commune import ask_commune, provinces, set_locality, take_commune_text
from handlers.flows.intake.steps import COMMUNE, COMMUNE_CONFIRM, COMMUNE_STEPS, COMMUNE_TEXT_LIMIT, PROVINCE
from handlers.listing_choices import (
    AlertAnswer,
    AlertChoice,
    AlertKind,
    AlertKindChoice,
    AlertStopChoice,
    AlertTradeChoice,
)
from handlers.messages import START
from handlers.state import IDLE
from knowledge_base.text import has_letters

FLOW_NAME = "alerts"
KIND, SCOPE, TRADE, CONFIRM = "alert_kind", "alert_scope", "alert_trade", "alert_confirm"
ALERTS = menu.ALERTS
CANCEL = AlertChoice(AlertAnswer.CANCEL)
_TRADES_SEPARATOR = "\n"


def in_alerts(ctx: Context) -> bool:
    return ctx.state.flow == FLOW_NAME


async def ask_step(ctx: Context) -> None:
    step, draft = ctx.state.step, ctx.state.draft
    cancel = ctx.choice(CANCEL, "alert_cancel")
    if step == KIND:
        kinds = [ctx.choice(AlertKindChoice(k), f"alert_kind_{k.value}") for k in AlertKind]
        ctx.say(ctx.t("alert_ask_kind"), [*kinds, cancel])
    elif step == SCOPE:
        ctx.say(
            ctx.t("alert_ask_scope"),
            [
                ctx.choice(AlertChoice(AlertAnswer.COMMUNE), "alert_scope_commune"),
                ctx.choice(AlertChoice(AlertAnswer.PROVINCE), "alert_scope_province"),
                cancel,
            ],
        )
    elif step in COMMUNE_STEPS:
        await ask_commune(ctx)
    elif step == TRADE:
        trades = _offered_trades(ctx)
        buttons = [ctx.choice(AlertTradeChoice(i), "alert_trade_named", trade=t) for i, t in enumerate(trades)]
        ctx.say(
            ctx.t("alert_ask_trade"),
            [*buttons, ctx.choice(AlertChoice(AlertAnswer.ANY_TRADE), "alert_any_trade"), cancel],
        )
    else:
        ctx.state.step = CONFIRM
        values = _described(
            ctx,
            str(draft.get("alert_kind", ANY_KIND)),
            str(draft.get("locality_name", "")),
            str(draft.get("trade", "")),
        )
        ctx.say(
            ctx.t("alert_confirm", **values),
            [ctx.choice(AlertChoice(AlertAnswer.CONFIRM), "alert_confirm_yes"), cancel],
        )


def _described(ctx: Context, kind_: str, place: str, trade: str) -> dict[str, str]:
    return {
        "what": ctx.t(f"alert_what_{kind_}"),
        "place": place or ctx.t("alert_place_province"),
        "trade": ctx.t("alert_trade_named", trade=trade) if trade else ctx.t("alert_trade_any"),
    }


def _offered_trades(ctx: Context) -> list[str]:
    stored = str(ctx.state.draft.get("trades", ""))
    return stored.split(_TRADES_SEPARATOR) if stored else []


async def _start(turn: Turn, ctx: Context) -> None:
    if ctx.alerts is None:
        ctx.say(ctx.t("alert_unavailable"), menu.main_choices(ctx))
        return
    if ctx.state.flow not in (IDLE, FLOW_NAME):
        ctx.say(ctx.t("alert_finish_form_first"), [ctx.choice(menu.REQUEST, "menu_request"), menu.back_to_menu(ctx)])
        return
    held = await ctx.alerts.of(ctx.conversation_id)
    if len(held) >= ctx.settings.max_alerts:
        ctx.say(ctx.t("alert_too_many", count=len(held), limit=ctx.settings.max_alerts), menu.main_choices(ctx))
        return
    ctx.state.reset_flow()
    ctx.state.flow, ctx.state.step = FLOW_NAME, KIND
    await ask_step(ctx)


async def _ask_trade(ctx: Context) -> None:
    """The trades that have listings now, to pick from; none yet: any trade, straight to confirm."""
    assert ctx.alerts is not None  # noqa: S101 (the flow only starts with the port)
    trades = [t for t in await ctx.alerts.trades(str(ctx.state.draft.get("alert_kind", ANY_KIND))) if t]
    ctx.state.draft["trades"] = _TRADES_SEPARATOR.join(t.replace(_TRADES_SEPARATOR, " ") for t in trades)
    ctx.state.step = TRADE if trades else CONFIRM
    if not trades:
        ctx.state.draft["trade"] = ""
    await ask_step(ctx)


async def _locality_taken(ctx: Context, code: str) -> bool:
    if not await set_locality(ctx, code):
        return False
    locality = await ctx.localities.get(code)
    ctx.state.draft["locality_name"] = f"{locality.name}, {locality.province}" if locality else code
    await _ask_trade(ctx)
    return True


async def _alert_button(turn: Turn, ctx: Context) -> Outcome | None:
    """A button of this flow's own: stale unless it answers the step asked now."""
    choice, step, draft = turn.choice, ctx.state.step, ctx.state.draft
    if not in_alerts(ctx) or choice is None:
        return Outcome.STALE
    match choice:
        case AlertChoice(answer=AlertAnswer.CANCEL):
            ctx.state.reset_flow()
            ctx.say(ctx.t("alert_cancelled"), menu.main_choices(ctx))
        case AlertKindChoice(kind=k) if step == KIND:
            draft["alert_kind"] = k.value
            ctx.state.step = SCOPE
            await ask_step(ctx)
        case AlertChoice(answer=AlertAnswer.COMMUNE) if step == SCOPE:
            draft.pop("province", None)
            ctx.state.step = COMMUNE
            await ask_step(ctx)
        case AlertChoice(answer=AlertAnswer.PROVINCE) if step == SCOPE:
            draft["locality"], draft["locality_name"] = "", ""
            await _ask_trade(ctx)
        case AlertTradeChoice(index=i) if step == TRADE and i < len(_offered_trades(ctx)):
            draft["trade"] = _offered_trades(ctx)[i]
            ctx.state.step = CONFIRM
            await ask_step(ctx)
        case AlertChoice(answer=AlertAnswer.ANY_TRADE) if step == TRADE:
            draft["trade"] = ""
            ctx.state.step = CONFIRM
            await ask_step(ctx)
        case AlertChoice(answer=AlertAnswer.CONFIRM) if step == CONFIRM:
            await _subscribe(ctx)
        case _:
            return Outcome.STALE
    return None


async def _subscribe(ctx: Context) -> None:
    assert ctx.alerts is not None  # noqa: S101 (the flow only starts with the port)
    draft = ctx.state.draft
    kind_, code, trade = (
        str(draft.get("alert_kind", ANY_KIND)),
        str(draft.get("locality", "")),
        str(draft.get("trade", "")),
    )
    done = await ctx.alerts.subscribe(ctx.conversation_id, kind_, code, trade, ctx.now)
    if done is None:
        ctx.say(ctx.t("alert_commune_gone"))
        ctx.state.step = SCOPE
        await ask_step(ctx)
        return
    _, new = done
    ctx.state.reset_flow()
    if new:
        ctx.say(
            ctx.t("alert_subscribed", **_described(ctx, kind_, str(draft.get("locality_name", "")), trade)),
            menu.main_choices(ctx),
        )
    else:
        ctx.say(ctx.t("alert_already"), menu.main_choices(ctx))


async def _form_button(turn: Turn, ctx: Context) -> Outcome | None:
    """The commune step's buttons (shared with the request form): a province, a commune, yes / no."""
    choice, step, draft = turn.choice, ctx.state.step, ctx.state.draft
    match choice:
        case FormChoice(answer=FormAnswer.CANCEL):
            ctx.state.reset_flow()
            ctx.say(ctx.t("alert_cancelled"), menu.main_choices(ctx))
        case FormProvinceChoice(index=index) if step == PROVINCE:
            names = await provinces(ctx)
            if index >= len(names):
                return Outcome.STALE
            draft["province"] = names[index]
            await ask_commune(ctx)
        case FormLocalityChoice(code=code) if step in COMMUNE_STEPS:
            if not await _locality_taken(ctx, code):
                return Outcome.STALE
        case FormChoice(answer=FormAnswer.YES | FormAnswer.NO as answer) if step == COMMUNE_CONFIRM:
            guess = draft.pop("locality_guess", "")
            draft.pop("locality_guess_old", None)
            if answer is not FormAnswer.YES or not await _locality_taken(ctx, guess):
                ctx.state.step = COMMUNE
                ctx.say(ctx.t("form_commune_retype"))
                await ask_commune(ctx)
        case _:
            return Outcome.STALE
    return None


async def _typed(turn: Turn, ctx: Context) -> Outcome | None:
    text = turn.text.strip()
    if ctx.state.step in COMMUNE_STEPS:
        if len(text) <= COMMUNE_TEXT_LIMIT and has_letters(text) and await take_commune_text(ctx, text):
            return None
        ctx.say(ctx.t("alert_commune_not_found"))
        return Outcome.ASK_AGAIN
    ctx.say(ctx.t("alert_use_buttons"))
    return Outcome.ASK_AGAIN


async def _stop_one(turn: Turn, ctx: Context) -> None:
    removed = 0
    if ctx.alerts is not None and isinstance(turn.choice, AlertStopChoice):
        removed = await ctx.alerts.remove(ctx.conversation_id, turn.choice.id)
    ctx.say(ctx.t("alert_stopped" if removed else "alert_stop_gone"), menu.main_choices(ctx))


async def _stop_all(turn: Turn, ctx: Context) -> None:
    removed = await ctx.alerts.remove(ctx.conversation_id) if ctx.alerts is not None else 0
    if in_alerts(ctx):
        ctx.state.reset_flow()
    ctx.say(ctx.t("alert_stopped_all", count=removed) if removed else ctx.t("alert_none"), menu.main_choices(ctx))


async def _cancel(turn: Turn, ctx: Context) -> None:
    ctx.state.reset_flow()
    ctx.say(ctx.t("alert_cancelled"), menu.main_choices(ctx))


class _Holder:
    """A short flow: a menu button drops it (nothing was stored), an aside answer returns to its step."""

    def holds(self, ctx: Context) -> bool:
        return in_alerts(ctx)

    async def ask_again(self, ctx: Context) -> None:
        await ask_step(ctx)

    def menu_pressed(self, ctx: Context) -> None:
        ctx.state.reset_flow()

    async def back_after_aside(self, ctx: Context) -> None:
        await ask_step(ctx)


FLOW = Flow(
    FLOW_NAME,
    (
        Route(command(commands.ALERTS) | chosen(ALERTS), _start),
        Route(command(commands.UNSUBSCRIBE), _stop_all),
        Route(chosen(AlertStopChoice), _stop_one),
        Route(CANCELS.when(in_alerts), _cancel),
        Route((kind(START) | command(commands.START, commands.MENU)).when(in_alerts), menu.leave_flow),
        Route(claimed(AlertChoice), _alert_button),
        Route(claimed(FormChoice).when(in_alerts), _form_button),
        Route(free_text().when(in_alerts), _typed),
    ),
    holder=_Holder(),
)
