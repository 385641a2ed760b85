"""Exports end to end through the real services: clip, signed package, verify, register.

Every test runs on SQLite and on PostgreSQL, with real H.264 footage sealed in the store
and a controlled clock.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest

from mimamoru.access.grants import GrantRecord
from mimamoru.access.principal import Principal
from mimamoru.access.roles import Operation, Role
from mimamoru.clock import ManualClock
from mimamoru.errors import ForbiddenError, NotFoundError, ValidationFailedError
from mimamoru.exports.service import ExportOrder, ExportRecord
from mimamoru.exports.verify import verify_package
from mimamoru.services import Services
from tests.conftest import Installation, make_installation
from tests.exports.support import (
    changed,
    flip_byte,
    leaf_paths,
    members,
    rebuild,
    with_manifest,
)
from tests.support.footage import h264_segment_payload, write_video_segments
from tests.support.media import decode_file

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
RATE = 15
FRAME = 1 / RATE
SEGMENT = 4.0


@pytest.fixture(scope="module")
def payload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One 4-second segment of real 320x240 H.264 at 15 frames/s, a keyframe each second."""
    return h264_segment_payload(SEGMENT, RATE, work_dir=tmp_path_factory.mktemp("payload"))


@pytest.fixture
def installation(tmp_path: Path, database_url: str) -> Installation:
    return make_installation(tmp_path, database_url)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0 + timedelta(hours=1))


@pytest.fixture
def services(installation: Installation, clock: ManualClock) -> Iterator[Services]:
    built = Services.build(installation.settings(), clock)
    try:
        camera = built.cameras.add(
            name="door", source="test://pattern", retention_hours=24, actor="t"
        )
        built.cameras.set_export_without_approval(camera.id, True, "admin")
        yield built
    finally:
        built.close()


ADMIN = Principal(user_id=1, username="admin", role=Role.ADMIN)


def order(**values: object) -> ExportOrder:
    base: dict[str, object] = {
        "camera_id": 1,
        "start": T0 + timedelta(seconds=4),
        "end": T0 + timedelta(seconds=14),
        "purpose": "theft on 1 November",
        "recipient": "Kanagawa Prefectural Police, Naka station",
        "legal_basis": "law",
        "reference": "捜査関係事項照会書 第123号",
    }
    base.update(values)
    return ExportOrder(**base)  # type: ignore[arg-type]


def export(services: Services, **values: object) -> tuple[ExportRecord, bytes]:
    record = services.exports.create(ADMIN, order(**values))
    done = services.exports.run(record.id)
    assert done.state == "done", done.error
    size, body = services.exports.open_package(done, "admin", "127.0.0.1")
    package = b"".join(body)
    assert len(package) == size == done.size
    return done, package


def video_of(package: bytes, tmp_path: Path) -> Path:
    contents = members(package)
    name = next(name for name in contents if name.endswith(".mp4"))
    target = tmp_path / name
    target.write_bytes(contents[name])
    return target


def test_export_download_verify_and_play(
    services: Services, payload: bytes, tmp_path: Path
) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    record, package = export(services)
    result = verify_package(io.BytesIO(package), services.exports.signer.public_key)
    assert result.ok, result.problems
    manifest = result.manifest
    assert manifest is not None
    assert manifest["camera"] == {"id": 1, "name": "door"}
    assert manifest["exporter"] == "admin"
    assert manifest["legal_basis"] == "law"
    assert manifest["reference"] == "捜査関係事項照会書 第123号"
    assert manifest["installation_id"] == services.exports.signer.installation_id
    assert manifest["gaps"] == []
    assert manifest["mask_versions"] == [0]
    assert sorted(members(package)) == sorted(
        ["export-1.mp4", "manifest.json", "manifest.sig", "export-public-key.pem", "README.txt"]
    )
    video = video_of(package, tmp_path)
    raw = video.read_bytes()
    assert raw.index(b"moov") < raw.index(b"mdat"), "moov must come first (plays at once)"
    decoded = decode_file(video)
    # Frames are 1/15 s apart and the clip ends with the last frame starting before `end`:
    # first-to-last frame time plus one frame is the range, to within one frame.
    assert decoded.duration + FRAME == pytest.approx(10.0, abs=FRAME)
    assert decoded.frames == 10 * RATE
    assert decoded.codec == "h264"
    with av.open(str(video)) as container:
        assert container.metadata["comment"].startswith("mimamoru export 1;")
        assert container.metadata["title"] == "mimamoru export 1"
    assert record.download_count == 0
    assert services.exports.get(record.id).download_count == 1
    actions = [entry.action for entry in services.audit.search(limit=50)]
    assert "export.create" in actions and "export.done" in actions
    assert "export.download" in actions


def test_unaligned_start_begins_at_the_keyframe_before(
    services: Services, payload: bytes, tmp_path: Path
) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    _record, package = export(services, start=T0 + timedelta(seconds=4.5))
    manifest = verify_package(io.BytesIO(package)).manifest
    assert manifest is not None
    # A copied clip starts on a keyframe (one a second here): the one at 4 s.
    assert manifest["covered"]["start"] == "2026-11-01T00:00:04Z"
    decoded = decode_file(video_of(package, tmp_path))
    assert decoded.duration + FRAME == pytest.approx(10.0, abs=FRAME)


def test_every_changed_manifest_field_and_a_flipped_video_byte_fail(
    services: Services, payload: bytes
) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    _record, package = export(services)
    key = services.exports.signer.public_key
    manifest = verify_package(io.BytesIO(package), key).manifest
    assert manifest is not None
    paths = leaf_paths(manifest)
    assert len(paths) >= 25
    for path in paths:
        tampered = with_manifest(package, changed(manifest, path))
        result = verify_package(io.BytesIO(tampered), key)
        assert not result.ok, path
        assert any(problem.startswith("signature:") for problem in result.problems), path
        if path in (("video", "sha256"), ("video", "size")):
            assert any(f"manifest field video.{path[1]}" in p for p in result.problems)
    flipped = flip_byte(package, "export-1.mp4")
    result = verify_package(io.BytesIO(flipped), key)
    assert not result.ok
    assert [problem.split(" (")[0] for problem in result.problems] == [
        "manifest field video.sha256"
    ]


def test_missing_members_and_foreign_files_are_named(services: Services, payload: bytes) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    _record, package = export(services)
    contents = members(package)
    for name in ("manifest.sig", "export-public-key.pem", "export-1.mp4"):
        reduced = {key: value for key, value in contents.items() if key != name}
        result = verify_package(io.BytesIO(rebuild(reduced)))
        assert f"missing member {name}" in result.problems
    assert verify_package(io.BytesIO(b"not a zip at all")).problems == [
        "not a mimamoru export: not a zip file"
    ]
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    result = verify_package(io.BytesIO(other.getvalue()))
    assert result.not_an_export
    assert result.problems == ["not a mimamoru export: it has no manifest.json"]


def test_gaps_are_listed_and_kept_in_the_timeline(
    services: Services, payload: bytes, tmp_path: Path
) -> None:
    write_video_segments(services, 1, T0, 2, payload)  # 0-8 s
    write_video_segments(services, 1, T0 + timedelta(seconds=12), 2, payload)  # 12-20 s
    record, package = export(services, start=T0, end=T0 + timedelta(seconds=20))
    assert record.gaps == (
        {"start": "2026-11-01T00:00:08Z", "end": "2026-11-01T00:00:12Z", "reason": "no recording"},
    )
    manifest = verify_package(io.BytesIO(package)).manifest
    assert manifest is not None
    assert manifest["gaps"] == list(record.gaps)
    decoded = decode_file(video_of(package, tmp_path))
    assert decoded.frames == 16 * RATE
    assert decoded.max_gap_seconds == pytest.approx(4.0 + FRAME, abs=FRAME)
    assert decoded.duration + FRAME == pytest.approx(20.0, abs=FRAME)


def test_bad_orders_are_refused_with_the_reason(services: Services, payload: bytes) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    far = T0 + timedelta(hours=3)
    with pytest.raises(
        ValidationFailedError, match=r"2026-11-01T00:00:00Z to 2026-11-01T00:00:20Z"
    ):
        services.exports.create(ADMIN, order(start=far, end=far + timedelta(minutes=1)))
    with pytest.raises(ValidationFailedError, match="longer than the maximum of 60 minutes"):
        services.exports.create(ADMIN, order(end=T0 + timedelta(minutes=61)))
    with pytest.raises(ValidationFailedError, match="needs the document's reference"):
        services.exports.create(ADMIN, order(reference=""))
    with pytest.raises(ValidationFailedError, match="legal_basis 'hearsay'"):
        services.exports.create(ADMIN, order(legal_basis="hearsay"))
    with pytest.raises(ValidationFailedError, match="recipient is required"):
        services.exports.create(ADMIN, order(recipient="  "))
    services.cameras.set_export_without_approval(1, False, "admin")
    with pytest.raises(ValidationFailedError, match="request_id is required"):
        services.exports.create(ADMIN, order())
    assert services.exports.recent(None) == []


def test_register_survives_retention_and_expiry(
    services: Services, payload: bytes, clock: ManualClock
) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    export(services)
    export(services, legal_basis="internal", recipient="internal", reference="")
    entries = services.exports.register.list()
    assert len(entries) == 1, "internal use is not a provision to a third party"
    entry = entries[0]
    assert entry.recipient == "Kanagawa Prefectural Police, Naka station"
    assert entry.legal_basis == "law" and entry.export_id == 1
    assert entry.keep_until == entry.provided_at.replace(year=entry.provided_at.year + 3)
    # Past the camera's 24 h retention and the exports' 30 days: footage and packages go.
    clock.advance(timedelta(days=31).total_seconds())
    services.retention.sweep()
    assert services.segments.in_range(1, T0, T0 + timedelta(days=1)) == []
    assert services.exports.sweep() == 2
    assert services.exports.get(1).state == "expired"
    assert not services.exports.package_path(1).exists()
    assert services.exports.register.list() == entries
    assert "2026-11-01" in services.exports.register.csv_text()
    # Three years on, the entry has done its duty and is pruned.
    clock.advance(timedelta(days=3 * 366).total_seconds())
    services.exports.sweep()
    assert services.exports.register.list() == []


def people(services: Services) -> tuple[Principal, Principal, Principal]:
    """A manager who asks, an administrator who approves, and a manager who is nobody here."""
    made = [
        services.accounts.create(
            username=name, password="tall-orange-kettle-7", role=Role.MANAGER, actor="t"
        )
        for name in ("ken", "sato")
    ]
    for account in made:  # both see the camera (live), neither may export it unasked
        services.grants.set_one(account.id, GrantRecord(1, frozenset({Operation.LIVE})), "t")
    admin = next(account for account in services.accounts.list() if account.username == "admin")
    return (
        Principal(made[0].id, "ken", Role.MANAGER),
        Principal(admin.id, "admin", Role.ADMIN),
        Principal(made[1].id, "sato", Role.MANAGER),
    )


def test_an_export_needs_an_approval_in_force(
    services: Services, payload: bytes, clock: ManualClock
) -> None:
    services.cameras.set_export_without_approval(1, False, "admin")
    write_video_segments(services, 1, T0, 5, payload)
    ken, admin, sato = people(services)
    request = services.requests.create(
        ken,
        camera_id=1,
        operation="export",
        start=T0,
        end=T0 + timedelta(seconds=20),
        reason="police inquiry about the theft",
    )
    with pytest.raises(ForbiddenError, match="not an approval in force"):
        services.exports.create(ken, order(request_id=request.id))
    services.requests.approve(admin, request.id)
    with pytest.raises(NotFoundError):  # someone else's request is not theirs to use
        services.exports.create(sato, order(request_id=request.id))
    with pytest.raises(ForbiddenError, match="covers"):
        services.exports.create(ken, order(request_id=request.id, end=T0 + timedelta(seconds=30)))
    record = services.exports.create(ken, order(request_id=request.id))
    assert (record.request_id, record.approvers) == (request.id, ("admin",))
    assert record.requester == "ken"
    done = services.exports.run(record.id)
    _size, body = services.exports.open_package(done, "ken", "127.0.0.1")
    manifest = verify_package(io.BytesIO(b"".join(body))).manifest
    assert manifest is not None
    assert (manifest["exporter"], manifest["approvers"], manifest["request_id"]) == (
        "ken",
        ["admin"],
        request.id,
    )
    # The approval lasts 24 h (requests.approval_hours); after that the same order is refused.
    clock.advance(timedelta(hours=24, seconds=1).total_seconds())
    with pytest.raises(ForbiddenError, match="not an approval in force"):
        services.exports.create(ken, order(request_id=request.id))
    assert [item.id for item in services.exports.recent(None)] == [record.id]


def test_a_job_cut_short_by_a_restart_runs_again(services: Services, payload: bytes) -> None:
    write_video_segments(services, 1, T0, 5, payload)
    record = services.exports.create(ADMIN, order())
    # As a server stopped in the middle of the job leaves it: running, a partial file.
    services.exports._set(record.id, state="running", progress=0.4)
    services.exports.root.mkdir(parents=True, exist_ok=True)
    services.exports.package_path(record.id).with_suffix(".pkg.part").write_bytes(b"partial")
    assert services.exports.unfinished() == [record.id]
    done = services.exports.run(record.id)
    assert done.state == "done", done.error
    _size, body = services.exports.open_package(done, "admin", "127.0.0.1")
    assert verify_package(io.BytesIO(b"".join(body))).ok
