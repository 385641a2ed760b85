"""Request and response bodies of the exports and provision register routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mimamoru.api.schemas import Strict

LegalBasis = Literal["consent", "law", "protection", "internal"]


class ExportIn(Strict):
    camera_id: int = Field(ge=1)
    start: datetime = Field(description="ISO 8601; no offset means UTC")
    end: datetime = Field(description="ISO 8601; no offset means UTC")
    purpose: str = Field(min_length=1, max_length=2000, description="Why the footage is needed")
    recipient: str = Field(
        min_length=1, max_length=2000, description="Who receives the package (or 'internal')"
    )
    legal_basis: LegalBasis = Field(
        description="consent; law (needs `reference`: e.g. 捜査関係事項照会 or warrant number); "
        "protection (of life, body or property); internal"
    )
    reference: str = Field(
        default="", max_length=2000, description="Document reference or consent record"
    )
    request_id: int | None = Field(
        default=None,
        ge=1,
        description="The approved export request; required unless the camera is marked "
        "export-without-approval",
    )


class GapOut(BaseModel):
    start: str
    end: str
    reason: str


class ExportOut(BaseModel):
    id: int
    camera_id: int
    camera_name: str
    start: datetime
    end: datetime
    purpose: str
    recipient: str
    legal_basis: str
    reference: str
    requester: str
    approvers: list[str]
    request_id: int | None
    state: str = Field(description="queued, running, done, failed or expired")
    progress: float = Field(description="0 to 1")
    error: str | None
    gaps: list[GapOut]
    sha256: str | None = Field(description="SHA-256 of the package (zip) once done")
    size: int | None = Field(description="Bytes of the package once done")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime
    download_count: int


class PublicKeyOut(BaseModel):
    algorithm: Literal["Ed25519"] = "Ed25519"
    public_key_pem: str
    fingerprint_sha256: str = Field(description="SHA-256 of the raw 32-byte public key, hex")
    installation_id: str


class VerifyOut(BaseModel):
    ok: bool
    problems: list[str]
    not_an_export: bool
    key_fingerprint: str | None
    key_from_package: bool = Field(
        description="True: checked against the key inside the package (compare its "
        "fingerprint with the installation's)"
    )
    manifest: dict[str, object] | None


class ProvisionOut(BaseModel):
    id: int
    provided_at: datetime
    recipient: str
    items: str
    legal_basis: str
    reference: str
    camera_id: int
    camera_name: str
    start: datetime
    end: datetime
    export_id: int | None
    created_by: str
    keep_until: datetime
