"""Compliance records: operator profile, storage locations, sites, purposes of use per
camera (versioned), sign attestations and reviews.

The purposes registry starts with three entries (防犯 crime prevention, 安全管理 safety
management, 業務改善 operations improvement); administrators edit it. Existing cameras get
no purpose: from this version a camera without one does not record, so an upgraded
installation must give each camera its purposes (the CHANGELOG says so).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
# The lead re-chains this onto the head of main at merge time.
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_PURPOSES = (
    (
        "crime_prevention",
        "防犯",
        "Crime prevention",
        "盗難・不正侵入・器物損壊などの犯罪の防止と、発生時の事実確認のため",
        "To prevent theft, trespass and vandalism, and to establish the facts when they occur",
    ),
    (
        "safety",
        "安全管理",
        "Safety management",
        "来訪者と従業員の安全確保、事故発生時の状況確認のため",
        "To keep visitors and staff safe and to understand what happened after an accident",
    ),
    (
        "operations",
        "業務改善",
        "Operations improvement",
        "混雑状況の把握など、店舗・施設運営の改善のため",
        "To improve how the premises are run, for example by understanding crowding",
    ),
)


def upgrade() -> None:
    op.create_table(
        "operator_profile",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(
            sa.Column(name, sa.Text(), nullable=False)
            for name in (
                "business_name",
                "address",
                "representative",
                "contact_department",
                "contact_phone",
                "contact_email",
                "contact_postal",
                "request_procedure",
                "security_measures",
            )
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_operator_profile_single_row"),
    )
    op.create_table(
        "storage_locations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("regime_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    purposes = op.create_table(
        "purposes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name_ja", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("description_ja", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        purposes,
        [
            {
                "code": code,
                "name_ja": name_ja,
                "name_en": name_en,
                "description_ja": description_ja,
                "description_en": description_en,
                "created_at": now,
                "updated_at": now,
            }
            for code, name_ja, name_en, description_ja, description_en in SEED_PURPOSES
        ],
    )
    op.create_table(
        "camera_sites",
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "site_id", sa.Integer(), sa.ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False
        ),
    )
    op.create_index("ix_camera_sites_site_id", "camera_sites", ["site_id"])
    op.create_table(
        "camera_purposes",
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "purpose_id",
            sa.Integer(),
            sa.ForeignKey("purposes.id", ondelete="RESTRICT"),
            primary_key=True,
        ),
    )
    op.create_index("ix_camera_purposes_purpose_id", "camera_purposes", ["purpose_id"])
    op.create_table(
        "camera_purpose_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("camera_id", "version"),
    )
    op.create_table(
        "sign_attestations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("installed_on", sa.Date(), nullable=False),
        sa.Column("installed_by", sa.String(100), nullable=False),
        sa.Column("purpose_version", sa.Integer(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(32), nullable=True),
        sa.Column("photo_context", sa.String(64), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sign_attestations_camera_id", "sign_attestations", ["camera_id"])
    op.create_table(
        "compliance_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "camera_id",
            sa.Integer(),
            sa.ForeignKey("cameras.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_compliance_reviews_kind_camera", "compliance_reviews", ["kind", "camera_id"]
    )


def downgrade() -> None:
    for table in (
        "compliance_reviews",
        "sign_attestations",
        "camera_purpose_changes",
        "camera_purposes",
        "camera_sites",
        "purposes",
        "sites",
        "storage_locations",
        "operator_profile",
    ):
        op.drop_table(table)
