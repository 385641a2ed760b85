"""Choosing the Japanese font: the [fonts] setting and the installed default."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimamoru.compliance.fonts import DEFAULT_FONT_PATHS, find_font, japanese_font
from mimamoru.compliance.signage import render_signage
from mimamoru.errors import SettingsError
from mimamoru.settings import load_settings
from tests.compliance.pdfcheck import fonts
from tests.compliance.test_signage import CONTENT


def test_default_font_is_installed_ipaex_gothic() -> None:
    assert find_font() == DEFAULT_FONT_PATHS[0]
    assert find_font().name == "ipaexg.ttf"


def test_configured_font_path_is_used(tmp_path: Path) -> None:
    copy = tmp_path / "my-gothic.ttf"
    copy.write_bytes(find_font().read_bytes())
    settings = load_settings(data_dir=tmp_path, fonts={"font_path": str(copy)})
    assert settings.fonts.font_path == copy
    assert japanese_font(copy) != japanese_font()
    used = fonts(render_signage(CONTENT, font_path=settings.fonts.font_path))
    assert [f.embedded_as for f in used] == ["FontFile2"]


def test_relative_font_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"fonts\.font_path.*absolute"):
        load_settings(data_dir=tmp_path, fonts={"font_path": "ipaexg.ttf"})


def test_unknown_fonts_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"fonts\.path"):
        load_settings(data_dir=tmp_path, fonts={"path": "/x.ttf"})
