"""What every app of the suite builds alike, built once per test process instead of once per app.

The suite creates thousands of apps, and each read the shipped word lists and texts again, loaded the
migration scripts to learn their head, and indexed the same knowledge base into a new Matcher on its
first message: together most of an ordinary test's time. None of it changes during a run, and each
part is used read-only once built (the lexicon is frozen, Texts copies the catalogues it is given, a
Matcher is not changed after __init__), so a process may share them, as one long-running `serve`
shares its one matcher among all its messages. Only the names the app looks up are replaced: the
loaders and Matcher themselves still run where a test calls them by their own names (and here, for
the first app and for every knowledge base not seen before).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Iterable

import bot.app as bot_app
import bot.faq.knowledge as bot_knowledge
import bot.storage.database as bot_database
from knowledge_base.faq import FaqEntry
from knowledge_base.lexicon import Lexicon
from knowledge_base.matcher import Matcher, MatchSettings
from knowledge_base.normalizer import Normalizer

# A few knowledge bases at once: the shipped one, and those a test edits it into.
_KEPT_MATCHERS = 16
_matchers: OrderedDict[tuple[int, str, str], Matcher] = OrderedDict()
_normalizers: dict[int, Normalizer] = {}


def _normalizer(lexicon: Lexicon) -> Normalizer:
    found = _normalizers.get(id(lexicon))
    if found is None or found.lexicon is not lexicon:
        found = _normalizers[id(lexicon)] = Normalizer(lexicon)
    return found


def _matcher(entries: Iterable[FaqEntry], normalizer: Normalizer, settings: MatchSettings | None = None) -> Matcher:
    """The Matcher of these entries (every field of each, in order) with this lexicon and settings."""
    listed = list(entries)
    key = (id(normalizer.lexicon), repr(settings), repr(listed))
    found = _matchers.get(key)
    if found is None or found.normalizer.lexicon is not normalizer.lexicon:
        found = _matchers[key] = Matcher(listed, normalizer, settings)
        while len(_matchers) > _KEPT_MATCHERS:
            _matchers.popitem(last=False)
    _matchers.move_to_end(key)
    return found


def install() -> None:
    bot_app.load_lexicon = functools.cache(bot_app.load_lexicon)  # type: ignore[attr-defined]
    bot_app.load_catalogues = functools.cache(bot_app.load_catalogues)  # type: ignore[attr-defined]
    bot_app.Normalizer = _normalizer  # type: ignore[attr-defined,assignment]
    bot_database._head = functools.cache(bot_database._head)
    bot_knowledge.Matcher = _matcher  # type: ignore[attr-defined,assignment]
