"""The slash commands people can type: one list for the core's flows and for Telegram's command menu."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlashCommand:
    """`names[0]` is the one a menu shows; the others are accepted as typed (an English word, say)."""

    names: tuple[str, ...]
    # The text key of the menu's one-line description, in each locale's catalogue.
    description_key: str

    @property
    def shown(self) -> str:
        return self.names[0]

    def matches(self, typed: str) -> bool:
        """`typed` is "/name", lower case, without the "@BotName" some clients add."""
        return typed.removeprefix("/") in self.names


START = SlashCommand(("start",), "command_start")
MENU = SlashCommand(("menu",), "command_menu")
MY_REQUESTS = SlashCommand(("yeucau", "requests"), "command_my_requests")
CANCEL = SlashCommand(("huy",), "command_cancel")
HELP = SlashCommand(("trogiup", "help"), "command_help")
LANGUAGE = SlashCommand(("lang", "ngonngu"), "command_language")
MY_DATA = SlashCommand(("dulieucuatoi", "mydata"), "command_my_data")
ERASE = SlashCommand(("xoadulieu", "erasemydata"), "command_erase")
ALERTS = SlashCommand(("baoviec", "alerts"), "command_alerts")
UNSUBSCRIBE = SlashCommand(("huydangky", "unsubscribe"), "command_unsubscribe")

# In the order a command menu lists them.
COMMANDS = (START, MENU, MY_REQUESTS, ALERTS, UNSUBSCRIBE, CANCEL, HELP, LANGUAGE, MY_DATA, ERASE)
