"""The generic A4 PDF report: Japanese text, statuses in words and colour, page flow."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.pagesizes import A4

from mimamoru.compliance.report_pdf import (
    STATUS_STYLES,
    ReportDocument,
    ReportRow,
    ReportSection,
    render_report_pdf,
)
from tests.compliance.pdfcheck import all_text, fonts, reader, squashed, text_boxes

GENERATED = datetime(2026, 11, 29, 1, 30, tzinfo=UTC)


def _rows(count: int) -> tuple[ReportRow, ...]:
    statuses = ("ok", "attention", "missing")
    return tuple(
        ReportRow(
            label=f"カメラ{i} / Camera {i}",
            status=statuses[i % 3],  # type: ignore[arg-type]
            detail=f"利用目的が未設定です (row {i}). Purpose of use is not set.",
            link=f"https://cams.example.jp/admin/cameras/{i}" if i % 2 else None,
        )
        for i in range(count)
    )


def _document(rows: int = 6) -> ReportDocument:
    return ReportDocument(
        title="コンプライアンス報告書 / Compliance report",
        subtitle="株式会社みまもり商店 — 全サイト / all sites",
        generated_at=GENERATED,
        sections=(
            ReportSection("渋谷本店 / Shibuya", _rows(rows)),
            ReportSection("アカウント / Accounts", ()),
        ),
    )


def test_titles_rows_and_statuses_are_in_the_text() -> None:
    text = all_text(render_report_pdf(_document()))
    flat = squashed(text)
    for phrase in [
        "コンプライアンス報告書",
        "株式会社みまもり商店",
        "2026-11-2901:30+00:00",
        "渋谷本店/Shibuya",
        "アカウント/Accounts",
        "項目なし/Noitems",
        "カメラ5/Camera5",
        "利用目的が未設定です(row5).Purposeofuseisnotset.",
        "https://cams.example.jp/admin/cameras/5",
    ]:
        assert phrase in flat, phrase
    for label, _, _ in STATUS_STYLES.values():
        assert squashed(label) in flat


def test_each_status_is_painted_in_its_colour() -> None:
    pdf = render_report_pdf(_document())
    content = reader(pdf).pages[0].get_contents()
    assert content is not None
    stream = content.get_data().decode("latin-1")
    for _, fill, _ in STATUS_STYLES.values():
        red, green, blue = (round(v, 4) for v in fill.rgb())
        painted = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", stream)
        assert any(
            abs(float(r) - red) < 1e-3
            and abs(float(g) - green) < 1e-3
            and abs(float(b) - blue) < 1e-3
            for r, g, b in painted
        ), fill


def test_links_are_clickable() -> None:
    pdf = render_report_pdf(_document())
    uris = {
        annot.get_object()["/A"]["/URI"]
        for page in reader(pdf).pages
        for annot in page.get("/Annots", [])
    }
    assert "https://cams.example.jp/admin/cameras/1" in uris


def test_only_web_links_are_clickable() -> None:
    rows = (
        ReportRow("a", "ok", "d", "/admin/cameras/3"),
        ReportRow("b", "ok", "d", "javascript:alert(1)"),
        ReportRow("c", "ok", "d", "HTTPS://cams.example.jp/x"),
    )
    pdf = render_report_pdf(ReportDocument("T", "S", GENERATED, (ReportSection("s", rows),)))
    uris = [
        annot.get_object()["/A"]["/URI"]
        for page in reader(pdf).pages
        for annot in page.get("/Annots", [])
    ]
    assert uris == ["HTTPS://cams.example.jp/x"]
    text = all_text(pdf)
    assert "/admin/cameras/3" in text
    assert "javascript:alert(1)" in text


def test_a_long_table_flows_across_numbered_a4_pages() -> None:
    pdf = render_report_pdf(_document(rows=120))
    pages = reader(pdf).pages
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=0.01)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=0.01)
        text = page.extract_text()
        assert f"{number} / {len(pages)} ページ / page" in text
        # The table header is repeated on every page the table reaches.
        if number < len(pages):
            assert "項目 / Item" in text
    flat = squashed(all_text(pdf))
    for i in (0, 60, 119):
        assert f"カメラ{i}/Camera{i}" in flat


def test_a_row_longer_than_a_page_continues_on_the_next() -> None:
    detail = "長い説明文です。A very long explanation. " * 400
    document = ReportDocument(
        "T", "S", GENERATED, (ReportSection("s", (ReportRow("x", "missing", detail),)),)
    )
    pdf = render_report_pdf(document)
    pages = reader(pdf).pages
    assert len(pages) >= 4
    # Every sentence arrives: with what each page repeats taken out, the text is whole.
    flat = squashed(all_text(pdf))
    for repeated in [
        r"T—2026-11-2901:30\+00:00\d+/\d+ページ/page",
        r"項目/Item状態/Status詳細/Detail",
        r"x\(続き/continued\)未設定Missing",
    ]:
        flat = re.sub(repeated, "", flat)
    assert squashed(detail) in flat
    for page in pages[1:]:
        text = page.extract_text()
        assert "x (続き / continued)" in text
        assert "未設定 Missing" in text


def test_a_section_title_stays_with_its_table() -> None:
    # Sweep the first section's length so the second title lands at every height,
    # including the foot of a page.
    for rows in range(14, 30):
        document = ReportDocument(
            "T",
            "S",
            GENERATED,
            (ReportSection("第一節", _rows(rows)), ReportSection("第二節", ())),
        )
        for page in reader(render_report_pdf(document)).pages:
            text = page.extract_text()
            if "第二節" in text:
                assert "項目なし / No items" in text, rows


def test_markup_in_user_text_prints_as_typed() -> None:
    document = ReportDocument(
        "<b>Title</b> & co",
        "a < b",
        GENERATED,
        (
            ReportSection(
                "<i>s</i>", (ReportRow("x & y", "ok", "<br/> stays", "https://a/?x=1&y=2"),)
            ),
        ),
    )
    text = all_text(render_report_pdf(document))
    for phrase in ["<b>Title</b> & co", "a < b", "<i>s</i>", "x & y", "<br/> stays"]:
        assert phrase in text


def test_only_the_embedded_japanese_font_is_used() -> None:
    used = fonts(render_report_pdf(_document(rows=40)))
    assert used
    for font in used:
        assert font.base_font.endswith("IPAexGothic")
        assert font.embedded_as == "FontFile2"


_WORDS = st.text(
    st.sampled_from("あいうえお防犯安全管理業務改善カメラ駐車場abcdefghijXYZ0123456789 .,/-"),
    min_size=1,
    max_size=400,
).filter(lambda s: s.strip() != "")


@settings(max_examples=15, deadline=None)
@given(
    rows=st.lists(
        st.tuples(_WORDS, st.sampled_from(["ok", "attention", "missing"]), _WORDS),
        min_size=1,
        max_size=25,
    )
)
def test_any_text_stays_inside_the_page(rows: list[tuple[str, str, str]]) -> None:
    document = ReportDocument(
        "報告書",
        "subtitle",
        GENERATED,
        (ReportSection("節", tuple(ReportRow(a, s, d) for a, s, d in rows)),),  # type: ignore[arg-type]
    )
    pdf = render_report_pdf(document)
    for box in text_boxes(pdf):
        assert box.left >= 0 and box.bottom >= 0, box
        assert box.right <= box.page_width + 0.5 and box.top <= box.page_height, box
    flat = squashed(all_text(pdf))
    for label, _, detail in rows:
        assert squashed(label) in flat
        assert squashed(detail) in flat
