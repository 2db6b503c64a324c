"""The channel registry: every channel registers itself, and the settings decide which are wired."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from bot.app import compose, create_app
from bot.channels.registry import channel_classes
from bot.config import Settings


def _settings(tmp_path: Path, **channels: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **channels)  # type: ignore[call-arg, arg-type]


def test_each_channel_module_registers_its_kind() -> None:
    assert sorted(channel_classes()) == ["telegram", "zalo", "zalo_oa"]


def test_a_channel_is_on_only_when_its_settings_are_present(tmp_path: Path) -> None:
    classes = channel_classes()
    assert not any(cls.configured(_settings(tmp_path)) for cls in classes.values())
    assert classes["telegram"].configured(_settings(tmp_path, telegram_token=SecretStr("1:x")))
    assert not classes["telegram"].configured(_settings(tmp_path, telegram_token=SecretStr("")))
    assert classes["zalo"].configured(_settings(tmp_path, zalo_bot_token=SecretStr("z")))
    only_the_id = _settings(tmp_path, zalo_oa_app_id="app")
    assert not classes["zalo_oa"].configured(only_the_id)
    both = _settings(tmp_path, zalo_oa_app_id="app", zalo_oa_secret_key=SecretStr("k"))
    assert classes["zalo_oa"].configured(both)


async def test_compose_wires_the_configured_channels_into_the_sender_and_the_web(tmp_path: Path) -> None:
    app = await create_app(_settings(tmp_path, zalo_bot_token=SecretStr("z")))
    services = compose(app)
    try:
        assert [channel.kind for channel in services.channels] == ["zalo"]
        assert list(services.sender.transports) == ["zalo"]
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=services.web), base_url="http://testserver")
        async with client:
            assert (await client.post("/zalo/webhook", json={})).status_code == 401  # there, and guarded
            assert (await client.post("/telegram/webhook", json={})).status_code == 404
        assert app.processor.on_commit == services.sender.wake.set
    finally:
        await services.close()
        await app.close()
