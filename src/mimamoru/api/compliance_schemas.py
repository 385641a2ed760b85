"""Request and response bodies of the compliance API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileIn(Strict):
    """Fields left out keep their value; an empty string clears one."""

    business_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=4000)
    representative: str | None = Field(default=None, max_length=200)
    contact_department: str | None = Field(default=None, max_length=200)
    contact_phone: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=200)
    contact_postal: str | None = Field(default=None, max_length=4000)
    request_procedure: str | None = Field(default=None, max_length=4000)
    security_measures: str | None = Field(default=None, max_length=4000)


class ProfileOut(BaseModel):
    business_name: str
    address: str
    representative: str
    contact_department: str
    contact_phone: str
    contact_email: str
    contact_postal: str
    request_procedure: str
    security_measures: str
    security_measures_suggestion: str = Field(
        description="What mimamoru enforces, offered as a starting text for security_measures"
    )
    missing: list[str] = Field(description="What the notice still lacks")
    updated_at: datetime | None
    updated_by: str | None


class LocationIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    country: str = Field(default="Japan", max_length=100)
    regime_note: str = Field(
        default="",
        max_length=4000,
        description="Required outside Japan: the country's data-protection regime (Art. 28)",
    )


class LocationOut(BaseModel):
    id: int
    name: str
    country: str
    regime_note: str
    outside_japan: bool
    updated_at: datetime


class SiteIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(default="", max_length=4000)
    public: bool = Field(
        default=True,
        description="Shown by name and address on the notice; a private site is 'Site N'",
    )


class SiteOut(BaseModel):
    id: int
    name: str
    address: str
    public: bool
    camera_ids: list[int]
    updated_at: datetime


class PurposeIn(Strict):
    code: str = Field(min_length=1, max_length=40, examples=["crime_prevention"])
    name_ja: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    description_ja: str = Field(default="", max_length=4000)
    description_en: str = Field(default="", max_length=4000)


class PurposeUpdate(Strict):
    name_ja: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    description_ja: str = Field(default="", max_length=4000)
    description_en: str = Field(default="", max_length=4000)


class PurposeOut(BaseModel):
    id: int
    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    updated_at: datetime


class CameraPurposesIn(Strict):
    purposes: list[str] = Field(
        max_length=20,
        description="Purpose codes from the registry; an empty list stops recording",
        examples=[["crime_prevention", "safety"]],
    )


class PurposeChangeOut(BaseModel):
    version: int
    before: list[str]
    after: list[str]
    changed_by: str
    changed_at: datetime


class CameraPurposesOut(BaseModel):
    camera_id: int
    purposes: list[PurposeOut]
    version: int
    history: list[PurposeChangeOut]


class CameraSiteIn(Strict):
    site_id: int | None = Field(description="The site, or null for none")


class CameraSiteOut(BaseModel):
    camera_id: int
    site_id: int | None


class AttestationOut(BaseModel):
    id: int
    camera_id: int
    installed_on: date
    installed_by: str
    purpose_version: int
    current_purpose_version: int
    needs_reprint: bool = Field(description="The purposes changed since this sign was put up")
    has_photo: bool
    recorded_by: str
    recorded_at: datetime


class ReviewIn(Strict):
    note: str = Field(default="", max_length=4000)


class ReviewOut(BaseModel):
    kind: str
    camera_id: int | None
    note: str
    reviewed_by: str
    reviewed_at: datetime


class DashboardOut(BaseModel):
    """See docs/compliance.md: each item says whether it is in order and where to fix it."""

    generated_at: str
    installation: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    problems: int
