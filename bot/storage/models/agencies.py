"""The agencies requests are routed to, with their targets and working schedule."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models.base import Base, BigId


class AgencyRow(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str] = mapped_column(Text, default="")
    hours: Mapped[str] = mapped_column(Text, default="")
    first_response_hours: Mapped[int] = mapped_column(Integer, default=8)
    resolution_hours: Mapped[int] = mapped_column(Integer, default=80)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Working time the targets count in: ISO weekdays (1 = Monday) and "HH:MM-HH:MM" periods.
    work_days: Mapped[str] = mapped_column(String(32), default="1,2,3,4,5")
    work_periods: Mapped[str] = mapped_column(String(64), default="07:30-11:30,13:30-17:00")
