"""Settings, read once from the environment (prefix HOANHAP_) and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge_base.matcher import MatchSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOANHAP_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    log_level: str = "INFO"
    default_locale: str = "vi"
    console_chat_id: str = "console"

    # Matcher decisions: see knowledge_base/matcher.py for what each signal means.
    match_answer_threshold: float = Field(0.55, ge=0, le=1)
    match_suggest_threshold: float = Field(0.35, ge=0, le=1)
    match_margin: float = Field(0.06, ge=0, le=1)
    match_min_coverage: float = Field(0.6, ge=0, le=1)

    # A question longer than this is asked to be shortened rather than matched.
    max_question_chars: int = Field(600, ge=20)
    # Free text kept from a person in one form answer (descriptions, additions).
    max_description_chars: int = Field(2000, ge=50)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'hoanhap.db').as_posix()}"

    def match_settings(self) -> MatchSettings:
        return MatchSettings(
            answer_threshold=self.match_answer_threshold,
            suggest_threshold=self.match_suggest_threshold,
            margin=self.match_margin,
            min_coverage=self.match_min_coverage,
        )
