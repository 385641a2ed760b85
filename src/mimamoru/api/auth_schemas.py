"""Bodies of the session, two-factor and API-token routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mimamoru.api.schemas import Strict


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = Field(description="The absolute expiry")
    idle_expires_at: datetime = Field(description="When it ends if not used before")
    client: str = Field(description="The address it logged in from")
    user_agent: str
    current: bool = Field(default=False, description="The session making this request")


class RevokedOut(BaseModel):
    revoked: int


class TotpIn(Strict):
    code: str | None = Field(
        default=None,
        max_length=16,
        description="Omit to enrol (a new secret); send the app's code to confirm it",
    )


class TotpCodeIn(Strict):
    code: str = Field(min_length=1, max_length=16)


class TotpOut(BaseModel):
    enabled: bool
    secret: str | None = Field(
        default=None, description="Only when enrolling: type it into the authenticator app"
    )
    otpauth_uri: str | None = Field(default=None, description="Only when enrolling; for a QR")


class TokenIn(Strict):
    name: str = Field(min_length=1, max_length=64, examples=["export script"])
    operations: list[str] = Field(
        min_length=1,
        description="A subset of live, playback, export, ptz, configure; the token can do "
        "these where its owner's grants allow",
        examples=[["playback"]],
    )
    expires_in_days: int = Field(
        default=90, ge=1, description="At most sessions.token_max_days (365)"
    )


class TokenOut(BaseModel):
    id: int
    name: str
    operations: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="Shown only now: send as `Authorization: Bearer <token>`")
