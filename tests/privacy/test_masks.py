import numpy as np
import pytest

from mimamoru.errors import ValidationFailedError
from mimamoru.privacy.masks import (
    MaskRaster,
    block_means,
    chroma_cover,
    mask_from_text,
    parse_masks,
    rasterise,
    smooth,
)

SQUARE = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]]


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        ([{"points": [[0, 0], [1, 1]]}], "mask 0: a polygon needs at least 3 points, got 2"),
        ([{"points": SQUARE}, {"points": [[0, 0], [1.5, 0], [1, 1]]}], "mask 1: point 1 (1.5, 0)"),
        ([{"points": [[0, 0], [1, 1], [1, 0], [0, 1]]}], "mask 0: the polygon intersects itself"),
        ([{"points": SQUARE, "fill": "pink"}], "mask 0: unknown fill 'pink'"),
        ([{"points": SQUARE, "fill": "mosaic", "block_size": 1}], "mask 0: mosaic block size 1"),
        (
            [{"points": SQUARE, "fill": "mosaic", "block_size": 10**9}],
            "mask 0: mosaic block size 1000000000 is too large (at most 256)",
        ),
        ([{"points": [[0, 0], [0.5, 0.5], [1, 1]]}], "mask 0: the polygon has no area"),
        ([{"points": SQUARE, "colour": "red"}], "mask 0: unknown field(s) colour"),
        ([{"points": [[0, 0], ["a", 1], [1, 1]]}], "mask 0: point 1 must be [x, y]"),
        (["square"], "mask 0: must be an object"),
    ],
)
def test_bad_masks_name_the_index_and_reason(masks: list[object], message: str) -> None:
    with pytest.raises(ValidationFailedError) as excinfo:
        parse_masks(masks)
    assert str(excinfo.value).startswith(message)


def test_defaults_and_round_trip() -> None:
    (mask,) = parse_masks([{"points": SQUARE}])
    assert mask.fill == "gray"
    assert parse_masks([mask.as_dict()]) == (mask,)
    (mosaic,) = parse_masks([{"points": SQUARE, "fill": "mosaic", "block_size": 8}])
    assert mosaic.as_dict()["block_size"] == 8


def test_rasterise_square() -> None:
    inside = rasterise([(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)], 8, 8)
    expected = np.zeros((8, 8), bool)
    expected[2:6, 2:6] = True
    assert np.array_equal(inside, expected)


def test_chroma_covers_any_touched_sample() -> None:
    luma = np.zeros((4, 4), bool)
    luma[1, 1] = True  # a single luma pixel still masks the chroma sample it belongs to
    assert chroma_cover(luma, 2, 2).tolist() == [[True, False], [False, False]]
    odd = np.ones((3, 3), bool)
    assert chroma_cover(odd, 2, 2).all()


def test_fills_on_all_planes() -> None:
    for fill, y_value in (("gray", 128), ("black", 16)):
        raster = MaskRaster(parse_masks([{"points": SQUARE, "fill": fill}]), 16, 16)
        y = np.full((16, 16), 200, np.uint8)
        u = np.full((8, 8), 50, np.uint8)
        v = np.full((8, 8), 60, np.uint8)
        raster.apply([y, u, v])
        assert (y[4:12, 4:12] == y_value).all() and (y[:4] == 200).all()
        assert (u[2:6, 2:6] == 128).all() and (v[2:6, 2:6] == 128).all()
        assert (u[:2] == 50).all()


def test_mosaic_and_blur_remove_detail() -> None:
    checker = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)
    mosaic = block_means(checker, 8)
    assert np.abs(mosaic.astype(int) - 128).max() <= 1
    blurred = smooth(checker, 8)
    assert np.abs(np.diff(blurred.astype(int), axis=1)).max() <= 2


def test_mask_text_form() -> None:
    assert mask_from_text(0, "0.1,0.1 0.5,0.1 0.5,0.5 fill=mosaic block=8") == {
        "points": [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]],
        "fill": "mosaic",
        "block_size": 8,
    }
    with pytest.raises(ValidationFailedError, match=r"mask 2: '0\.1;0\.1' is not a point"):
        mask_from_text(2, "0.1;0.1 0.5,0.5 0.2,0.2")
