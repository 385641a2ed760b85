"""What goes on a camera's or a site's sign, gathered from the records (Arts. 20-21).

The sign is public like the notice: it carries the operator, the public site name, the
purposes, the retention, the contact and the notice's URL (as a QR code), never internal
camera names or a private site's name. Rendering is ``compliance/signage.py``'s job.
"""

from __future__ import annotations

from mimamoru.compliance.notice import hours_en, hours_ja
from mimamoru.compliance.profile import Profile
from mimamoru.compliance.signage import Purpose, SignContent
from mimamoru.db import compliance as queries
from mimamoru.db.engine import Database
from mimamoru.db.tables import Camera
from mimamoru.errors import ConflictError, NotFoundError

UNNAMED_SITE = "—"


def contact_lines(profile: Profile) -> tuple[str, ...]:
    lines = [
        profile.contact_department,
        f"TEL {profile.contact_phone}" if profile.contact_phone else "",
        profile.contact_email,
    ]
    return tuple(line for line in lines if line)


def _retention(cameras: list[Camera]) -> tuple[str, str]:
    hours = sorted({camera.retention_hours for camera in cameras})
    if len(hours) == 1:
        return hours_ja(hours[0]), hours_en(hours[0])
    return f"最長 {hours_ja(hours[-1])}", f"up to {hours_en(hours[-1])}"


def _content(
    database: Database, profile: Profile, notice_url: str, cameras: list[Camera], site_name: str
) -> SignContent:
    with database.session() as session:
        registry = {row.code: row for row in queries.purposes(session)}
        by_camera = queries.camera_purpose_codes(session)
    codes = sorted(
        {code for camera in cameras for code in by_camera.get(camera.id, [])},
        key=lambda code: registry[code].id,
    )
    retention_ja, retention_en = _retention(cameras)
    return SignContent(
        operator_name=profile.business_name,
        site_name=site_name,
        camera_names=(),
        purposes=tuple(Purpose(registry[c].name_ja, registry[c].name_en) for c in codes),
        retention_ja=retention_ja,
        retention_en=retention_en,
        contact_lines=contact_lines(profile),
        notice_url=notice_url,
    )


def camera_sign(
    database: Database, profile: Profile, notice_url: str, camera_id: int
) -> SignContent:
    """The sign for one camera; 409 when it has no purpose (it is not recording anyway)."""
    with database.session() as session:
        camera = session.get(Camera, camera_id)
        if camera is None:
            raise NotFoundError(f"camera {camera_id} not found")
        if not queries.camera_purpose_codes(session).get(camera_id):
            raise ConflictError(
                f"camera {camera_id} has no purpose of use registered, so it has no sign "
                f"(and does not record): set one with PUT /api/v1/cameras/{camera_id}/purposes"
            )
        site_id = queries.camera_site_ids(session).get(camera_id)
        site = queries.site(session, site_id) if site_id is not None else None
        site_name = site.name if site is not None and site.public else UNNAMED_SITE
        session.expunge(camera)
    return _content(database, profile, notice_url, [camera], site_name)


def site_sign(database: Database, profile: Profile, notice_url: str, site_id: int) -> SignContent:
    """One sign for a site's recording cameras; 409 when none of them records."""
    with database.session() as session:
        site = queries.site(session, site_id)
        if site is None:
            raise NotFoundError(f"site {site_id} not found")
        with_purpose = queries.cameras_with_purpose(session)
        cameras = [
            camera
            for camera in queries.all_cameras(session)
            if camera.id in set(queries.cameras_at_site(session, site_id))
            and camera.enabled
            and camera.id in with_purpose
        ]
        if not cameras:
            raise ConflictError(
                f"site {site_id} has no camera with a purpose of use, so it has no sign"
            )
        site_name = site.name if site.public else UNNAMED_SITE
        for camera in cameras:
            session.expunge(camera)
    return _content(database, profile, notice_url, cameras, site_name)
