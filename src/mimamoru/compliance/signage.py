"""Camera signage: the printed notice that a camera is recording (APPI Arts. 20-21).

One layout, drawn with reportlab on an A4 or A3 portrait page, gives both formats:
the PDF is the print original and the PNG is that same page rasterised by pdfium,
so a preview can never differ from what is printed. Every length below is given
for A4 and multiplied by the page's scale, so A3 is the same sign, larger.

Nothing here reads the database: the caller gathers a :class:`SignContent` (the
operator, the site, the cameras, their purposes and retention, the contact and
the public notice page's URL) and gets bytes back.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import segno
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from mimamoru.compliance.fonts import japanese_font
from mimamoru.compliance.sign_text import (
    INK,
    SUBTLE,
    Run,
    draw_runs,
    draw_text,
    fit,
    wrap_text,
)
from mimamoru.errors import ValidationFailedError

logger = logging.getLogger(__name__)

Paper = Literal["A4", "A3"]
Format = Literal["pdf", "png"]

PAPER_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "A3": A3}
FORMATS: tuple[str, ...] = ("pdf", "png")
# 200 dpi keeps 0.5 pt strokes and the QR modules sharp when the PNG is printed,
# and an A4 page stays a few hundred kilobytes.
PNG_DPI = 200
# Below this, a site sign gives the number of cameras instead of every name.
CROWDED_SCALE = 0.8
# ... and only if listing them costs more than this much of the designed type size.
NAMES_COST = 0.1

HEADING_JA = "防犯カメラ作動中"
HEADING_EN = "CCTV in operation"
QR_CAPTION = "詳しくは / Details"

SIGN_YELLOW = HexColor("#FFD400")

# pdfium is not thread-safe and the API renders from a thread pool.
_pdfium_lock = threading.Lock()


@dataclass(frozen=True)
class Purpose:
    """One purpose of use, as printed: Japanese and English names."""

    name_ja: str
    name_en: str


@dataclass(frozen=True)
class SignContent:
    """Everything a sign says. The caller formats retention (「30日間」 / "30 days")."""

    operator_name: str
    site_name: str
    camera_names: tuple[str, ...]
    purposes: tuple[Purpose, ...]
    retention_ja: str
    retention_en: str
    contact_lines: tuple[str, ...]
    notice_url: str


def render_signage(
    content: SignContent,
    paper: Paper = "A4",
    fmt: Format = "pdf",
    *,
    font_path: Path | None = None,
) -> bytes:
    """The sign as PDF or PNG bytes, on an A4 or A3 portrait page.

    Raises :class:`ValidationFailedError` for an unknown paper size or format, a sign
    without purposes or notice URL, or text too long to print legibly.
    """
    if paper not in PAPER_SIZES:
        raise ValidationFailedError(
            f"unsupported paper size {paper!r}: use one of {', '.join(PAPER_SIZES)}"
        )
    if fmt not in FORMATS:
        raise ValidationFailedError(f"unsupported format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not content.purposes:
        raise ValidationFailedError("a sign needs at least one purpose of use")
    if not content.notice_url.strip():
        raise ValidationFailedError("a sign needs the notice page's URL for its QR code")
    pdf = _render_pdf(content, PAPER_SIZES[paper], japanese_font(font_path))
    if fmt == "pdf":
        return pdf
    return pdf_page_to_png(pdf, dpi=PNG_DPI)


def pdf_page_to_png(pdf: bytes, *, dpi: int = PNG_DPI, page_index: int = 0) -> bytes:
    """Rasterise one page of a PDF to PNG with pdfium (bundled by pypdfium2)."""
    import pypdfium2

    with _pdfium_lock:
        document = pypdfium2.PdfDocument(pdf)
        try:
            image = document[page_index].render(scale=dpi / 72).to_pil()
        finally:
            document.close()
    out = io.BytesIO()
    # The dpi tag makes image viewers and printers print it at its true size. No
    # optimize=True: it takes about four times as long for 1-2 % fewer bytes.
    image.convert("RGB").save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


# --- drawing -------------------------------------------------------------------------------


def _render_pdf(content: SignContent, pagesize: tuple[float, float], font: str) -> bytes:
    width, height = pagesize
    k = width / A4[0]
    out = io.BytesIO()
    # invariant: no creation date or random ID, so the same sign gives the same bytes.
    # initialFontName: no unembedded Helvetica is referenced, only the embedded font.
    # (types-reportlab declares the parameter a float; reportlab takes a font name.)
    canvas = Canvas(
        out,
        pagesize=pagesize,
        invariant=True,
        pageCompression=1,
        initialFontName=font,  # type: ignore[arg-type]
    )
    canvas.setTitle(f"{HEADING_JA} / {HEADING_EN} — {content.site_name}")
    canvas.setAuthor(content.operator_name)
    canvas.setSubject("mimamoru camera signage")

    margin = 9 * mm * k
    inner_w = width - 2 * margin
    # The frame: a thick black border reads as "a sign" and survives bad printers.
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(2.2 * mm * k)
    canvas.roundRect(margin, margin, inner_w, height - 2 * margin, 6 * mm * k, stroke=1, fill=0)

    pad = 9 * mm * k
    band_h = 104 * mm * k
    band_top = height - margin - 1.1 * mm * k
    _draw_header(
        canvas, font, margin + 1.1 * mm * k, band_top - band_h, inner_w - 2.2 * mm * k, band_h, k
    )

    footer_h = 70 * mm * k
    footer_bottom = margin + pad * 0.8
    qr_side = 50 * mm * k
    text_x = margin + pad
    text_w = inner_w - 2 * pad
    body_top = band_top - band_h - 7 * mm * k
    body_bottom = footer_bottom + footer_h + 5 * mm * k
    runs, scale = _fit_body(content, font, text_w, body_top - body_bottom, k)
    # Drawn in reading order (body, then footer) so extracted text reads top to bottom.
    draw_runs(canvas, runs, font, text_x, body_top, text_w, scale)
    # The contact block grows no larger than the body, so type sizes stay in step, but
    # it does not shrink with a crowded body either: it has its own box.
    _draw_footer(
        canvas,
        font,
        content,
        text_x,
        footer_bottom,
        text_w,
        footer_h,
        qr_side,
        k,
        max(scale / k, 1.0),
    )

    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_header(
    canvas: Canvas, font: str, x: float, y: float, w: float, h: float, k: float
) -> None:
    canvas.setFillColor(SIGN_YELLOW)
    canvas.roundRect(x, y, w, h, 5 * mm * k, stroke=0, fill=1)
    # Square off the band's lower corners so it meets the white body in a straight line.
    canvas.rect(x, y, w, 6 * mm * k, stroke=0, fill=1)
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    _draw_camera_pictogram(canvas, x + w / 2 - 31 * mm * k, y + h - 46 * mm * k, 62 * mm * k)
    # The heading fills the band's width: the first thing read from across a room.
    size = 58 * k
    while stringWidth(HEADING_JA, font, size) > w - 16 * mm * k:
        size -= 1
    heading_w = stringWidth(HEADING_JA, font, size)
    draw_text(canvas, HEADING_JA, x + (w - heading_w) / 2, y + 25 * mm * k, font, size, True, 0.045)
    size_en = 30 * k
    en_w = stringWidth(HEADING_EN, font, size_en)
    draw_text(canvas, HEADING_EN, x + (w - en_w) / 2, y + 9 * mm * k, font, size_en, True, 0.04)


def _draw_camera_pictogram(canvas: Canvas, x: float, y: float, size: float) -> None:
    """A wall-mounted box camera with a lens hood, looking down to the left.

    Drawn on a 100 x 60 grid scaled to ``size`` wide; black on the yellow band.
    """
    u = size / 100
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(u, u)
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    # Wall plate and arm.
    canvas.roundRect(88, 8, 9, 40, 2, stroke=0, fill=1)
    canvas.setLineWidth(6)
    canvas.setLineCap(1)
    canvas.line(90, 28, 72, 28)
    canvas.line(72, 28, 66, 36)
    # The camera body, tilted down towards the viewer's left.
    canvas.saveState()
    canvas.translate(62, 42)
    canvas.rotate(14)
    canvas.roundRect(-48, -11, 58, 24, 4, stroke=0, fill=1)
    # Lens hood: a trapezoid wider at the front.
    path = canvas.beginPath()
    path.moveTo(-48, -8)
    path.lineTo(-60, -13)
    path.lineTo(-60, 15)
    path.lineTo(-48, 10)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    # A yellow lens and a status light make it read as a camera, not a box.
    canvas.setFillColor(SIGN_YELLOW)
    canvas.circle(-54, 1, 5.2, stroke=0, fill=1)
    canvas.setFillColor(INK)
    canvas.circle(-54, 1, 2.6, stroke=0, fill=1)
    canvas.setFillColor(SIGN_YELLOW)
    canvas.circle(2, 6, 2, stroke=0, fill=1)
    canvas.restoreState()
    # Recording waves in front of the lens.
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(3.2)
    for radius in (9, 16):
        canvas.arc(4 - radius, 24 - radius, 4 + radius, 24 + radius, startAng=150, extent=60)
    canvas.restoreState()


def _fit_body(
    content: SignContent, font: str, width: float, height: float, k: float
) -> tuple[list[Run], float]:
    """The body's paragraphs and type scale.

    A site's sign may name many cameras; when listing them all would shrink the whole
    body below CROWDED_SCALE, and giving their number instead would make the type
    noticeably larger, the sign gives the number (the notice page, behind the QR code,
    lists them).
    """
    runs = _body_runs(content, list_cameras=True)
    if len(content.camera_names) < 2:
        return runs, fit(runs, font, width, height, k)
    try:
        listed = fit(runs, font, width, height, k)
    except ValidationFailedError:
        listed = 0.0
    if listed >= CROWDED_SCALE * k:
        return runs, listed
    counted_runs = _body_runs(content, list_cameras=False)
    counted = fit(counted_runs, font, width, height, k)
    # Only when the names are what crowds the sign: a long operator name or many
    # purposes shrink it just as much either way, and then the names stay.
    if counted - listed > NAMES_COST * k:
        return counted_runs, counted
    return runs, listed


def _body_runs(content: SignContent, *, list_cameras: bool) -> list[Run]:
    runs = [
        Run("設置者 / Operator", 11, label=True),
        Run(content.operator_name, 24, bold=True, space_before=3),
        Run(f"設置場所 / Site: {content.site_name}", 14, space_before=2),
    ]
    count = len(content.camera_names)
    if count and list_cameras:
        label = "カメラ / Camera" if count == 1 else "カメラ / Cameras"
        runs.append(Run(f"{label}: {'、'.join(content.camera_names)}", 13, color=SUBTLE))
    elif count:
        runs.append(Run(f"カメラ / Cameras: {count}台 / {count} cameras", 13, color=SUBTLE))
    runs.append(Run("利用目的 / Purposes of use", 11, label=True, space_before=11))
    # More than four purposes go two to a row, or the list would crowd out the rest.
    two_columns = len(content.purposes) > 4
    for purpose in content.purposes:
        runs.append(
            Run(
                f"■ {purpose.name_ja}",
                20,
                bold=True,
                space_before=3,
                aside=purpose.name_en,
                aside_size=15,
                half=two_columns,
            )
        )
    runs.append(Run("保存期間 / Retention", 11, label=True, space_before=11))
    runs.append(
        Run(
            content.retention_ja,
            20,
            bold=True,
            space_before=3,
            aside=content.retention_en,
            aside_size=15,
        )
    )
    return runs


def _draw_footer(
    canvas: Canvas,
    font: str,
    content: SignContent,
    x: float,
    y: float,
    w: float,
    h: float,
    qr_side: float,
    k: float,
    largest: float,
) -> None:
    # A hairline separates the footer; the QR sits right, the contact left.
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8 * k)
    canvas.line(x, y + h + 2 * mm * k, x + w, y + h + 2 * mm * k)

    qr_x = x + w - qr_side
    caption_size = 13 * k
    caption_w = stringWidth(QR_CAPTION, font, caption_size)
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    draw_text(
        canvas,
        QR_CAPTION,
        qr_x + (qr_side - caption_w) / 2,
        y + h - caption_size,
        font,
        caption_size,
        True,
    )
    qr_y = y + h - caption_size * 1.5 - qr_side
    draw_qr(canvas, content.notice_url, qr_x, qr_y, qr_side)
    # The URL under the code, for those who type it: one right-aligned line when it
    # fits at a readable size, else wrapped to the code's width.
    url_room = qr_side + 45 * mm * k
    url_size = 9 * k
    while url_size > 6 * k and stringWidth(content.notice_url, font, url_size) > url_room:
        url_size -= 0.25 * k
    canvas.setFillColor(SUBTLE)
    canvas.setFont(font, url_size)
    if stringWidth(content.notice_url, font, url_size) <= url_room:
        canvas.drawRightString(x + w, qr_y - url_size * 1.3, content.notice_url)
    else:
        lines = wrap_text(content.notice_url, font, url_size, qr_side)[:3]
        for index, line in enumerate(lines):
            canvas.drawString(qr_x, qr_y - (index + 1) * url_size * 1.25, line)

    lines = [line for line in content.contact_lines if line.strip()]
    if not lines:
        # No contact yet (the dashboard lists it as missing): no empty heading either.
        return
    runs = [Run("お問い合わせ / Contact", 11, label=True)]
    runs.extend(Run(line, 13, space_before=2 if i == 0 else 0) for i, line in enumerate(lines))
    text_w = w - qr_side - 8 * mm * k
    scale = fit(runs, font, text_w, h, k, largest)
    draw_runs(canvas, runs, font, x, y + h, text_w, scale)


def draw_qr(canvas: Canvas, data: str, x: float, y: float, side: float) -> None:
    """A vector QR code of ``data`` filling a ``side`` square, quiet zone included.

    The square is painted white first, so the four-module quiet zone holds even on a
    coloured background; runs of dark modules are merged into one rectangle each.
    """
    qr = segno.make(data, error="m", micro=False)
    border = 4
    rows = [list(row) for row in qr.matrix]
    count = len(rows) + 2 * border
    module = side / count
    canvas.setFillColor(white)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillColor(INK)
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + side - (border + r) * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(x + (border + start) * module, top - module, (c - start) * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
