"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`")
    username: str
    role: str
    expires_in: int = Field(description="Seconds until the session expires")


class Me(BaseModel):
    username: str
    role: str


class CameraCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    source: str = Field(
        min_length=1,
        max_length=2048,
        description="rtsp://, rtsps://, http(s)://, file:// or test://pattern URL",
    )
    retention_days: int = Field(default=7, ge=1, le=3650)


class CameraOut(BaseModel):
    id: int
    name: str
    source: str = Field(description="The source URL with any password replaced by ***")
    retention_days: int
    enabled: bool
    status: str = Field(description="starting, recording, offline, error or stopped")
    status_reason: str | None
    status_since: datetime | None
    last_frame_at: datetime | None
    fps: float
    bitrate_kbps: float
    mode: str | None = Field(description="copy (no re-encode) or encode")
    created_at: datetime


class RecordingOut(BaseModel):
    id: int
    start: datetime
    end: datetime
    bytes: int
    sha256: str
    width: int
    height: int
    frame_count: int


class ErrorOut(BaseModel):
    detail: str
