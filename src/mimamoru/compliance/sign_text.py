"""Measured text for the printed sign: line breaking, fitting a box, drawing.

reportlab's own paragraphs shrink a whole frame or overflow it; a sign needs type
that wraps Japanese and English correctly, grows or shrinks to fill its box, and is
refused below a legible size. So the sign's text is laid out here, line by line,
with the font's real metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from mimamoru.errors import ValidationFailedError

INK = HexColor("#111111")
SUBTLE = HexColor("#3a3a3a")
# Below this fraction of the designed type sizes the sign no longer reads from a
# few metres away; refuse instead of printing something nobody can read.
MIN_TEXT_SCALE = 0.45
MAX_TEXT_SCALE = 1.2  # a sign with little to say grows its type up to this


@dataclass(frozen=True)
class Run:
    """A paragraph of the sign: sizes and gaps are points on A4, before fitting.

    ``aside`` is a smaller second text (the English beside the Japanese) that follows on
    the same line when both fit, else on lines of its own below. ``label`` draws the
    text white on a black tab, as a section heading. Two consecutive ``half`` runs share
    a row, each in half the width.
    """

    text: str
    size: float
    bold: bool = False
    color: Color = INK
    indent: float = 0.0
    space_before: float = 0.0
    aside: str = ""
    aside_size: float = 0.0
    label: bool = False
    half: bool = False


@dataclass(frozen=True)
class Placed:
    """One line of text ready to draw: offsets in points from the block's top left."""

    text: str
    x: float
    baseline: float
    size: float
    bold: bool
    color: Color
    label: bool


LEADING = 1.22
# Punctuation that must not begin a line (kinsoku): it stays with the character before.
_NO_LINE_START = set("、。，．・：；？！ー）」』】〕〉》〟’”%)]},.:;!?")  # noqa: RUF001


def _is_cjk(char: str) -> bool:
    return ord(char) >= 0x2E80


def _tokens(text: str) -> list[str]:
    """Split where a line may break: after spaces, and between CJK characters."""
    tokens: list[str] = []
    current = ""
    for char in text:
        if current and char in _NO_LINE_START:
            current += char
        elif _is_cjk(char) or char.isspace():
            if current:
                tokens.append(current)
            current = char
            if char.isspace():
                tokens.append(current)
                current = ""
        else:
            if current and _is_cjk(current[-1]):
                tokens.append(current)
                current = ""
            current += char
    if current:
        tokens.append(current)
    return tokens


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking that fits ``width`` points; a word too long is cut anywhere."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in _tokens(paragraph):
            candidate = line + token
            if stringWidth(candidate.rstrip(), font, size) <= width:
                line = candidate
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = token.lstrip()
            while stringWidth(line, font, size) > width and len(line) > 1:
                cut = len(line) - 1
                while cut > 1 and stringWidth(line[:cut], font, size) > width:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


LABEL_PAD = 0.45  # label tab padding, in ems


COLUMN_GAP = 14  # points on A4 between two half-width runs


def plan(runs: list[Run], font: str, width: float, scale: float) -> tuple[list[Placed], float]:
    """Break ``runs`` into lines at ``scale``; returns the lines and the block's height.

    Consecutive ``half`` runs are set two to a row, each in half the width.
    """
    placed: list[Placed] = []
    y = 0.0
    index = 0
    while index < len(runs):
        run = runs[index]
        if run.half:
            pair = [r for r in runs[index : index + 2] if r.half]
            column_width = (width - COLUMN_GAP * scale) / 2
            row_height = 0.0
            for column, half_run in enumerate(pair):
                cell, height = plan([replace(half_run, half=False)], font, column_width, scale)
                offset = column * (column_width + COLUMN_GAP * scale)
                placed.extend(
                    replace(item, x=item.x + offset, baseline=item.baseline + y) for item in cell
                )
                row_height = max(row_height, height)
            y += row_height
            index += len(pair)
            continue
        index += 1
        size = run.size * scale
        indent = run.indent * scale
        y += run.space_before * scale
        if run.label:
            # A tab: one line, its height padded so the black box clears its neighbours.
            y += size * (LEADING + 2 * LABEL_PAD * 0.6)
            text = wrap_text(run.text, font, size, width - 2 * LABEL_PAD * size)[0]
            # White on black needs no faux bold: stroking would fill the small counters.
            placed.append(Placed(text, LABEL_PAD * size, y - size * 0.55, size, False, white, True))
            continue
        lines = wrap_text(run.text, font, size, width - indent)
        aside_size = run.aside_size * scale
        gap = size * 0.7
        inline = (
            run.aside
            and len(lines) == 1
            and indent
            + stringWidth(lines[0], font, size)
            + gap
            + stringWidth(run.aside, font, aside_size)
            <= width
        )
        for line in lines:
            y += size * LEADING
            placed.append(Placed(line, indent, y - size * 0.24, size, run.bold, run.color, False))
        if inline:
            x = indent + stringWidth(lines[0], font, size) + gap
            placed.append(Placed(run.aside, x, y - size * 0.24, aside_size, False, SUBTLE, False))
        elif run.aside:
            aside_indent = indent + stringWidth("■ ", font, size)
            for line in wrap_text(run.aside, font, aside_size, width - aside_indent):
                y += aside_size * LEADING
                placed.append(
                    Placed(
                        line, aside_indent, y - aside_size * 0.24, aside_size, False, SUBTLE, False
                    )
                )
    return placed, y


def fit(
    runs: list[Run],
    font: str,
    width: float,
    height: float,
    page_scale: float,
    largest: float = MAX_TEXT_SCALE,
) -> float:
    """The largest type scale (page scale x at most MAX_TEXT_SCALE) at which ``runs`` fit.

    A short sign grows its type to fill the space, for reading from further away.
    """
    factor = largest
    while factor >= MIN_TEXT_SCALE:
        if plan(runs, font, width, page_scale * factor)[1] <= height:
            return page_scale * factor
        factor -= 0.025
    raise ValidationFailedError(
        "the sign's text is too long to print legibly: shorten the operator, site, camera "
        "names, purposes or contact lines, or print on A3"
    )


def draw_text(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    font: str,
    size: float,
    bold: bool,
    weight: float = 0.03,
) -> None:
    # IPAex Gothic has no bold face; filling and stroking the outline is the usual
    # substitute and keeps the text extractable. The render mode is graphics state that
    # outlives the text object, so bold text is drawn inside its own save/restore.
    canvas.saveState()
    canvas.setLineWidth(size * weight)
    t = canvas.beginText(x, y)
    t.setFont(font, size)
    if bold:
        t.setTextRenderMode(2)
    t.textOut(text)
    canvas.drawText(t)
    canvas.restoreState()


def draw_runs(
    canvas: Canvas, runs: list[Run], font: str, x: float, top: float, width: float, scale: float
) -> None:
    """Draw ``runs`` downward from ``top`` at ``scale``."""
    lines, _ = plan(runs, font, width, scale)
    for line in lines:
        if line.label:
            pad = LABEL_PAD * line.size
            canvas.setFillColor(INK)
            canvas.roundRect(
                x + line.x - pad,
                top - line.baseline - line.size * 0.3 - pad * 0.6,
                stringWidth(line.text, font, line.size) + 2 * pad,
                line.size * 1.1 + pad * 1.2,
                line.size * 0.25,
                stroke=0,
                fill=1,
            )
        canvas.setFillColor(line.color)
        canvas.setStrokeColor(line.color)
        draw_text(canvas, line.text, x + line.x, top - line.baseline, font, line.size, line.bold)
