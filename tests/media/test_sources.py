import re

import pytest

from mimamoru.errors import SourceError
from mimamoru.media.sources import parse_source, redact_source


@pytest.mark.parametrize(
    ("url", "kind", "target"),
    [
        ("rtsp://user:pw@10.0.0.5:554/stream1", "rtsp", "rtsp://user:pw@10.0.0.5:554/stream1"),
        ("rtsps://cam.example/live", "rtsp", "rtsps://cam.example/live"),
        ("http://cam.example/mjpg/video.mjpg", "http", "http://cam.example/mjpg/video.mjpg"),
        ("https://cam.example/live.m3u8", "https", "https://cam.example/live.m3u8"),
        ("file:///srv/video/demo.mp4", "file", "/srv/video/demo.mp4"),
        ("test://pattern?size=1280x720&rate=15", "test", "testsrc2=size=1280x720:rate=15"),
        ("test://pattern", "test", "testsrc2=size=640x360:rate=15"),
    ],
)
def test_supported_sources(url: str, kind: str, target: str) -> None:
    spec = parse_source(url)
    assert spec.kind == kind
    assert spec.open_target == target


def test_rtsp_uses_tcp() -> None:
    assert parse_source("rtsp://cam/x").options == {"rtsp_transport": "tcp"}


def test_file_and_test_sources_play_in_real_time() -> None:
    assert parse_source("file:///a.mp4").realtime and parse_source("file:///a.mp4").loop
    assert parse_source("test://pattern").burn_in_clock


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("ftp://cam/x", "unsupported camera source scheme 'ftp'"),
        ("cam.local/stream", "unsupported camera source scheme '(none)'"),
        ("rtsp://", "has no host name"),
        ("rtsp://cam:99999/x", "malformed camera source URL"),
        ("rtsp://cam/with space", "spaces or control characters"),
        ("file://server/share/a.mp4", "must be local paths"),
        ("file://", "absolute path"),
        ("test://pattern?size=big", "is not WIDTHxHEIGHT"),
        ("test://pattern?size=99999x99999", "out of range"),
        ("test://pattern?size=321x240", "out of range"),
        ("test://pattern?rate=fast", "is not a number"),
        ("test://pattern?rate=500", "out of range"),
        ("test://pattern?colour=red", "unknown test pattern parameter"),
        ("test://bars", "test://pattern"),
    ],
)
def test_bad_sources_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(SourceError, match=re.escape(message)):
        parse_source(url)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:secret@10.0.0.5:554/s1", "rtsp://admin:***@10.0.0.5:554/s1"),
        ("rtsp://admin@10.0.0.5/s1", "rtsp://admin:***@10.0.0.5/s1"),
        ("rtsp://:secret@cam/s1", "rtsp://:***@cam/s1"),
        ("rtsp://cam/s1", "rtsp://cam/s1"),
        ("http://u:p%40ss@[::1]:8080/x?y=1", "http://u:***@[::1]:8080/x?y=1"),
    ],
)
def test_redaction(url: str, shown: str) -> None:
    assert redact_source(url) == shown
    assert "secret" not in redact_source(url)
