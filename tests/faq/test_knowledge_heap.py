"""A serving process's knowledge base stays out of the garbage collector's walks, rebuilt or not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.app import App
from bot.storage.repos.meta import KB_REVISION


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # what a test freezes is not left out of the rest of the session's collections


async def test_a_rebuilt_index_is_frozen_in_a_serving_process_and_not_in_others(app: App, unfrozen: None) -> None:
    async with app.uow() as uow:
        await app.kb.current(uow)
    assert gc.get_freeze_count() == 0  # tests and commands: nothing frozen
    app.kb.freeze_rebuilds = True  # as bot.runtime.warm_up leaves it
    async with app.uow() as uow:
        await uow.meta.bump(KB_REVISION)  # an admin's edit
        await uow.commit()
    async with app.uow() as uow:
        matcher = await app.kb.current(uow)
    assert gc.get_freeze_count() > 0
    assert gc.isenabled()
    assert matcher.entries  # the new index answers as before
