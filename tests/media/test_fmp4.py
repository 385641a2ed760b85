import io
import struct
from collections.abc import Callable

import av
import av.container
import numpy as np
import pytest

from mimamoru.media.fmp4 import BoxSplitter, avc_codec_string, starts_with_sync_sample
from mimamoru.media.segmenter import fragmented_mp4_options


def box(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_splits_init_and_fragments_across_arbitrary_chunks() -> None:
    inits: list[bytes] = []
    fragments: list[bytes] = []
    splitter = BoxSplitter(inits.append, fragments.append)
    init = box(b"ftyp", b"isom") + box(b"moov", b"x" * 20)
    fragment_1 = box(b"moof", b"a" * 10) + box(b"mdat", b"b" * 100)
    fragment_2 = box(b"moof", b"c" * 10) + box(b"mdat", b"d" * 50)
    stream = init + fragment_1 + fragment_2 + box(b"mfra", b"z")
    for index in range(0, len(stream), 7):
        splitter.feed(stream[index : index + 7])
    assert inits == [init]
    assert fragments == [fragment_1, fragment_2]


def test_corrupt_box_size_is_rejected() -> None:
    splitter = BoxSplitter(lambda _b: None, lambda _b: None)
    with pytest.raises(ValueError, match="corrupt MP4 box"):
        splitter.feed(struct.pack(">I4s", 3, b"moof"))


def test_codec_string_from_avcc() -> None:
    init = box(b"moov", b"....avcC" + bytes([1, 0x64, 0x00, 0x1F, 0xFF]))
    assert avc_codec_string(init) == "avc1.64001F"


def test_codec_string_fallback() -> None:
    assert avc_codec_string(b"") == "avc1.42E01E"


# -- sync samples in real muxed output ---------------------------------------------------

RATE = 15
GOP = 15  # one second
FRAMES = 45


def mux(write_packets: Callable[[av.container.OutputContainer], None]) -> tuple[bytes, list[bytes]]:
    """The segmenter's muxer options over a BoxSplitter: the whole file and its fragments."""
    fragments: list[bytes] = []
    splitter = BoxSplitter(lambda _init: None, fragments.append)
    whole = bytearray()

    class Sink:
        def write(self, data: bytes | memoryview) -> int:
            whole.extend(data)
            splitter.feed(bytes(data))
            return len(data)

    with av.open(Sink(), "w", format="mp4", options=fragmented_mp4_options(200)) as container:
        write_packets(container)
    return bytes(whole), fragments


def encoded() -> tuple[bytes, list[bytes]]:
    def write(container: av.container.OutputContainer) -> None:
        stream = container.add_stream("libx264", rate=RATE, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.codec_context.gop_size = GOP
        for index in range(FRAMES):
            pixels = np.full((120, 160, 3), index * 5 % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

    return mux(write)


def first_frames(whole: bytes, fragments: list[bytes]) -> list[bool]:
    """Decoded: whether each fragment's first frame is a keyframe."""
    init = whole[: whole.index(fragments[0])]
    keys = []
    played = b""
    for fragment in fragments:
        # Decoded with everything before it, so in-between fragments decode too.
        before = len(decode(init + played))
        played += fragment
        keys.append(decode(init + played)[before])
    return keys


def decode(data: bytes) -> list[bool]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.key_frame for frame in container.decode(video=0)]


def test_encoded_fragments_are_cut_between_keyframes_and_tell_which_start_on_one() -> None:
    whole, fragments = encoded()
    # 200 ms at 15 fps: three frames a fragment, five a one-second keyframe interval.
    assert len(fragments) == FRAMES // 3
    flags = [starts_with_sync_sample(f) for f in fragments]
    assert flags == [index % 5 == 0 for index in range(len(fragments))]
    assert flags == first_frames(whole, fragments)
    assert decode(whole).count(True) == FRAMES // GOP, "the stored file still plays whole"
    # Demuxed packets keep their keyframe flags (exports copy clips from a keyframe).
    with av.open(io.BytesIO(whole)) as container:
        keys = [p.is_keyframe for p in container.demux(video=0) if p.dts is not None]
    assert [i for i, key in enumerate(keys) if key] == list(range(0, FRAMES, GOP))


def test_stream_copied_fragments_tell_which_start_on_a_keyframe() -> None:
    source, _ = encoded()

    def write(container: av.container.OutputContainer) -> None:
        with av.open(io.BytesIO(source)) as reader:
            template = reader.streams.video[0]
            stream = container.add_stream_from_template(template)
            for packet in reader.demux(template):
                if packet.dts is not None:
                    packet.stream = stream
                    container.mux(packet)

    whole, fragments = mux(write)
    flags = [starts_with_sync_sample(f) for f in fragments]
    assert flags.count(True) == FRAMES // GOP < len(flags)
    assert flags == first_frames(whole, fragments)
    assert decode(whole).count(True) == FRAMES // GOP


def full_box(kind: bytes, flags: int, payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", flags) + payload)


def fragment(tfhd: bytes, trun: bytes) -> bytes:
    return box(b"moof", box(b"mfhd", b"\0" * 8) + box(b"traf", tfhd + trun)) + box(b"mdat")


@pytest.mark.parametrize(
    ("tfhd", "trun", "sync"),
    [
        # Default flags in tfhd (after default duration and size), overridden by nothing.
        (full_box(b"tfhd", 0x38, struct.pack(">IIII", 1, 3, 9, 0x10000)), None, False),
        (full_box(b"tfhd", 0x38, struct.pack(">IIII", 1, 3, 9, 0x2000000)), None, True),
        # trun first-sample flags (after the data offset) win over the tfhd default.
        (
            full_box(b"tfhd", 0x20, struct.pack(">II", 1, 0x10000)),
            full_box(b"trun", 0x05, struct.pack(">IiI", 2, 0, 0x2000000)),
            True,
        ),
        # trun per-sample flags (after duration and size) for the first sample.
        (
            full_box(b"tfhd", 0x00, struct.pack(">I", 1)),
            full_box(b"trun", 0x700, struct.pack(">IIII", 1, 3, 9, 0x10000)),
            False,
        ),
        # Nothing says: counts as a sync sample (the trex default is in the init segment).
        (full_box(b"tfhd", 0x00, struct.pack(">I", 1)), None, True),
    ],
)
def test_sync_sample_flags_are_read_from_tfhd_and_trun(
    tfhd: bytes, trun: bytes | None, sync: bool
) -> None:
    assert starts_with_sync_sample(fragment(tfhd, trun or b"")) is sync


def test_something_that_is_not_a_fragment_counts_as_starting_on_a_keyframe() -> None:
    assert starts_with_sync_sample(b"not a box")
    assert starts_with_sync_sample(box(b"mdat", b"x"))
