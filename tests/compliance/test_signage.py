"""Camera signage: what the printed sign says, its font, its paper, and its QR code."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations
from pathlib import Path

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from reportlab.lib.pagesizes import A3, A4
from reportlab.lib.units import mm

from mimamoru.compliance.fonts import FONT_PACKAGE, FontError, find_font, japanese_font
from mimamoru.compliance.sign_text import wrap_text
from mimamoru.compliance.signage import (
    HEADING_EN,
    HEADING_JA,
    PNG_DPI,
    Purpose,
    SignContent,
    render_signage,
)
from mimamoru.errors import ValidationFailedError
from tests.compliance.pdfcheck import all_text, fonts, reader, squashed, text_boxes

NOTICE_URL = "https://cams.mimamoru.example.jp/privacy#site-3"

CONTENT = SignContent(
    operator_name="株式会社みまもり商店",
    site_name="渋谷本店 / Shibuya main store",
    camera_names=("入口 / Entrance", "レジ / Register"),
    purposes=(
        Purpose("防犯", "Crime prevention"),
        Purpose("安全管理", "Safety management"),
        Purpose("業務改善", "Improving operations"),
    ),
    retention_ja="30日間",
    retention_en="30 days",
    contact_lines=(
        "個人情報お問い合わせ窓口 / Privacy desk",
        "電話 / Tel: 03-1234-5678",
        "privacy@mimamoru.example.jp",
    ),
    notice_url=NOTICE_URL,
)


def _decode_qr(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png))
    return [code.text for code in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_sign_says_everything_in_both_languages(paper: str) -> None:
    text = squashed(all_text(render_signage(CONTENT, paper)))  # type: ignore[arg-type]
    expected = [
        HEADING_JA,
        HEADING_EN,
        CONTENT.operator_name,
        CONTENT.site_name,
        *CONTENT.camera_names,
        *(p.name_ja for p in CONTENT.purposes),
        *(p.name_en for p in CONTENT.purposes),
        "利用目的",
        "保存期間",
        "30日間",
        "30days",
        *CONTENT.contact_lines,
        "詳しくは/Details",
        NOTICE_URL,
    ]
    for phrase in expected:
        assert squashed(phrase) in text, phrase


def test_the_japanese_font_is_embedded_and_the_only_font() -> None:
    used = fonts(render_signage(CONTENT))
    assert len(used) == 1
    assert used[0].base_font.endswith("IPAexGothic")
    assert used[0].embedded_as == "FontFile2"


@pytest.mark.parametrize(("paper", "size"), [("A4", A4), ("A3", A3)])
def test_page_is_the_paper_size_in_portrait(paper: str, size: tuple[float, float]) -> None:
    pages = reader(render_signage(CONTENT, paper)).pages  # type: ignore[arg-type]
    assert len(pages) == 1
    assert float(pages[0].mediabox.width) == pytest.approx(size[0], abs=0.01)
    assert float(pages[0].mediabox.height) == pytest.approx(size[1], abs=0.01)


def test_a3_is_the_same_sign_scaled_up() -> None:
    a4 = {box.text: box for box in text_boxes(render_signage(CONTENT, "A4"))}
    a3 = {box.text: box for box in text_boxes(render_signage(CONTENT, "A3"))}
    assert a4.keys() == a3.keys()
    ratio = A3[0] / A4[0]
    heading4, heading3 = a4[HEADING_JA], a3[HEADING_JA]
    assert heading3.right - heading3.left == pytest.approx(
        (heading4.right - heading4.left) * ratio, rel=0.03
    )


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_png_is_the_same_page_and_its_qr_code_opens_the_notice(paper: str) -> None:
    png = render_signage(CONTENT, paper, "png")  # type: ignore[arg-type]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width_in = (A4 if paper == "A4" else A3)[0] / 72
    assert image.width == pytest.approx(width_in * PNG_DPI, abs=2)
    assert image.info["dpi"][0] == pytest.approx(PNG_DPI, abs=0.1)
    assert _decode_qr(png) == [NOTICE_URL]


def test_a_long_notice_url_still_decodes() -> None:
    url = "https://cameras.example-operator.co.jp/privacy?lang=ja&site=" + "x" * 150
    png = render_signage(SignContent(**{**CONTENT.__dict__, "notice_url": url}), "A4", "png")
    assert _decode_qr(png) == [url]


def test_identical_content_gives_identical_bytes() -> None:
    assert render_signage(CONTENT) == render_signage(CONTENT)


def test_renders_in_parallel_threads_match_serial_ones() -> None:
    # The API renders from a thread pool; reportlab's font state and pdfium are shared.
    contents = [
        SignContent(**{**CONTENT.__dict__, "operator_name": f"株式会社{chr(0x4E00 + 97 * i)}"})
        for i in range(8)
    ]
    serial = [render_signage(c) for c in contents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(render_signage, contents))
        pngs = list(pool.map(lambda c: render_signage(c, "A4", "png"), contents[:4]))
    assert parallel == serial
    assert all(_decode_qr(png) == [NOTICE_URL] for png in pngs)


def test_no_contact_lines_means_no_empty_contact_heading() -> None:
    content = SignContent(**{**CONTENT.__dict__, "contact_lines": ("", "  ")})
    text = all_text(render_signage(content))
    assert "Contact" not in text
    assert CONTENT.operator_name in text


def test_a_site_with_many_cameras_gives_their_number() -> None:
    names = tuple(f"カメラ{i} / Camera {i}" for i in range(40))
    text = squashed(
        all_text(render_signage(SignContent(**{**CONTENT.__dict__, "camera_names": names})))
    )
    assert "カメラ/Cameras:40台/40cameras" in text
    assert "Camera17" not in text


def test_camera_names_stay_when_something_else_crowds_the_sign() -> None:
    content = SignContent(
        **{
            **CONTENT.__dict__,
            "operator_name": "Mimamoru International Retail Holdings Japan 株式会社"
            "みまもりインターナショナル・リテール・ホールディングス",
            "purposes": tuple(Purpose(f"目的{i}", f"Purpose number {i}") for i in range(4)),
        }
    )
    text = squashed(all_text(render_signage(content)))
    for name in CONTENT.camera_names:
        assert squashed(name) in text


def test_five_or_more_purposes_are_set_in_two_columns() -> None:
    purposes = tuple(Purpose(f"目的{i}", f"Purpose {i}") for i in range(6))
    pdf = render_signage(SignContent(**{**CONTENT.__dict__, "purposes": purposes}))
    boxes = {box.text: box for box in text_boxes(pdf)}
    first, second, third = (boxes[f"■ 目的{i}"] for i in range(3))
    assert second.bottom == pytest.approx(first.bottom)  # same row
    assert second.left > first.right
    assert third.top < first.bottom  # next row
    assert third.left == pytest.approx(first.left)


@pytest.mark.parametrize(
    ("paper", "fmt", "problem"),
    [
        ("B5", "pdf", "unsupported paper size 'B5'"),
        ("a4", "pdf", "unsupported paper size 'a4'"),
        ("A4", "svg", "unsupported format 'svg'"),
        ("A4", "", "unsupported format ''"),
    ],
)
def test_unsupported_paper_or_format_is_refused(paper: str, fmt: str, problem: str) -> None:
    with pytest.raises(ValidationFailedError, match=problem):
        render_signage(CONTENT, paper, fmt)  # type: ignore[arg-type]


def test_a_sign_without_purposes_is_refused() -> None:
    content = SignContent(**{**CONTENT.__dict__, "purposes": ()})
    with pytest.raises(ValidationFailedError, match="at least one purpose"):
        render_signage(content)


def test_a_sign_without_notice_url_is_refused() -> None:
    content = SignContent(**{**CONTENT.__dict__, "notice_url": "  "})
    with pytest.raises(ValidationFailedError, match="notice page's URL"):
        render_signage(content)


def test_text_too_long_to_read_is_refused_not_shrunk_to_nothing() -> None:
    content = SignContent(
        **{**CONTENT.__dict__, "purposes": (Purpose("防犯" * 400, "crime " * 400),)}
    )
    with pytest.raises(ValidationFailedError, match="too long to print legibly"):
        render_signage(content)


def test_a_missing_configured_font_names_the_file_and_the_package(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ttf"
    with pytest.raises(FontError, match=f"{missing}.*{FONT_PACKAGE}"):
        render_signage(CONTENT, font_path=missing)


def test_no_installed_font_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(FontError, match=f"apt-get install {FONT_PACKAGE}"):
        find_font(None, candidates=(tmp_path / "a.ttf", tmp_path / "b.ttf"))


def test_a_file_that_is_not_truetype_is_refused_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.ttf"
    bogus.write_bytes(b"OTTO" + bytes(200))
    with pytest.raises(FontError, match="cannot be embedded"):
        japanese_font(bogus)


# Characters the sign must handle: kana, kanji, full-width forms, Latin, digits, spaces
# and punctuation that must not start a line.
_ALPHABET = st.sampled_from(
    "あいうえおかきくけこさしすせそアイウエオカキクケコー防犯安全管理業務改善株式会社"
    "東京都渋谷区店入口駐車場第一二三ＡＢＣ１２３、。・（）「」"  # noqa: RUF001
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -/@.,()&<>"
)


def _text(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(_ALPHABET, min_size=min_size, max_size=max_size).filter(
        lambda s: s.strip() != ""
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operator=_text(1, 60),
    site=_text(1, 50),
    cameras=st.lists(_text(1, 20), min_size=1, max_size=4),
    purposes=st.lists(st.tuples(_text(1, 24), _text(1, 40)), min_size=1, max_size=8),
    contact=st.lists(_text(1, 45), min_size=0, max_size=4),
    paper=st.sampled_from(["A4", "A3"]),
)
def test_any_reasonable_text_wraps_inside_the_sign(
    operator: str,
    site: str,
    cameras: list[str],
    purposes: list[tuple[str, str]],
    contact: list[str],
    paper: str,
) -> None:
    content = SignContent(
        operator_name=operator,
        site_name=site,
        camera_names=tuple(cameras),
        purposes=tuple(Purpose(ja, en) for ja, en in purposes),
        retention_ja="72時間",
        retention_en="72 hours",
        contact_lines=tuple(contact),
        notice_url=NOTICE_URL,
    )
    pdf = render_signage(content, paper)  # type: ignore[arg-type]
    text = squashed(all_text(pdf))
    for phrase in [operator, site, *(ja for ja, _ in purposes), *(en for _, en in purposes)]:
        assert squashed(phrase) in text
    boxes = text_boxes(pdf)
    inset = 9 * mm * (A3[0] / A4[0] if paper == "A3" else 1)
    for box in boxes:
        assert box.left >= inset, box
        assert box.right <= box.page_width - inset + 0.5, box
        assert box.bottom >= inset, box
        assert box.top <= box.page_height - inset, box
    # No two strings overlap: nothing ran into the next paragraph or the footer.
    for one, other in combinations(boxes, 2):
        apart = (
            one.right <= other.left + 0.5
            or other.right <= one.left + 0.5
            or one.top <= other.bottom + 0.5
            or other.top <= one.bottom + 0.5
        )
        assert apart, (one, other)


@settings(max_examples=60, deadline=None)
@given(text=_text(1, 300), width=st.floats(min_value=30, max_value=500))
def test_wrapped_lines_fit_their_width_and_keep_every_character(text: str, width: float) -> None:
    font = japanese_font()
    lines = wrap_text(text, font, 12, width)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for line in lines:
        assert stringWidth(line, font, 12) <= width or len(line) == 1
    assert squashed("".join(lines)) == squashed(text)
