from pathlib import Path

import pytest

from mimamoru.errors import InstallationError, InstallationExistsError, MimamoruError
from mimamoru.installation import init_installation, is_installation, open_installation
from mimamoru.services import Services
from mimamoru.settings import load_settings


def test_init_creates_a_complete_installation(tmp_path: Path) -> None:
    result = init_installation(tmp_path / "site")
    assert result.generated_password
    data_dir = result.data_dir
    assert is_installation(data_dir)
    for name in ("mimamoru.toml", "mimamoru.db", "tls/ca.pem", "tls/cert.pem", "tls/key.pem"):
        assert (data_dir / name).is_file(), name
    assert (data_dir / "segments").is_dir()
    assert data_dir.stat().st_mode & 0o777 == 0o700
    services = Services.build(load_settings(data_dir))
    try:
        issued = services.sessions.login("admin", result.generated_password, client="test")
        assert issued is not None and issued.principal.role.value == "admin"
        assert services.audit.verify().ok
    finally:
        services.close()


def test_init_on_postgresql_refuses_a_database_that_already_has_accounts(
    tmp_path: Path, postgres_url: str
) -> None:
    init_installation(tmp_path / "one", database_url=postgres_url)
    with pytest.raises(
        InstallationExistsError,
        match="already holds another mimamoru installation",
    ):
        init_installation(tmp_path / "two", database_url=postgres_url)
    assert not (tmp_path / "two").exists(), "the failed init left nothing behind"


def test_bad_user_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MimamoruError, match="user name may hold only"):
        init_installation(tmp_path / "x", admin_user="bad name")
    assert not (tmp_path / "x").exists()


def test_open_refuses_non_installations(tmp_path: Path) -> None:
    with pytest.raises(InstallationError, match="does not exist"):
        open_installation(tmp_path / "nope")
    with pytest.raises(InstallationError, match="is not a mimamoru installation"):
        open_installation(tmp_path)
