"""The dashboard's listings figure: the listings open today, per agency and trade. A snapshot like the
open requests (whatever the range): published and not past their last day, as people are offered them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from bot.dashboard import charts
from bot.dashboard.page import ChartView, Series, Table

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
