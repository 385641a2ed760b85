"""The public privacy notice (APPI Arts. 21 and 32): what /privacy and /privacy.json show.

Only public facts leave here: the operator profile, each site's recording cameras with
their purposes, retention and whether masks are used, the request procedure, storage
countries and the date of the last change. Camera names and sources, the names and
addresses of sites marked private, storage location names, user names and keys never do:
cameras are numbered within their site instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from mimamoru.cameras import masks_from_json
from mimamoru.compliance.profile import TEXT_FIELDS, Profile, is_japan
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Site


@dataclass(frozen=True)
class NoticePurpose:
    code: str
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str


@dataclass(frozen=True)
class NoticeCamera:
    label_ja: str
    label_en: str
    purposes: tuple[NoticePurpose, ...]
    retention_hours: int
    masks_used: bool


@dataclass(frozen=True)
class NoticeSite:
    name_ja: str
    name_en: str
    address: str
    cameras: tuple[NoticeCamera, ...]


@dataclass(frozen=True)
class NoticeStorage:
    country: str
    outside_japan: bool
    regime_note: str


@dataclass(frozen=True)
class Notice:
    operator: dict[str, str]
    sites: tuple[NoticeSite, ...]
    purposes: tuple[NoticePurpose, ...]
    storage: tuple[NoticeStorage, ...]
    last_updated: date | None
    notice_url: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_updated"] = self.last_updated.isoformat() if self.last_updated else None
        return data


def hours_ja(hours: int) -> str:
    return f"{hours // 24}日間" if hours % 24 == 0 else f"{hours}時間"


def hours_en(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _site_label(row: Site | None, ordinal: int) -> tuple[str, str, str]:
    if row is None:
        return "その他の場所", "Other locations", ""
    if row.public:
        return row.name, row.name, row.address
    return f"拠点 {ordinal}", f"Site {ordinal}", ""


def build_notice(database: Database, profile: Profile, notice_url: str, zone: tzinfo) -> Notice:
    """The notice as of now; its date of last change is a calendar date in ``zone``."""
    with database.session() as session:
        purposes = {row.code: row for row in queries.purposes(session)}
        camera_purposes = queries.camera_purpose_codes(session)
        site_of = queries.camera_site_ids(session)
        sites = list(queries.sites(session))
        recording = [
            camera
            for camera in queries.all_cameras(session)
            if camera.enabled and camera_purposes.get(camera.id)
        ]
        locations = list(queries.locations(session))
        changes = [
            profile.updated_at,
            queries.last_purpose_change_at(session),
            *(row.updated_at for row in sites),
            *(row.updated_at for row in locations),
            *(row.updated_at for row in purposes.values()),
            *(camera.updated_at for camera in recording),
        ]

        def purpose(code: str) -> NoticePurpose:
            row = purposes[code]
            return NoticePurpose(
                row.code, row.name_ja, row.name_en, row.description_ja, row.description_en
            )

        groups: list[tuple[Site | None, list[NoticeCamera]]] = []
        for site in [*sites, None]:
            site_id = site.id if site is not None else None
            cameras = [camera for camera in recording if site_of.get(camera.id) == site_id]
            if not cameras:
                continue
            groups.append(
                (
                    site,
                    [
                        NoticeCamera(
                            label_ja=f"カメラ {number}",
                            label_en=f"Camera {number}",
                            purposes=tuple(purpose(code) for code in camera_purposes[camera.id]),
                            retention_hours=camera.retention_hours,
                            masks_used=bool(masks_from_json(camera.masks)),
                        )
                        for number, camera in enumerate(cameras, start=1)
                    ],
                )
            )
        used = sorted(
            {code for camera in recording for code in camera_purposes[camera.id]},
            key=lambda code: purposes[code].id,
        )
        notice_sites = []
        for ordinal, (site, listed) in enumerate(groups, start=1):
            name_ja, name_en, address = _site_label(site, ordinal)
            notice_sites.append(NoticeSite(name_ja, name_en, address, tuple(listed)))
        storage = tuple(
            dict.fromkeys(
                NoticeStorage(row.country, not is_japan(row.country), row.regime_note)
                for row in locations
            )
        )
        known = [moment for moment in changes if isinstance(moment, datetime)]
        return Notice(
            operator={name: getattr(profile, name) for name in TEXT_FIELDS},
            sites=tuple(notice_sites),
            purposes=tuple(purpose(code) for code in used),
            storage=storage,
            last_updated=max(known).astimezone(zone).date() if known else None,
            notice_url=notice_url,
        )
