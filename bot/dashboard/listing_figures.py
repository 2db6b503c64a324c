"""The dashboard's listings figures: the listings open today, per agency and trade (a snapshot like
the open requests, whatever the range: published and not past their last day, as people are offered
them); and the registrations of interest made in the range, with what became of them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from bot.dashboard import charts
from bot.dashboard.page import ChartView, Series, Table
from bot.storage.repos.listing_people import RegistrationCounts

Translate = Callable[..., str]
# Eight colours (style.css .c0-.c7): the seven trades with most open listings, then the rest together.
TOP_TRADES = 7
OTHER_COLOUR = 7


def listings_view(counts: Sequence[tuple[str, str, int]], names: dict[str, str], t: Translate) -> ChartView:
    """`counts` are (agency code, trade, open listings), as ListingRepo.open_counts gives them."""
    table = Table([t("ad_col_agency"), t("ad_col_code"), t("ad_col_trade"), t("ad_col_open_listings")])
    per_trade: Counter[str] = Counter()
    per_agency: dict[str, Counter[str]] = defaultdict(Counter)
    for code, trade, n in counts:
        shown = trade or t("ad_no_trade")
        table.rows.append([names.get(code, code), code, shown, n])
        per_trade[shown] += n
        per_agency[code][shown] += n
    top = [trade for trade, _ in sorted(per_trade.items(), key=lambda item: (-item[1], item[0]))[:TOP_TRADES]]
    rest = len(per_trade) > len(top)
    series = [Series(trade, i) for i, trade in enumerate(top)]
    if rest:
        series.append(Series(t("ad_other_trades"), OTHER_COLOUR))
    codes = sorted(per_agency, key=lambda c: names.get(c, c))
    values = [
        [per_agency[c][trade] for trade in top]
        + ([sum(n for k, n in per_agency[c].items() if k not in top)] if rest else [])
        for c in codes
    ]
    labels = [names.get(c, c) for c in codes]
    return ChartView(
        "listings",
        t("ad_listings_title"),
        "rows",
        table,
        series,
        labels,
        chart=charts.stacked_rows(values, labels) if codes else None,
        note=t("ad_listings_note"),
        x_caption=t("ad_axis_listings"),
    )


# Fixed colours: started work, started a course, nothing recorded yet.
PLACED_COLOUR, STARTED_COLOUR, NOT_YET_COLOUR = 2, 0, 7


def registrations_view(counts: Sequence[RegistrationCounts], names: dict[str, str], t: Translate) -> ChartView:
    """Registrations of the range per listing (the table, and its CSV) and per agency (the chart): how
    many started work or a course, and the share of those asked the follow-up who answered it."""
    table = Table(
        [
            *(t("ad_col_agency"), t("ad_col_code"), t("ad_col_listing"), t("ad_col_kind")),
            *(t("ad_col_registrations"), t("ad_col_placements"), t("ad_col_course_starts")),
            *(t("ad_col_followup_asked"), t("ad_col_followup_answered")),
        ]
    )
    per_agency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    asked = answered = 0
    for c in counts:
        table.rows.append(
            [
                *(names.get(c.agency_code, c.agency_code), c.agency_code, c.title, t(f"ad_kind_{c.kind}")),
                *(c.registrations, c.working, c.studying, c.asked, c.answered),
            ]
        )
        totals = per_agency[c.agency_code]
        totals[0] += c.working
        totals[1] += c.studying
        totals[2] += max(0, c.registrations - c.working - c.studying)
        asked, answered = asked + c.asked, answered + c.answered
    codes = sorted(per_agency, key=lambda code: names.get(code, code))
    labels = [names.get(code, code) for code in codes]
    share = (
        t("ad_registrations_share", answered=answered, asked=asked, share=round(100 * answered / asked))
        if asked
        else t("ad_registrations_none_asked")
    )
    return ChartView(
        "registrations",
        t("ad_registrations_title"),
        "rows",
        table,
        [
            Series(t("ad_series_placed"), PLACED_COLOUR),
            Series(t("ad_series_started"), STARTED_COLOUR),
            Series(t("ad_series_not_yet"), NOT_YET_COLOUR),
        ],
        labels,
        chart=charts.stacked_rows([per_agency[code] for code in codes], labels) if codes else None,
        note=f"{t('ad_registrations_note')} {share}",
        x_caption=t("ad_axis_registrations"),
    )
