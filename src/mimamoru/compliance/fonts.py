"""The Japanese font that signage and reports embed.

reportlab embeds TrueType outlines (``glyf``) but not CFF-based OpenType, so the
Noto CJK ``.otf``/``.ttc`` files cannot be used; IPAex Gothic (Debian
``fonts-ipaexfont-gothic``, a TrueType font under the IPA Font License) can, and it
covers JIS X 0213 kanji plus Latin with proportional widths, so one face prints both
languages. ``scripts/demo.sh`` and ``scripts/test.sh`` install it. Another TrueType
Japanese font can be named with the ``[fonts] font_path`` setting.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from mimamoru.errors import MimamoruError

logger = logging.getLogger(__name__)

FONT_PACKAGE = "fonts-ipaexfont-gothic"

# Where Debian puts TrueType Japanese gothic faces, best first. IPAex comes first
# because it is what the install scripts provide; the others are accepted when an
# operator already has one of them.
DEFAULT_FONT_PATHS: tuple[Path, ...] = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"),
    Path("/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf"),
    Path("/usr/share/fonts/truetype/vlgothic/VL-Gothic-Regular.ttf"),
)

_lock = threading.Lock()
# reportlab's font registry is process-wide; one registered name per file keeps a
# second call cheap and lets two settings name two fonts side by side.
_registered: dict[Path, str] = {}


class FontError(MimamoruError):
    """The Japanese font for signage and reports is missing or unusable."""


def find_font(
    configured: Path | None = None, candidates: Sequence[Path] = DEFAULT_FONT_PATHS
) -> Path:
    """The font file to use: the configured one, else the first installed default."""
    if configured is not None:
        if not configured.is_file():
            raise FontError(
                f"the Japanese font {configured} set in [fonts] font_path does not exist; "
                f"point it at a TrueType (.ttf) Japanese font or install the Debian package "
                f"{FONT_PACKAGE}"
            )
        return configured
    for path in candidates:
        if path.is_file():
            return path
    raise FontError(
        f"no Japanese font found (looked for {candidates[0]} and {len(candidates) - 1} others); "
        f"install the Debian package {FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) "
        f"or set [fonts] font_path to a TrueType Japanese font"
    )


def japanese_font(configured: Path | None = None) -> str:
    """Register the Japanese font with reportlab and return its name for ``setFont``."""
    path = find_font(configured)
    with _lock:
        name = _registered.get(path)
        if name is not None:
            return name
        name = f"MimamoruJP{len(_registered)}"
        try:
            font = TTFont(name, str(path))
        except TTFError as exc:
            raise FontError(
                f"the font {path} cannot be embedded ({exc}); reportlab needs TrueType "
                f"outlines, not CFF/OpenType such as Noto CJK .otf; install {FONT_PACKAGE}"
            ) from exc
        pdfmetrics.registerFont(font)
        _registered[path] = name
        logger.info("registered Japanese font %s from %s", name, path)
        return name
