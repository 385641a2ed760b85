"""scripts/sample_signage.py: the sample in docs/signage.md is a real render."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import zxingcpp
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]


def test_sample_script_renders_a_scannable_sign(tmp_path: Path) -> None:
    out = tmp_path / "sample.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sample_signage.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert f"wrote {out}" in result.stdout
    png = out.read_bytes()
    # Small enough to keep in the repository, as docs/screenshots/signage-a4.png is.
    assert len(png) < 300_000
    image = Image.open(io.BytesIO(png))
    assert image.size == (827, 1170)  # A4 at 100 dpi
    codes = [code.text for code in zxingcpp.read_barcodes(image)]
    assert codes == ["https://cameras.mimamoru.example.jp/privacy"]
