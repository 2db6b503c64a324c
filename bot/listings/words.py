"""What free-text questions are matched on, held by each process: every open listing's trade and the
first two words of its title, and the communes' names, reloaded every few minutes. Matching then costs
no round trip to the database; a listing found is read again and shown only if it is still open, so a
listing closed or expired meanwhile is never offered (one published meanwhile waits for the reload)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.listings.service import local_today
from bot.storage.unit_of_work import UnitOfWork
from handlers.places import plain_name
from knowledge_base.text import clean, fold

Words = tuple[str, ...]
RELOAD_AFTER = timedelta(minutes=5)


def words_of(text: str, *, marked: bool) -> Words:
    cleaned = clean(text)
    return tuple((cleaned if marked else fold(cleaned)).split())


def has_marks(text: str) -> bool:
    """Written with Vietnamese marks: then "mấy" is not "may"."""
    return fold(text) != text.lower()


def within(words: Words, phrase: Words) -> bool:
    """Whether `phrase` occurs in `words` as whole words, in order."""
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class Entry:
    listing_id: int
    locality_id: int | None
    # The trade and the title's first two words, with their marks and without.
    marked: tuple[Words, Words]
    plain: tuple[Words, Words]

    def named_in(self, words: Words, *, marked: bool) -> bool:
        trade, title = self.marked if marked else self.plain
        return within(words, trade) or within(words, title)


@dataclass
class ListingWords:
    timezone: str = "Asia/Ho_Chi_Minh"
    reload_after: timedelta = RELOAD_AFTER
    entries: list[Entry] = field(default_factory=list)
    # (locality id, its name folded without "xã" / "phường")
    places: list[tuple[int, Words]] = field(default_factory=list)
    loaded_at: datetime | None = None

    async def load(self, uow: UnitOfWork, now: datetime) -> None:
        """Reads them unless read within `reload_after` (two queries, every few minutes)."""
        if self.loaded_at is not None and timedelta(0) <= now - self.loaded_at < self.reload_after:
            return
        index = await uow.listings.open_index(local_today(now, self.timezone))
        self.entries = [
            Entry(
                listing_id,
                locality_id,
                (words_of(trade, marked=True), words_of(title, marked=True)[:2]),
                (words_of(trade, marked=False), words_of(title, marked=False)[:2]),
            )
            for listing_id, trade, title, locality_id in index
        ]
        self.places = [(row.id, tuple(plain_name(row.name).split())) for row in await uow.localities.all_rows()]
        self.loaded_at = now

    def find(self, text: str) -> list[int]:
        """The listings the text names, kept to the communes it names (and the whole province's)."""
        marked = has_marks(text)
        words = words_of(text, marked=marked)
        named = [e for e in self.entries if e.named_in(words, marked=marked)]
        if not named:
            return []
        plain = words_of(text, marked=False)
        places = {place for place, name in self.places if within(plain, name)}
        return [e.listing_id for e in named if not places or e.locality_id is None or e.locality_id in places]
