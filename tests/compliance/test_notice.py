"""The public notice: served without login, in Japanese and English, and only public facts.

Every private or internal field gets a canary value; neither /privacy nor /privacy.json may
contain any of them, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from mimamoru.access.roles import Role
from mimamoru.compliance.purposes import PurposeFields
from mimamoru.compliance.reviews import ReviewKind
from mimamoru.db.tables import Camera
from mimamoru.privacy.masks import parse_masks
from mimamoru.services import Services
from tests.conftest import ServerFactory, make_installation

PASSWORD = "a-long-enough-passphrase"
# Reachable nowhere: these cameras are configured to record, so they are on the notice,
# without spending the CPU of a real recording.
DEAD = "rtsp://canary-cam-user:canary-cam-pass@127.0.0.1:9/canary-path"

CANARIES = [
    "canary-cam-user",
    "canary-cam-pass",
    "canary-path",
    "CANARY-CAMERA-NAME",
    "CANARY-DISABLED-CAMERA",
    "CANARY-NO-PURPOSE-CAMERA",
    "CANARY-JUSTIFICATION",
    "CANARY-PRIVATE-SITE",
    "CANARY-PRIVATE-ADDRESS",
    "CANARY-EMPTY-SITE",
    "CANARY-STORE-NAME",
    "CANARY-ABROAD-STORE",
    "canary-editor",
    "canary-viewer",
    "CANARY-UNUSED-PURPOSE",
    "canary_unused",
    "CANARY-DISABLED-ONLY",
    "canary_disabled_only",
    "CANARY-INSTALLER",
    "CANARY-REVIEW-NOTE",
    "CANARY-HOLD-REASON",
    "CANARY-GROUP",
    "CANARY-CAMERA-GROUP",
]


def plant(services: Services) -> dict[str, object]:
    """A realistic installation with a canary in every private column; what must be shown."""
    compliance = services.compliance
    editor = services.accounts.create(
        username="canary-editor", password=PASSWORD, role=Role.ADMIN, actor="test"
    )
    services.accounts.create(
        username="canary-viewer", password=PASSWORD, role=Role.VIEWER, actor="test"
    )
    compliance.profile.update(
        {
            "business_name": "見守る商店 Mimamoru Shop",
            "address": "東京都渋谷区1-2-3",
            "representative": "山田太郎",
            "contact_department": "お客様窓口 Customer desk",
            "contact_phone": "03-0000-0000",
            "contact_email": "privacy@example.jp",
            "contact_postal": "〒150-0000 東京都渋谷区1-2-3",
            "request_procedure": "窓口にご連絡ください。Contact the desk.",
            "security_measures": "暗号化 Encryption",
        },
        actor=editor.username,
    )
    compliance.purposes.create(
        "canary_unused", PurposeFields("CANARY-UNUSED-PURPOSE", "CANARY-UNUSED-PURPOSE"), "test"
    )
    compliance.purposes.create(
        "canary_disabled_only",
        PurposeFields("CANARY-DISABLED-ONLY", "CANARY-DISABLED-ONLY"),
        "test",
    )
    public = compliance.sites.create("渋谷店 Shibuya shop", "渋谷駅前", public=True, actor="test")
    private = compliance.sites.create(
        "CANARY-PRIVATE-SITE", "CANARY-PRIVATE-ADDRESS", public=False, actor="test"
    )
    compliance.sites.create("CANARY-EMPTY-SITE", "", public=True, actor="test")
    front = services.cameras.add(
        name="CANARY-CAMERA-NAME",
        source=DEAD,
        retention_hours=72,
        purposes=["crime_prevention"],
        actor=editor.username,
    )
    back = services.cameras.add(
        name="Back office",
        source=DEAD,
        retention_hours=168,
        retention_justification="CANARY-JUSTIFICATION",
        purposes=["safety", "operations"],
        actor=editor.username,
    )
    services.cameras.set_masks(
        back.id, parse_masks([{"points": [[0, 0], [0.3, 0], [0.3, 0.3]]}]), actor=editor.username
    )
    disabled = services.cameras.add(
        name="CANARY-DISABLED-CAMERA",
        source=DEAD,
        retention_hours=49,
        retention_justification="CANARY-JUSTIFICATION",
        purposes=["canary_disabled_only"],
        actor="test",
    )
    with services.database.session() as session:
        row = session.get(Camera, disabled.id)
        assert row is not None
        row.enabled = False
    no_purpose = services.cameras.add(
        name="CANARY-NO-PURPOSE-CAMERA", source=DEAD, retention_hours=50, actor="test"
    )
    compliance.sites.set_camera_site(front.id, public.id, actor="test")
    compliance.sites.set_camera_site(back.id, private.id, actor="test")
    compliance.sites.set_camera_site(no_purpose.id, private.id, actor="test")
    compliance.profile.add_location("CANARY-STORE-NAME", "Japan", "", actor="test")
    compliance.profile.add_location(
        "CANARY-ABROAD-STORE", "Singapore", "Personal Data Protection Act 2012", actor="test"
    )
    compliance.attestations.record(
        front.id, date(2026, 11, 1), "CANARY-INSTALLER", actor=editor.username
    )
    compliance.reviews.done(ReviewKind.MASKS, editor.username, note="CANARY-REVIEW-NOTE")
    now = services.clock.now()
    services.holds.place(
        camera_id=front.id,
        start=now - timedelta(hours=1),
        end=now,
        reason="CANARY-HOLD-REASON",
        expires=now + timedelta(days=1),
        actor="test",
    )
    services.groups.create(name="CANARY-GROUP", actor="test")
    services.camera_groups.create(name="CANARY-CAMERA-GROUP", actor="test")
    return {
        "purposes": {"crime_prevention", "safety", "operations"},
        "retention": [72, 168],
    }


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_notice_shows_exactly_the_public_facts(
    backend: str, tmp_path: Path, start_server: ServerFactory, request: pytest.FixtureRequest
) -> None:
    url = None if backend == "sqlite" else request.getfixturevalue("postgres_url")
    installation = make_installation(tmp_path / backend, url)
    server = start_server(
        installation, compliance={"public_base_url": "https://cameras.example.jp/"}
    )
    services = server.services
    expected = plant(services)
    master_key = services.settings.master_key_path.read_text().strip()

    with server.client() as anonymous:
        page = anonymous.get("/privacy")
        data = anonymous.get("/privacy.json")
    assert page.status_code == 200 and data.status_code == 200
    html, body = page.text, data.text
    for response_text in (html, body):
        leaked = [canary for canary in CANARIES if canary.lower() in response_text.lower()]
        assert leaked == [], f"private fields on the public notice: {leaked}"
        assert master_key not in response_text
        assert "rtsp://" not in response_text and "127.0.0.1:9" not in response_text

    notice = data.json()
    cameras = [camera for site in notice["sites"] for camera in site["cameras"]]
    assert {p["code"] for camera in cameras for p in camera["purposes"]} == expected["purposes"]
    assert {p["code"] for p in notice["purposes"]} == expected["purposes"]
    assert sorted(camera["retention_hours"] for camera in cameras) == expected["retention"]
    assert [site["name_en"] for site in notice["sites"]] == ["渋谷店 Shibuya shop", "Site 2"]
    assert notice["sites"][1]["address"] == ""
    assert [camera["masks_used"] for camera in cameras] == [False, True]
    assert notice["operator"]["business_name"] == "見守る商店 Mimamoru Shop"
    assert set(notice["operator"]) == {
        "business_name",
        "address",
        "representative",
        "contact_department",
        "contact_phone",
        "contact_email",
        "contact_postal",
        "request_procedure",
        "security_measures",
    }
    assert notice["storage"] == [
        {"country": "Japan", "outside_japan": False, "regime_note": ""},
        {
            "country": "Singapore",
            "outside_japan": True,
            "regime_note": "Personal Data Protection Act 2012",
        },
    ]
    today = datetime.now(UTC).astimezone().date()
    assert abs(date.fromisoformat(notice["last_updated"]) - today) <= timedelta(days=1)
    assert notice["notice_url"] == "https://cameras.example.jp/privacy"

    # Both languages, on the page.
    for words in (
        "防犯",
        "Crime prevention",
        "安全管理",
        "Safety management",
        "業務改善",
        "Operations improvement",
        "3日間",
        "3 days",
        "7日間",
        "7 days",
        "開示・訂正・利用停止等の請求",
        "Disclosure, correction and cessation requests",
        "privacy@example.jp",
        "Singapore",
        "Personal Data Protection Act 2012",
        "最終更新日",
        "Last updated",
    ):
        assert words in html, words


def test_an_empty_profile_still_renders(start_server: ServerFactory) -> None:
    server = start_server()
    with server.client() as anonymous:
        page = anonymous.get("/privacy")
        data = anonymous.get("/privacy.json").json()
    assert page.status_code == 200
    assert "事業者情報は準備中です" in page.text and "No camera is recording." in page.text
    assert data["sites"] == [] and data["operator"]["business_name"] == ""
