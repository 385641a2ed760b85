"""After a real recording run, nothing under the data dir shows footage in the clear."""

from __future__ import annotations

import re
from pathlib import Path

from tests.api.test_server import wait_for_recordings
from tests.conftest import Installation, ServerFactory
from tests.support.media import make_h264_file, packet_payloads

# Signatures long enough that random ciphertext will not contain them by chance.
PLAINTEXT_SIGNS = re.compile(
    rb"ftyp(iso|mp4|avc|dash)"  # an MP4 file type box
    rb"|moof\x00\x00\x00\x10mfhd"  # a movie fragment
    rb"|mdat\x00\x00\x00"  # media data with an H.264 length prefix
    rb"|x264 - core"  # the encoder's SEI message in the first keyframe
    rb"|\xff\xd8\xff\xe0\x00\x10JFIF"  # a JPEG
)
WINDOW = 48


def source_windows(clip: Path) -> list[bytes]:
    """Pieces from the middle of the clip's compressed frames, as stream copy would store them."""
    windows = []
    for payload in packet_payloads(clip):
        if len(payload) >= 3 * WINDOW:
            middle = len(payload) // 2
            windows.append(payload[middle : middle + WINDOW])
    return windows


def test_no_plaintext_at_rest_after_recording(
    installation: Installation, start_server: ServerFactory, tmp_path: Path
) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", seconds=2.0, rate=15, size="640x360")
    windows = source_windows(clip)
    assert len(windows) > 10
    server = start_server()
    with server.client() as client:
        client.headers["Authorization"] = f"Bearer {server.login(client)}"
        copied = client.post(
            "/api/v1/cameras",
            json={"name": "copy", "source": f"file://{clip}", "purposes": ["crime_prevention"]},
        ).json()["id"]
        masked = client.post(
            "/api/v1/cameras",
            json={
                "name": "masked",
                "source": "test://pattern?size=320x240&rate=10",
                "masks": [{"points": [[0, 0], [0.5, 0], [0.5, 0.5]], "fill": "black"}],
                "purposes": ["crime_prevention"],
            },
        ).json()["id"]
        wait_for_recordings(client, copied, 3)
        wait_for_recordings(client, masked, 3)
        assert client.get(f"/api/v1/cameras/{masked}/snapshot").status_code in (200, 503)
        # The same bytes come out decrypted: the scan below is looking for the right things.
        first = client.get(f"/api/v1/cameras/{copied}/recordings").json()[0]
        served = client.get(f"/api/v1/recordings/{first['id']}").content
        assert PLAINTEXT_SIGNS.search(served)
        assert any(window in served for window in windows)

    scanned = 0
    for path in sorted(installation.data_dir.rglob("*")):
        if not path.is_file():
            continue
        content = path.read_bytes()
        scanned += len(content)
        found = PLAINTEXT_SIGNS.search(content)
        assert found is None, f"{path} holds {found.group(0)!r}"
        assert not any(window in content for window in windows), f"{path} holds source bytes"
    assert scanned > 500_000, "the recordings were part of the scan"
