"""Reading rendered PDFs back the way a viewer would: text, fonts and where text lands."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from mimamoru.compliance.fonts import japanese_font


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def squashed(text: str) -> str:
    """Text without whitespace: wrapping may break a line anywhere."""
    return "".join(text.split())


def all_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(pdf).pages)


@dataclass(frozen=True)
class FontInfo:
    base_font: str
    subtype: str
    embedded_as: str | None  # FontFile, FontFile2 or FontFile3; None when not embedded


def fonts(pdf: bytes) -> list[FontInfo]:
    """Every font referenced by any page, with how (whether) its program is embedded."""
    found: dict[str, FontInfo] = {}
    for page in reader(pdf).pages:
        resources = page["/Resources"].get_object()
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            descriptor_owner = font
            if "/DescendantFonts" in font:
                descriptor_owner = font["/DescendantFonts"][0].get_object()
            descriptor = descriptor_owner.get("/FontDescriptor")
            embedded = None
            if descriptor is not None:
                descriptor = descriptor.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        embedded = key[1:]
            found[str(font["/BaseFont"])] = FontInfo(
                str(font["/BaseFont"]), str(font["/Subtype"]), embedded
            )
    return list(found.values())


def _mult(m: Any, n: Any) -> list[float]:
    """The product of two PDF matrices [a b c d e f] (row vectors, as in the spec)."""
    return [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]


@dataclass(frozen=True)
class TextBox:
    page: int
    text: str
    left: float
    right: float
    bottom: float
    top: float
    page_width: float
    page_height: float


def text_boxes(pdf: bytes) -> list[TextBox]:
    """Where each shown string lands on its page, in points (width from the font's metrics)."""
    font = japanese_font()
    boxes: list[TextBox] = []
    for number, page in enumerate(reader(pdf).pages):
        width = float(page.mediabox.width)
        height = float(page.mediabox.height)

        def visit(
            text: str,
            cm: Any,
            tm: Any,
            font_dict: Any,
            font_size: float,
            n: int = number,
            width: float = width,
            height: float = height,
        ) -> None:
            if not text.strip():
                return
            matrix = _mult(tm, cm)
            scale_x = (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5
            scale_y = (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5
            x, y = matrix[4], matrix[5]
            boxes.append(
                TextBox(
                    n,
                    text,
                    x,
                    x + stringWidth(text.strip(), font, font_size) * scale_x,
                    y - 0.2 * font_size * scale_y,
                    y + 0.9 * font_size * scale_y,
                    width,
                    height,
                )
            )

        page.extract_text(visitor_text=visit)
    return boxes
