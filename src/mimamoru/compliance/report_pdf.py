"""A generic A4 PDF report: titled sections of rows, each with a status and a detail.

The compliance dashboard exports itself through this for an audit, but nothing here
knows about compliance: the caller builds a :class:`ReportDocument`. Statuses are
printed as words *and* colours (never colour alone, so a black-and-white copy still
reads), tables flow across pages with their header repeated (a row too tall for a
page continues in the next), and every page carries the report's title and "page n / N".
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from mimamoru.compliance.fonts import japanese_font

logger = logging.getLogger(__name__)

Status = Literal["ok", "attention", "missing"]

# Word and colours per status: (label, background, text colour).
STATUS_STYLES: dict[str, tuple[str, Color, Color]] = {
    "ok": ("OK 適合", HexColor("#1B7F3B"), white),
    "attention": ("要対応 Attention", HexColor("#F2B705"), HexColor("#111111")),
    "missing": ("未設定 Missing", HexColor("#B3261E"), white),
}

MARGIN = 16 * mm
INK = HexColor("#111111")
RULE = HexColor("#9A9A9A")
HEADER_FILL = HexColor("#E8E8E8")
CELL_PADDING = 6  # reportlab's default left/right cell padding, in points
# The tallest a row may be: a page's frame less the repeated header row, with room to spare.
MAX_ROW_HEIGHT = 200 * mm
SECTION_MIN_ROOM = 35 * mm


@dataclass(frozen=True)
class ReportRow:
    """One checked item: what, its status, why, and where it is fixed."""

    label: str
    status: Status
    detail: str
    link: str | None = None


@dataclass(frozen=True)
class ReportSection:
    title: str
    rows: tuple[ReportRow, ...]


@dataclass(frozen=True)
class ReportDocument:
    title: str
    subtitle: str
    generated_at: datetime
    sections: tuple[ReportSection, ...]


def render_report_pdf(document: ReportDocument, *, font_path: Path | None = None) -> bytes:
    """The report as an A4 portrait PDF with the Japanese font embedded."""
    font = japanese_font(font_path)
    styles = _styles(font)
    footer = f"{document.title} — {_when(document.generated_at)}"
    # "page n / N" needs N before page 1 is drawn: lay the report out once to count
    # its pages, then for real. Layout is deterministic, so both passes agree.
    counting = _template(io.BytesIO(), document, font)
    counting.build(_story(document, styles), onFirstPage=_no_footer, onLaterPages=_no_footer)
    total = counting.page

    def draw_footer(canvas: Canvas, template: BaseDocTemplate) -> None:
        page_width = A4[0]
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, MARGIN + 2 * mm, page_width - MARGIN, MARGIN + 2 * mm)
        canvas.setFillColor(INK)
        canvas.setFont(font, 8)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, footer)
        canvas.drawRightString(
            page_width - MARGIN, MARGIN - 2 * mm, f"{template.page} / {total} ページ / page"
        )
        canvas.restoreState()

    out = io.BytesIO()
    final = _template(out, document, font)
    final.build(_story(document, styles), onFirstPage=draw_footer, onLaterPages=draw_footer)
    if final.page != total:  # pragma: no cover - reportlab layout is deterministic
        logger.warning("report laid out on %s pages, then on %s", total, final.page)
    return out.getvalue()


def _no_footer(canvas: Canvas, template: BaseDocTemplate) -> None:
    """The counting pass draws nothing extra: the footer sits below the frame."""


def _template(out: io.BytesIO, document: ReportDocument, font: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=document.title,
        subject=document.subtitle,
        creator="mimamoru",
        # No creation date or random ID: the same report gives the same bytes.
        invariant=1,
        # Start pages in the embedded font so no unembedded Helvetica is referenced.
        initialFontName=font,
    )


def _story(document: ReportDocument, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The report's flowables; built afresh per pass, since building consumes them."""
    story: list[Flowable] = [
        Paragraph(_text(document.title), styles["title"]),
        Paragraph(_text(document.subtitle), styles["subtitle"]),
        Paragraph(_text(f"作成日時 / Generated: {_when(document.generated_at)}"), styles["meta"]),
        Spacer(1, 4 * mm),
    ]
    for section in document.sections:
        # A section's title never sits alone at the foot of a page: with less room left
        # than a title, the table header and a row or two, the section starts a new page.
        # (keepWithNext would move a long table's title away from a half-empty page.)
        story.append(CondPageBreak(SECTION_MIN_ROOM))
        story.append(Paragraph(_text(section.title), styles["section"]))
        story.append(_section_table(section, styles))
        story.append(Spacer(1, 5 * mm))
    return story


def _when(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="minutes")


def _text(value: str) -> str:
    """Paragraph takes markup; user text is escaped so ``<`` or ``&`` print as typed."""
    return escape(value).replace("\n", "<br/>")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # CJK wrapping breaks between any two Japanese characters (Japanese has no
    # spaces) and still splits a Latin word too long for its cell.
    base = ParagraphStyle(
        "base", fontName=font, fontSize=9, leading=12, textColor=INK, wordWrap="CJK"
    )
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=26, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=16),
        "meta": ParagraphStyle("meta", parent=base, fontSize=9, textColor=HexColor("#444444")),
        "section": ParagraphStyle(
            "section", parent=base, fontSize=13, leading=18, spaceBefore=2, spaceAfter=4
        ),
        "cell": base,
        "head": ParagraphStyle("head", parent=base, fontSize=9),
        "status": ParagraphStyle("status", parent=base, fontSize=9, alignment=1),
        "link": ParagraphStyle("link", parent=base, fontSize=8, textColor=HexColor("#1A4F9C")),
    }


def _section_table(section: ReportSection, styles: dict[str, ParagraphStyle]) -> Table:
    width = A4[0] - 2 * MARGIN
    widths = [width * 0.30, width * 0.17, width * 0.53]
    data: list[list[Any]] = [
        [
            Paragraph("項目 / Item", styles["head"]),
            Paragraph("状態 / Status", styles["status"]),
            Paragraph("詳細 / Detail", styles["head"]),
        ]
    ]
    commands: list[tuple[Any, ...]] = [
        # Tables select their own font before drawing cells (Helvetica unless told),
        # which would put an unembedded font in the PDF.
        ("FONTNAME", (0, 0), (-1, -1), styles["cell"].fontName),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (1, 1), (1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if not section.rows:
        data.append(
            [
                Paragraph("—", styles["cell"]),
                Paragraph("—", styles["status"]),
                Paragraph("項目なし / No items", styles["cell"]),
            ]
        )
    detail_width = widths[2] - 2 * CELL_PADDING
    for row in section.rows:
        label, fill, ink = STATUS_STYLES[row.status]
        status_style = ParagraphStyle(
            f"status-{row.status}", parent=styles["status"], textColor=ink
        )
        parts = _split(Paragraph(_text(row.detail), styles["cell"]), detail_width)
        for part_number, part in enumerate(parts):
            detail: list[Flowable] = [part]
            if row.link and part_number == len(parts) - 1:
                detail.append(Paragraph(_link(row.link), styles["link"]))
            row_label = _text(row.label)
            if part_number:
                row_label += " (続き / continued)"
            data.append(
                [Paragraph(row_label, styles["cell"]), Paragraph(label, status_style), detail]
            )
            commands.append(("BACKGROUND", (1, len(data) - 1), (1, len(data) - 1), fill))
    # repeatRows keeps the header on every page the table reaches.
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(commands))


def _link(target: str) -> str:
    """Markup for a row's link: clickable only for http(s) URLs.

    Anything else (a relative path, another scheme) is printed but not made a link:
    a PDF has no base URL to resolve a path against, and a ``javascript:`` or ``file:``
    target must not become an action a reader can click.
    """
    shown = f"→ {_text(target)}"
    if urlsplit(target).scheme.lower() in {"http", "https"}:
        return f"<a href={quoteattr(target)}>{shown}</a>"
    return shown


def _split(paragraph: Paragraph, width: float) -> list[Flowable]:
    """A detail too tall for one page, cut into pieces that each fit one.

    A table row cannot break across pages (and reportlab's in-row splitting loses
    text), so a long detail becomes several rows, cut where the paragraph itself
    would break at a page end.
    """
    parts: list[Flowable] = []
    rest: Flowable = paragraph
    while True:
        _, height = rest.wrap(width, MAX_ROW_HEIGHT)
        if height <= MAX_ROW_HEIGHT:
            parts.append(rest)
            return parts
        pieces = rest.split(width, MAX_ROW_HEIGHT)
        if len(pieces) < 2:  # cannot be cut further: let it stand as it is
            parts.append(rest)
            return parts
        parts.append(pieces[0])
        rest = pieces[1]
