"""Vietnamese mobile numbers: what people type, normalised to +84."""

from __future__ import annotations

import re

# Mobile prefixes after the 2018 renumbering: 03x, 05x, 07x, 08x, 09x (10 digits with the 0).
_MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_phone(text: str) -> str | None:
    """'0912 345 678', '+84 912.345.678', '84912345678' -> '+84912345678'; anything else -> None."""
    compact = _SEPARATORS.sub("", text.strip())
    if len(compact) > 20:
        return None
    match = _MOBILE.match(compact)
    return f"+84{match.group(1)}" if match else None


def mask_phone(phone: str) -> str:
    """'+84912345678' -> '+84 91*** *678': enough for the person to recognise it, not to reuse it."""
    if len(phone) < 7:
        return "***"
    return f"{phone[:3]} {phone[3:5]}*** *{phone[-3:]}"


def group_phone(phone: str) -> str:
    """'+84912345678' -> '09xx xxx 678': what an agency group's post shows of a number (anyone in the
    group reads it); the whole number is one recorded press away."""
    shown = display_phone(phone)
    positions = [i for i, c in enumerate(shown) if c.isdigit()]
    hidden = set(positions[2:-3]) if len(positions) > 5 else set(positions)
    return "".join("x" if i in hidden else c for i, c in enumerate(shown))


def display_phone(phone: str) -> str:
    """'+84912345678' -> '0912 345 678': how staff dial it and read it back to the person."""
    match = _MOBILE.match(phone)
    if not match:
        return phone
    digits = "0" + match.group(1)
    return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
