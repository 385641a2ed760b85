"""Request and response bodies of the access-request routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mimamoru.api.schemas import Strict


class AccessRequestIn(Strict):
    camera_id: int = Field(ge=1)
    operation: str = Field(description="`playback` or `export`", examples=["playback"])
    start: datetime = Field(description="ISO 8601; no offset means UTC")
    end: datetime = Field(description="ISO 8601, after start, at most 31 days later")
    reason: str = Field(max_length=2000, description="Why (required, not blank)")
    purpose: str | None = Field(
        default=None, max_length=200, description="The purpose of use, if the site names them"
    )


class ApproveIn(Strict):
    comment: str | None = Field(default=None, max_length=2000)


class RejectIn(Strict):
    # Optional here so that a caller who may not decide hears that first; the domain then
    # refuses a missing or blank reason with 422.
    reason: str | None = Field(
        default=None, max_length=2000, description="Why not (required, not blank)"
    )


class DecisionOut(BaseModel):
    approver: str
    decision: str = Field(description="`approve` or `reject`")
    comment: str
    at: datetime


class AccessRequestOut(BaseModel):
    id: int
    requester: str
    camera_id: int
    camera_name: str
    operation: str
    start: datetime
    end: datetime
    reason: str
    purpose: str | None
    state: str = Field(description="pending, approved, rejected, expired or withdrawn")
    created_at: datetime
    decided_at: datetime | None
    valid_until: datetime | None = Field(description="An approval holds until then")
    pending_until: datetime = Field(description="A pending request expires undecided then")
    approvals_needed: int
    approvers: list[str]
    decisions: list[DecisionOut]
    rejection_reason: str | None
    can_decide: bool = Field(description="The caller may approve or reject it now")
    can_withdraw: bool = Field(description="The caller may withdraw it now")


class PendingCountOut(BaseModel):
    to_decide: int = Field(description="Pending requests waiting for the caller's decision")
