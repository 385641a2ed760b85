"""Cleaning the free text that goes onto the public notice and signs."""

from __future__ import annotations

from mimamoru.errors import ValidationFailedError

SHORT = 200
LONG = 4000


def clean(value: str | None, field: str, *, limit: int = SHORT, multiline: bool = False) -> str:
    """Trimmed text; control characters (other than newlines where allowed) are refused."""
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailedError(f"{field} is longer than {limit} characters")
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(ord(ch) < 32 and ch not in allowed for ch in text):
        raise ValidationFailedError(f"{field} must not contain control characters")
    return text.replace("\r\n", "\n")


def required(value: str | None, field: str, *, limit: int = SHORT) -> str:
    text = clean(value, field, limit=limit)
    if not text:
        raise ValidationFailedError(f"{field} is empty")
    return text
