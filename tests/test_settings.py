from pathlib import Path

import pytest

from mimamoru.errors import SettingsError
from mimamoru.settings import load_settings


def write_toml(data_dir: Path, text: str) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "mimamoru.toml").write_text(text, encoding="utf-8")


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8443
    assert settings.server.insecure_http is False
    assert settings.site.timezone == "Asia/Tokyo"
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'mimamoru.db'}"
    assert settings.tls_cert_path == tmp_path.resolve() / "tls" / "cert.pem"


def test_priority_cli_over_environment_over_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_toml(tmp_path, "[server]\nport = 9000\nhost = '0.0.0.0'\n")
    assert load_settings(tmp_path).server.port == 9000
    monkeypatch.setenv("MIMAMORU_SERVER__PORT", "9100")
    settings = load_settings(tmp_path)
    assert settings.server.port == 9100
    assert settings.server.host == "0.0.0.0"
    assert load_settings(tmp_path, server={"port": 9200, "host": None}).server.port == 9200


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    write_toml(tmp_path, "[server]\nprot = 9000\n")
    with pytest.raises(SettingsError, match=r"server\.prot: unknown setting"):
        load_settings(tmp_path)


def test_unknown_section_is_named(tmp_path: Path) -> None:
    write_toml(tmp_path, "[serverr]\nport = 9000\n")
    with pytest.raises(SettingsError, match=r"serverr: unknown setting"):
        load_settings(tmp_path)


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    write_toml(tmp_path, "[server]\nport = 'abc'\n")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(tmp_path)
    message = str(excinfo.value)
    assert "server.port" in message and "'abc'" in message
    assert "\n" not in message


def test_bad_toml_names_file_and_line(tmp_path: Path) -> None:
    write_toml(tmp_path, "[server\nport = 1\n")
    with pytest.raises(SettingsError, match=r"mimamoru\.toml: invalid TOML: .*line 1"):
        load_settings(tmp_path)


def test_misspelt_environment_variable_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIMAMORU_SERVER_PORT", "9000")
    with pytest.raises(SettingsError, match="MIMAMORU_SERVER_PORT: unknown setting"):
        load_settings(tmp_path)


def test_named_certificate_must_exist(tmp_path: Path) -> None:
    write_toml(tmp_path, "[server]\ntls_cert = '/nonexistent/cert.pem'\n")
    with pytest.raises(SettingsError, match=r"server\.tls_cert: file not found: /nonexistent"):
        load_settings(tmp_path)


def test_unknown_time_zone(tmp_path: Path) -> None:
    write_toml(tmp_path, "[site]\ntimezone = 'Mars/Olympus'\n")
    with pytest.raises(SettingsError, match="unknown time zone 'Mars/Olympus'"):
        load_settings(tmp_path)


def test_out_of_range_values(tmp_path: Path) -> None:
    write_toml(tmp_path, "[recording]\nsegment_seconds = 0\n")
    with pytest.raises(SettingsError, match=r"recording\.segment_seconds"):
        load_settings(tmp_path)
