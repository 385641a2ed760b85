"""The compliance records through the API: registry, versions, sites, storage, signs, audit."""

from __future__ import annotations

import httpx

from mimamoru.compliance.attestations import PHOTO_KEY_ID
from mimamoru.db.tables import SignAttestation
from tests.conftest import RunningServer
from tests.support.http_camera import jpeg_frames

SOURCE = "test://pattern?size=160x120&rate=5"


def jpeg_photo() -> bytes:
    """A real JPEG, made here (a picture of a sign would be one)."""
    return jpeg_frames(1, size="64x48")[0]


def add_camera(client: httpx.Client, name: str, **extra: object) -> int:
    response = client.post("/api/v1/cameras", json={"name": name, "source": SOURCE, **extra})
    assert response.status_code == 201, response.text
    camera_id: int = response.json()["id"]
    return camera_id


def test_registry_is_seeded_and_editable(admin_client: httpx.Client) -> None:
    seeded = admin_client.get("/api/v1/purposes").json()
    assert [(p["code"], p["name_ja"], p["name_en"]) for p in seeded] == [
        ("crime_prevention", "防犯", "Crime prevention"),
        ("safety", "安全管理", "Safety management"),
        ("operations", "業務改善", "Operations improvement"),
    ]
    body = {"code": "parking", "name_ja": "駐車場管理", "name_en": "Car park management"}
    created = admin_client.post("/api/v1/purposes", json=body)
    assert created.status_code == 201, created.text
    again = admin_client.post("/api/v1/purposes", json=body)
    assert again.status_code == 409
    bad = admin_client.post("/api/v1/purposes", json={**body, "code": "Bad Code"})
    assert bad.status_code == 422 and "purpose code" in bad.json()["detail"]
    purpose_id = created.json()["id"]
    renamed = admin_client.put(
        f"/api/v1/purposes/{purpose_id}",
        json={"name_ja": "駐車場の管理", "name_en": "Car park management"},
    )
    assert renamed.json()["name_ja"] == "駐車場の管理"
    camera_id = add_camera(admin_client, "Car park", purposes=["parking"])
    in_use = admin_client.delete(f"/api/v1/purposes/{purpose_id}")
    assert in_use.status_code == 409 and "1 camera" in in_use.json()["detail"]
    admin_client.put(f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": ["safety"]})
    assert admin_client.delete(f"/api/v1/purposes/{purpose_id}").status_code == 204


def test_purpose_changes_are_versioned_and_flag_the_sign(
    server: RunningServer, admin_client: httpx.Client
) -> None:
    camera_id = add_camera(admin_client, "Till", purposes=["crime_prevention"])
    photo = jpeg_photo()
    attested = admin_client.post(
        f"/api/v1/cameras/{camera_id}/sign-attestations",
        params={"installed_on": "2026-11-01", "installed_by": "Sato"},
        content=photo,
        headers={"Content-Type": "image/jpeg"},
    )
    assert attested.status_code == 201, attested.text
    assert attested.json()["needs_reprint"] is False and attested.json()["has_photo"] is True

    # The photo is sealed in the database: no byte run of the JPEG is there in clear.
    with server.services.database.session() as session:
        row = session.get(SignAttestation, attested.json()["id"])
        assert row is not None and row.photo is not None
        assert photo[:16] not in row.photo and photo[-64:] not in row.photo
        assert int.from_bytes(row.photo[16:24], "big") == PHOTO_KEY_ID
    fetched = admin_client.get(f"/api/v1/cameras/{camera_id}/sign-attestation/photo")
    assert fetched.status_code == 200 and fetched.content == photo
    assert fetched.headers["content-type"] == "image/jpeg"

    changed = admin_client.put(
        f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": ["safety", "crime_prevention"]}
    ).json()
    assert changed["version"] == 2
    assert [p["code"] for p in changed["purposes"]] == ["crime_prevention", "safety"]
    assert [
        (c["version"], c["before"], c["after"], c["changed_by"]) for c in changed["history"]
    ] == [
        (1, [], ["crime_prevention"], "admin"),
        (2, ["crime_prevention"], ["crime_prevention", "safety"], "admin"),
    ]
    sign = admin_client.get(f"/api/v1/cameras/{camera_id}/sign-attestation").json()
    assert sign["needs_reprint"] is True and sign["purpose_version"] == 1

    same = admin_client.put(
        f"/api/v1/cameras/{camera_id}/purposes", json={"purposes": ["crime_prevention", "safety"]}
    )
    assert same.json()["version"] == 2, "the same set again is no new version"
    again = admin_client.post(
        f"/api/v1/cameras/{camera_id}/sign-attestations",
        params={"installed_on": "2026-11-02", "installed_by": "Sato"},
    )
    assert again.json()["needs_reprint"] is False and again.json()["has_photo"] is False

    audited = [
        (event.action, event.detail)
        for event in server.services.audit.search(camera_id=camera_id)
        if event.action in ("camera.purposes", "compliance.sign_attested")
    ]
    assert [action for action, _ in audited].count("camera.purposes") == 1
    assert [action for action, _ in audited].count("compliance.sign_attested") == 2


def test_bad_attestations_are_refused(admin_client: httpx.Client) -> None:
    camera_id = add_camera(admin_client, "Gate", purposes=["safety"])
    url = f"/api/v1/cameras/{camera_id}/sign-attestations"
    future = admin_client.post(url, params={"installed_on": "2999-01-01", "installed_by": "Sato"})
    assert future.status_code == 422 and "future" in future.json()["detail"]
    not_image = admin_client.post(
        url,
        params={"installed_on": "2026-11-01", "installed_by": "Sato"},
        content=b"%PDF-1.7 not a photo",
        headers={"Content-Type": "image/jpeg"},
    )
    assert not_image.status_code == 422 and "JPEG or PNG" in not_image.json()["detail"]
    missing = admin_client.post(url, params={"installed_on": "2026-11-01"})
    assert missing.status_code == 422 and "installed_by" in missing.json()["detail"]
    none = admin_client.get(f"{url[:-1]}")
    assert none.status_code == 200 and none.json() is None
    assert admin_client.get(f"{url[:-1]}/photo").status_code == 404


def test_sites_storage_and_profile(server: RunningServer, admin_client: httpx.Client) -> None:
    site = admin_client.post("/api/v1/sites", json={"name": "Shibuya shop", "address": "渋谷"})
    assert site.status_code == 201
    site_id = site.json()["id"]
    camera_id = add_camera(admin_client, "Entrance", purposes=["crime_prevention"])
    placed = admin_client.put(f"/api/v1/cameras/{camera_id}/site", json={"site_id": site_id})
    assert placed.json() == {"camera_id": camera_id, "site_id": site_id}
    assert admin_client.get(f"/api/v1/sites/{site_id}").json()["camera_ids"] == [camera_id]
    nowhere = admin_client.put(f"/api/v1/cameras/{camera_id}/site", json={"site_id": 999})
    assert nowhere.status_code == 422
    busy = admin_client.delete(f"/api/v1/sites/{site_id}")
    assert busy.status_code == 409 and "move them first" in busy.json()["detail"]

    abroad = admin_client.post(
        "/api/v1/compliance/storage-locations", json={"name": "Cloud", "country": "Singapore"}
    )
    assert abroad.status_code == 422 and "regime_note" in abroad.json()["detail"]
    with_note = admin_client.post(
        "/api/v1/compliance/storage-locations",
        json={"name": "Cloud", "country": "Singapore", "regime_note": "PDPA 2012"},
    )
    assert with_note.status_code == 201 and with_note.json()["outside_japan"] is True

    empty = admin_client.get("/api/v1/compliance/profile").json()
    assert "business_name" in empty["missing"] and empty["security_measures_suggestion"]
    saved = admin_client.put(
        "/api/v1/compliance/profile",
        json={"business_name": "見守る商店", "contact_email": "privacy@example.jp"},
    )
    assert saved.status_code == 200
    assert saved.json()["business_name"] == "見守る商店" and saved.json()["updated_by"] == "admin"
    kept = admin_client.put("/api/v1/compliance/profile", json={"address": "東京都"}).json()
    assert kept["business_name"] == "見守る商店", "fields left out keep their value"
    bad = admin_client.put("/api/v1/compliance/profile", json={"contact_email": "nope"})
    assert bad.status_code == 422
    unknown = admin_client.put("/api/v1/compliance/profile", json={"owner_password": "x"})
    assert unknown.status_code == 422
    events = server.services.audit.search(action="compliance.profile")
    assert len(events) == 2, "two saves, two entries (the refused ones changed nothing)"


def test_sign_date_is_a_calendar_date(admin_client: httpx.Client) -> None:
    camera_id = add_camera(admin_client, "Back", purposes=["safety"])
    response = admin_client.post(
        f"/api/v1/cameras/{camera_id}/sign-attestations",
        params={"installed_on": "yesterday", "installed_by": "Sato"},
    )
    assert response.status_code == 422 and "installed_on" in response.json()["detail"]
