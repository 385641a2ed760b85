"""The command line, run as a real subprocess, including every refusal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, FAST_RECORDING, Installation, ServerFactory
from tests.support.processes import mimamoru, start_serve, wait_healthy
from tests.support.servers import ca_context, free_port


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_init_prints_a_random_password_once(tmp_path: Path) -> None:
    result = mimamoru("init", "--data-dir", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "Admin password" in line)
    password = line.rsplit(" ", 1)[-1]
    assert len(password) >= 16
    other = mimamoru("init", "--data-dir", str(tmp_path / "b"))
    assert password not in other.stdout, "passwords are random"
    stored = (tmp_path / "a" / "mimamoru.db").read_bytes()
    assert password.encode() not in stored, "only the hash is stored"
    assert b"$argon2id$" in stored
    assert oct((tmp_path / "a" / "tls" / "key.pem").stat().st_mode & 0o777) == "0o600"


def test_init_with_password_file_and_user(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-password\n")
    result = mimamoru(
        "init",
        "--data-dir",
        str(tmp_path / "d"),
        "--admin-user",
        "chief",
        "--admin-password-file",
        str(secret),
    )
    assert result.returncode == 0, result.stderr
    assert "a-long-enough-password" not in result.stdout + result.stderr
    assert "chief" in result.stdout


def test_second_init_refuses_with_code_2_and_changes_nothing(installation: Installation) -> None:
    before = snapshot(installation.data_dir)
    result = mimamoru("init", "--data-dir", str(installation.data_dir))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {installation.data_dir} already holds a mimamoru installation; nothing was changed"
    )
    assert snapshot(installation.data_dir) == before


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = mimamoru("init", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "is not empty" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "password file not found"),
        ("short\n", "password too short"),
        ("\n", "is empty"),
    ],
)
def test_init_rejects_bad_password_files(tmp_path: Path, content: str | None, message: str) -> None:
    secret = tmp_path / "pw"
    if content is not None:
        secret.write_text(content)
    result = mimamoru(
        "init", "--data-dir", str(tmp_path / "d"), "--admin-password-file", str(secret)
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d").exists(), "nothing left behind"


def test_commands_refuse_a_dir_that_is_not_an_installation(tmp_path: Path) -> None:
    for args in (
        ["serve", "--data-dir", str(tmp_path)],
        ["camera", "add", "--data-dir", str(tmp_path), "--name", "x", "--source", "test://pattern"],
    ):
        result = mimamoru(*args)
        assert result.returncode == 1
        assert result.stderr.strip().endswith(
            f"create one with `mimamoru init --data-dir {tmp_path}`"
        )


def test_camera_add_prints_the_id(installation: Installation) -> None:
    data_dir = str(installation.data_dir)
    first = mimamoru(
        "camera",
        "add",
        "--data-dir",
        data_dir,
        "--name",
        "Door",
        "--source",
        "rtsp://u:topsecret@127.0.0.1:9/x",
        "--retention",
        "5d",
        "--justification",
        "Shop closes for four days at New Year",
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "1"
    listing = mimamoru("camera", "list", "--data-dir", data_dir)
    assert "rtsp://u:***@127.0.0.1:9/x" in listing.stdout
    assert "topsecret" not in listing.stdout
    assert "\t120h\t" in listing.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--source", "ftp://x/y"], "unsupported camera source scheme 'ftp'"),
        (["--source", "test://pattern", "--retention", "0h"], "retention_hours must be between"),
        (["--source", "test://pattern", "--retention", "a week"], "not a number of hours or days"),
        (["--source", "test://pattern", "--retention", "4d"], "give a written retention_justif"),
        (["--source", "test://pattern", "--purpose", "marketing"], "unknown purpose code(s)"),
    ],
)
def test_camera_add_rejects_bad_input(
    installation: Installation, extra: list[str], message: str
) -> None:
    result = mimamoru(
        "camera", "add", "--data-dir", str(installation.data_dir), "--name", "x", *extra
    )
    assert result.returncode == 1
    assert message in result.stderr


def test_bad_toml_stops_start_up_with_one_line(installation: Installation) -> None:
    (installation.data_dir / "mimamoru.toml").write_text("[server]\nport = 'abc'\n")
    result = mimamoru("serve", "--data-dir", str(installation.data_dir))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "server.port" in lines[0]


def test_missing_certificate_is_named(installation: Installation) -> None:
    (installation.data_dir / "tls" / "cert.pem").unlink()
    result = mimamoru("serve", "--data-dir", str(installation.data_dir), "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: TLS certificate not found:")


def test_port_in_use_is_named(installation: Installation) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = mimamoru("serve", "--data-dir", str(installation.data_dir), "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: cannot listen on 127.0.0.1:{port}: address already in use"
    )


def test_serve_speaks_https_and_stops_cleanly(installation: Installation) -> None:
    port = free_port()
    process = start_serve(installation.data_dir, port)
    try:
        wait_healthy(f"https://localhost:{port}", ca_context(installation.data_dir))
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "serving at https://localhost:" in err
    assert ADMIN_PASSWORD not in err


def test_insecure_http_warns(installation: Installation) -> None:
    port = free_port()
    process = start_serve(installation.data_dir, port, "--insecure-http")
    try:
        wait_healthy(f"http://127.0.0.1:{port}", True)
        response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health")
        assert "strict-transport-security" not in response.headers
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert "WARNING" in err and "PLAIN HTTP" in err


def test_camera_added_from_cli_records_within_5_s(
    installation: Installation, start_server: ServerFactory
) -> None:
    server = start_server(recording={**FAST_RECORDING, "reconcile_seconds": 2.0})
    result = mimamoru(
        "camera",
        "add",
        "--data-dir",
        str(installation.data_dir),
        "--name",
        "CLI",
        "--source",
        "test://pattern?size=160x120&rate=10",
        "--purpose",
        "crime_prevention",
    )
    added = time.monotonic()
    camera_id = int(result.stdout)
    with server.client() as client:
        client.headers["Authorization"] = f"Bearer {server.login(client)}"
        while time.monotonic() - added < 5:
            camera = client.get(f"/api/v1/cameras/{camera_id}").json()
            if camera["status"] == "recording":
                break
            time.sleep(0.1)
        assert camera["status"] == "recording"


def test_python_dash_m_and_console_script_agree() -> None:
    module = mimamoru("--version")
    assert module.returncode == 0 and "mimamoru" in module.stdout
    script = Path(sys.executable).with_name("mimamoru")
    assert script.exists(), "console script installed"
    assert (
        subprocess.run(
            [str(script), "--version"], capture_output=True, text=True, check=False
        ).stdout
        == module.stdout
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none", "cannot use the database"),
        ("postgresql://u:hunter2@host:notaport/db", "invalid settings: database_url"),
        ("mysql://u:hunter2@h/db", "unsupported database 'mysql'"),
    ],
)
def test_unusable_database_is_one_line_without_the_password(
    installation: Installation, url: str, message: str
) -> None:
    result = mimamoru(
        "camera",
        "list",
        "--data-dir",
        str(installation.data_dir),
        env={"MIMAMORU_DATABASE_URL": url},
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "hunter2" not in result.stderr


def test_data_dir_cannot_be_set_from_the_environment(installation: Installation) -> None:
    result = mimamoru(
        "camera",
        "list",
        "--data-dir",
        str(installation.data_dir),
        env={"MIMAMORU_DATA_DIR": "/elsewhere"},
    )
    assert result.returncode == 1 and "MIMAMORU_DATA_DIR: unknown setting" in result.stderr


def test_camera_set_purposes_is_versioned(installation: Installation) -> None:
    data_dir = str(installation.data_dir)
    added = mimamoru(
        "camera", "add", "--data-dir", data_dir, "--name", "Door", "--source", "test://pattern"
    )
    assert added.returncode == 0, added.stderr
    camera_id = added.stdout.strip()
    first = mimamoru(
        "camera", "set-purposes", "--data-dir", data_dir, "--camera", camera_id,
        "--purpose", "crime_prevention", "--purpose", "safety",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert (
        first.stdout.strip() == f"camera {camera_id}: purposes crime_prevention, safety (version 1)"
    )
    cleared = mimamoru("camera", "set-purposes", "--data-dir", data_dir, "--camera", camera_id)
    assert (
        cleared.stdout.strip() == f"camera {camera_id}: purposes none (not recording) (version 2)"
    )
    unknown = mimamoru(
        "camera", "set-purposes", "--data-dir", data_dir, "--camera", camera_id, "--purpose", "x"
    )
    assert unknown.returncode == 1 and "unknown purpose code(s): x" in unknown.stderr
