"""A 5x7 bitmap font for the few characters a timestamp needs.

PyAV's FFmpeg build has no drawtext filter (no FreeType), so the test pattern's
clock is drawn with this instead.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    ":": ("00000", "01100", "01100", "00000", "01100", "01100", "00000"),
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    " ": ("00000",) * 7,
    "Z": ("11111", "00001", "00010", "00100", "01000", "10000", "11111"),
}


@lru_cache(maxsize=64)
def _glyph(char: str) -> npt.NDArray[np.bool_]:
    rows = _GLYPHS.get(char, _GLYPHS[" "])
    return np.array([[bit == "1" for bit in row] for row in rows], dtype=np.bool_)


def render_text(text: str, scale: int = 1) -> npt.NDArray[np.bool_]:
    """A boolean bitmap of ``text``: one column of spacing between characters."""
    spacer = np.zeros((7, 1), dtype=np.bool_)
    pieces: list[npt.NDArray[np.bool_]] = []
    for char in text:
        pieces.extend((_glyph(char), spacer))
    bitmap = np.hstack(pieces) if pieces else np.zeros((7, 1), dtype=np.bool_)
    if scale > 1:
        bitmap = np.kron(bitmap, np.ones((scale, scale), dtype=np.bool_)).astype(np.bool_)
    return bitmap
