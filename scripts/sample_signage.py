"""Render the sample sign that docs/signage.md shows, to docs/screenshots/signage-a4.png.

Run from the repository root with the project's virtualenv (scripts/demo.sh or
scripts/test.sh makes it): ``.venv/bin/python scripts/sample_signage.py [OUTPUT.png]``.
The operator, site and URL are made up.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mimamoru.compliance.signage import Purpose, SignContent, pdf_page_to_png, render_signage

SAMPLE = SignContent(
    operator_name="株式会社みまもり商店",
    site_name="渋谷本店 / Shibuya main store",
    camera_names=("入口 / Entrance",),
    purposes=(
        Purpose("防犯", "Crime prevention"),
        Purpose("安全管理", "Safety management"),
        Purpose("業務改善", "Improving operations"),
    ),
    retention_ja="30日間",
    retention_en="30 days",
    contact_lines=(
        "個人情報お問い合わせ窓口 / Privacy desk",
        "電話 / Tel: 03-1234-5678 (平日 10:00–18:00)",
        "privacy@mimamoru.example.jp",
    ),
    notice_url="https://cameras.mimamoru.example.jp/privacy",
)
# Enough to read the sign and scan its code on screen, small enough for the repository.
DOCS_DPI = 100


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path("docs/screenshots/signage-a4.png")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf_page_to_png(render_signage(SAMPLE, "A4", "pdf"), dpi=DOCS_DPI))
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
