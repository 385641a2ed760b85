"""What an access request is: its states, its record, and the checks on what is asked.

The rules for asking and deciding are in :mod:`mimamoru.access.requests`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mimamoru.access.roles import Operation, Role
from mimamoru.errors import ValidationFailedError

REQUESTABLE = (Operation.EXPORT, Operation.PLAYBACK)
MAX_RANGE = timedelta(days=31)
MAX_REASON = 2000
MAX_PURPOSE = 200
DECIDERS = frozenset({Role.ADMIN, Role.MANAGER})


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Decision:
    approver: str
    decision: str  # approve or reject
    comment: str
    at: datetime


@dataclass(frozen=True)
class AccessRequestRecord:
    id: int
    requester_id: int
    requester: str
    camera_id: int
    camera_name: str
    operation: Operation
    start: datetime
    end: datetime
    reason: str
    purpose: str | None
    state: RequestState
    created_at: datetime
    decided_at: datetime | None
    valid_until: datetime | None
    # When a pending request lapses undecided.
    pending_until: datetime
    approvals_needed: int
    decisions: tuple[Decision, ...]

    @property
    def approvers(self) -> tuple[str, ...]:
        return tuple(d.approver for d in self.decisions if d.decision == "approve")

    @property
    def rejection(self) -> Decision | None:
        return next((d for d in self.decisions if d.decision == "reject"), None)


@dataclass(frozen=True)
class ApprovedRequest:
    """An approved, still valid request, as the exports flow records it."""

    id: int
    requester: str
    approvers: tuple[str, ...]
    purpose: str | None
    reason: str
    camera_id: int
    operation: Operation
    start: datetime
    end: datetime
    valid_until: datetime


def parse_operation(name: str) -> Operation:
    allowed = {op.value: op for op in REQUESTABLE}
    cleaned = name.strip().lower() if isinstance(name, str) else ""
    if cleaned not in allowed:
        raise ValidationFailedError(
            f"operation {name!r} cannot be requested (allowed: {', '.join(sorted(allowed))})"
        )
    return allowed[cleaned]


def parse_state(name: str) -> RequestState:
    try:
        return RequestState(name.strip().lower())
    except ValueError:
        allowed = ", ".join(state.value for state in RequestState)
        raise ValidationFailedError(f"unknown state {name!r} (allowed: {allowed})") from None


def check_range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationFailedError("start and end need a time zone (or a Z for UTC)")
    if start >= end:
        raise ValidationFailedError("start must be before end")
    if end - start > MAX_RANGE:
        raise ValidationFailedError(
            f"time range longer than {MAX_RANGE.days} days; ask for a shorter range"
        )


def clean_text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationFailedError(f"{field} is required: say why")
    if len(cleaned) > limit:
        raise ValidationFailedError(f"{field} is longer than {limit} characters")
    return cleaned or None
